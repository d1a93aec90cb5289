"""What an uploaded plan document is, decided by its content (never by its name), and whether it is
safe to keep and to hand to the country's participants and organisers.

- **PDF**: starts with ``%PDF-``, ends with ``%%EOF`` after a ``startxref`` (a trailer); at most
  :data:`MAX_PDF_OBJECTS` objects and dictionaries/arrays nested at most :data:`MAX_PDF_NESTING`
  deep; every ``/FlateDecode`` stream is inflated with a bounded
  ``zlib.decompressobj().decompress(data, max_length)`` against one budget for the whole file
  (:func:`inflate_budget`), so a tiny file whose streams would inflate to gigabytes is refused
  after a few megabytes of work.
- **DOCX**: a valid ZIP holding ``[Content_Types].xml`` and ``word/document.xml``; at most
  :data:`MAX_ZIP_ENTRIES` entries, :data:`MAX_ZIP_UNCOMPRESSED` bytes once unpacked and
  :data:`MAX_ZIP_RATIO` : 1 per large entry (zip bombs); every entry is read through, within the
  declared sizes, so its CRC is checked.
- **Refused**: executables renamed to .pdf or .docx (``MZ``, ELF, Mach-O, a ``#!`` script), empty
  files, anything else.

A small check of our own rather than a PDF library: the service does not parse the document (it is
stored and served as uploaded), it only needs to know what it is and that opening it cannot exhaust
a reader; pypdf is a development dependency only, used by tests.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from events.errors import InvalidInput
from events.settings import get_settings

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}

MAX_PDF_OBJECTS = 50_000
MAX_PDF_NESTING = 64
#: Inflating every Flate stream of a PDF may produce at most this many bytes…
MAX_INFLATED = 200 * 1024 * 1024
#: …and at most this many times the size of the file (plus 1 MB for tiny files).
MAX_INFLATE_RATIO = 100
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100
#: Entries below this size may compress better than MAX_ZIP_RATIO (a run of spaces in a style).
_RATIO_FLOOR = 1024 * 1024
_CHUNK = 64 * 1024

#: The messages the pages translate (see ``events.web.my.action_plan``); the API says them as they are.
EMPTY = "the file is empty"
TOO_LARGE = "the file is larger than {mb} MB"
EXECUTABLE = "this is a program, not a document"
NOT_A_DOCUMENT = "send a PDF or a Word (DOCX) document"
BROKEN_PDF = "this PDF is damaged or incomplete"
BROKEN_DOCX = "this Word document is damaged or is not a DOCX file"
BOMB = "this file unpacks to far more than its size and cannot be accepted"

_EXECUTABLE_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"#!",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_STREAM = re.compile(rb"stream\r?\n")
_FILTERS = re.compile(rb"/Filter\s*(\[[^\]]*\]|/\w+)")
_BRACKETS = re.compile(rb"<<|>>|\[|\]")


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str
    sha256: str
    size: int
    filename: str


def max_bytes() -> int:
    return get_settings().action_plan_max_bytes


def _refuse(message: str) -> InvalidInput:
    return InvalidInput.field("file", message)


def inflate_budget(size: int) -> int:
    return min(MAX_INFLATED, MAX_INFLATE_RATIO * size + 1024 * 1024)


def _inflate_within(data: bytes, budget: int) -> int:
    """How many bytes ``data`` inflates to, reading at most ``budget + 1`` of them, in chunks."""
    inflater = zlib.decompressobj()
    produced = 0
    pending = data
    while pending and produced <= budget:
        try:
            out = inflater.decompress(pending, _CHUNK)
        except zlib.error:
            break  # a damaged stream: readers stop there too
        produced += len(out)
        pending = inflater.unconsumed_tail
        if inflater.eof:
            break
        if not out and not pending:
            break
    return produced


def _inflated_size(dictionary: bytes, data: bytes, budget: int) -> int:
    """How much a stream's Flate filter makes of it (0 without one), after the ASCII filters that
    may come first in its chain (``[/ASCII85Decode /FlateDecode]``, as reportlab writes)."""
    found = _FILTERS.search(dictionary)
    names = re.findall(rb"/(\w+)", found.group(1)) if found else []
    for name in names:
        try:
            if name in (b"ASCII85Decode", b"A85"):
                data = base64.a85decode(re.sub(rb"\s+", b"", data.split(b"~>", 1)[0]).removeprefix(b"<~"))
            elif name in (b"ASCIIHexDecode", b"AHx"):
                data = bytes.fromhex(re.sub(rb"\s+", b"", data.split(b">", 1)[0]).decode("ascii"))
            elif name in (b"FlateDecode", b"Fl"):
                return _inflate_within(data, budget)
            else:
                return 0
        except ValueError:
            return 0
    return 0


def _nesting(data: bytes) -> int:
    """The deepest nesting of dictionaries and arrays in the PDF's object syntax (streams skipped)."""
    depth = deepest = 0
    for token in _BRACKETS.finditer(data):
        if token.group() in (b"<<", b"["):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_PDF_NESTING:
                    break
        else:
            depth = max(depth - 1, 0)
    return deepest


def check_pdf(content: bytes) -> None:
    tail = content[-2048:]
    if b"%%EOF" not in tail or b"startxref" not in content[-4096:]:
        raise _refuse(BROKEN_PDF)
    if len(_OBJ.findall(content)) > MAX_PDF_OBJECTS:
        raise _refuse(BOMB)
    budget = inflate_budget(len(content))
    syntax: list[bytes] = []
    position = 0
    for found in _STREAM.finditer(content):
        if found.start() < position:
            continue
        end = content.find(b"endstream", found.end())
        if end < 0:
            raise _refuse(BROKEN_PDF)
        head = content[position : found.start()]
        syntax.append(head)
        dictionary = head[head.rfind(b"obj") :] if b"obj" in head else head[-2048:]
        budget -= _inflated_size(dictionary, content[found.end() : end], budget)
        if budget < 0:
            raise _refuse(BOMB)
        position = end + len(b"endstream")
    syntax.append(content[position:])
    if any(_nesting(part) > MAX_PDF_NESTING for part in syntax):
        raise _refuse(BOMB)


def check_docx(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _refuse(BOMB)
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or "word/document.xml" not in names:
            raise _refuse(BROKEN_DOCX)
        declared = 0
        for entry in entries:
            declared += entry.file_size
            if declared > MAX_ZIP_UNCOMPRESSED:
                raise _refuse(BOMB)
            if entry.file_size > _RATIO_FLOOR and entry.file_size > MAX_ZIP_RATIO * max(
                entry.compress_size, 1
            ):
                raise _refuse(BOMB)
        for entry in entries:
            # Reading stops at the declared size and checks the CRC at the end.
            with archive.open(entry) as member:
                while member.read(_CHUNK):
                    pass
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        zlib.error,
    ):
        raise _refuse(BROKEN_DOCX) from None


def content_type_of(content: bytes) -> str:
    """PDF or DOCX by the bytes, after refusing empty files and programs."""
    if not content:
        raise _refuse(EMPTY)
    if content.startswith(_EXECUTABLE_MAGIC):
        raise _refuse(EXECUTABLE)
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"PK\x03\x04"):
        return DOCX
    raise _refuse(NOT_A_DOCUMENT)


_UNSAFE = re.compile(r"[^\w.() -]+")


def safe_filename(original: str | None, content_type: str) -> str:
    """The uploader's name without folders, control or odd characters, with the extension of what
    the file is (a PDF named ``plan.docx`` is served as ``plan.pdf``)."""
    name = unicodedata.normalize("NFC", (original or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = _UNSAFE.sub("_", stem).strip(" ._")[:80] or "action-plan"
    return stem + EXTENSIONS[content_type]


def check(content: bytes, original_name: str | None) -> CheckedFile:
    """The upload as it will be stored, or :class:`InvalidInput` on ``file`` saying what is wrong."""
    limit = max_bytes()
    if len(content) > limit:
        raise _refuse(TOO_LARGE.format(mb=limit // (1024 * 1024)))
    content_type = content_type_of(content)
    if content_type == PDF:
        check_pdf(content)
    else:
        check_docx(content)
    return CheckedFile(
        content=content,
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        filename=safe_filename(original_name, content_type),
    )
