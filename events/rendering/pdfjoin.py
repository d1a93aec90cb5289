"""One PDF written from several PDFs that reportlab made, part after part: :class:`PdfJoiner`.

Bulk runs draw their pages in chunks, in several processes (:mod:`events.rendering.pool`); one
chunk is one reportlab document. The joiner copies each part's objects to the output as the part
arrives (renumbered, so numbers do not collide) and only keeps the numbers of its pages; at the
end it writes the page tree, the catalogue and the cross-reference table. Memory is one part,
whatever the number of pages, and nothing is decompressed or parsed beyond the object
dictionaries: a part costs a copy of its bytes.

It reads what reportlab writes (a classic cross-reference table, objects ``n 0 obj`` with their
dictionaries in text and binary data only inside streams), not any PDF. Fonts are embedded per
part (each chunk has its own subsets); their subset tags (``AAAAAA+NotoSans``) are made unique per
part, as readers and printers may take two embedded fonts of the same name for one.
"""

from __future__ import annotations

import re
from typing import BinaryIO

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])")
_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref", re.S)
_STREAM = re.compile(rb">>\s*stream\r?\n")
_REFERENCE = re.compile(rb"\b(\d+) 0 R\b")
_OBJECT_HEADER = re.compile(rb"^(\d+) 0 obj\b")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_SUBSET_TAG = re.compile(rb"/([A-Z]{6})\+")


class PdfJoinError(ValueError):
    """A part is not a PDF this joiner can read (not one reportlab wrote)."""


def _tag(part: int, original: bytes) -> bytes:
    """A subset tag unique to ``part`` (six capitals, as the PDF specification wants)."""
    letters = []
    for _ in range(3):
        part, digit = divmod(part, 26)
        letters.append(65 + digit)
    return bytes(reversed(letters)) + original[3:]


class _Part:
    """The objects of one reportlab PDF, found through its cross-reference table."""

    def __init__(self, pdf: bytes) -> None:
        found = _STARTXREF.search(pdf[-64:])
        if found is None or not pdf.startswith(b"%PDF-"):
            raise PdfJoinError("not a PDF with a cross-reference table")
        xref_at = int(found.group(1))
        table = pdf[xref_at:]
        if not table.startswith(b"xref"):
            raise PdfJoinError("no classic cross-reference table")
        trailer = _TRAILER.search(table)
        if trailer is None:
            raise PdfJoinError("no trailer")
        self.trailer = trailer.group(1)
        offsets = sorted(
            int(entry.group(1))
            for entry in _XREF_ENTRY.finditer(table, 0, trailer.start())
            if entry.group(3) == b"n"
        )
        ends = [*offsets[1:], xref_at]
        self.objects: dict[int, bytes] = {}
        for start, end in zip(offsets, ends, strict=True):
            body = pdf[start:end]
            header = _OBJECT_HEADER.match(body)
            if header is None:
                raise PdfJoinError(f"no object at offset {start}")
            self.objects[int(header.group(1))] = body
        self.pdf = pdf

    def reference(self, key: bytes) -> int:
        found = re.search(rb"/" + key + rb"\s+(\d+) 0 R", self.trailer)
        if found is None:
            raise PdfJoinError(f"the trailer has no /{key.decode()}")
        return int(found.group(1))

    def page_numbers(self) -> list[int]:
        root = self.objects[self.reference(b"Root")]
        pages = re.search(rb"/Pages\s+(\d+) 0 R", root)
        if pages is None:
            raise PdfJoinError("the catalogue has no /Pages")
        kids = _KIDS.search(self.objects[int(pages.group(1))])
        if kids is None:
            raise PdfJoinError("the page tree has no /Kids")
        return [int(number) for number in _REFERENCE.findall(kids.group(1))]


class PdfJoiner:
    """Writes one PDF to ``target`` from reportlab PDFs given one by one to :meth:`add`.

    The document information (title, creator) is the first part's. Call :meth:`close` once, after
    the last part: it writes the page tree and the cross-reference table.
    """

    PAGES, CATALOG = 1, 2  # object numbers of the page tree and the catalogue, written last

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self._position = 0
        self._offsets: dict[int, int] = {}
        self._next = 3
        self._pages: list[int] = []
        self._info: int | None = None
        self._parts = 0
        self._write(b"%PDF-1.4\n%\x93\x8c\x8b\x9e OneStop Events\n")

    @property
    def pages(self) -> int:
        return len(self._pages)

    def _write(self, data: bytes) -> None:
        self._target.write(data)
        self._position += len(data)

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._position
        self._write(body)

    def add(self, pdf: bytes) -> int:
        """Copy the pages of ``pdf`` (with everything they use) after those added before; returns
        how many pages it had."""
        part = _Part(pdf)
        root, info = part.reference(b"Root"), part.reference(b"Info")
        pages = part.page_numbers()
        tree = int(re.search(rb"/Pages\s+(\d+) 0 R", part.objects[root]).group(1))  # type: ignore[union-attr]
        skipped = {root, tree} if self._info is None else {root, tree, info}
        numbers = {tree: self.PAGES}
        for old in part.objects:
            if old not in skipped:
                numbers[old] = self._next
                self._next += 1
        tag = self._parts

        def renumber(found: re.Match[bytes]) -> bytes:
            return b"%d 0 R" % numbers[int(found.group(1))]

        def retag(found: re.Match[bytes]) -> bytes:
            return b"/" + _tag(tag, found.group(1)) + b"+"

        for old, body in part.objects.items():
            if old in skipped:
                continue
            stream = _STREAM.search(body)
            split = stream.start() if stream is not None else len(body)
            head = _OBJECT_HEADER.sub(b"%d 0 obj" % numbers[old], body[:split], count=1)
            head = _SUBSET_TAG.sub(retag, _REFERENCE.sub(renumber, head))
            self._object(numbers[old], head + body[split:])
        if self._info is None:
            self._info = numbers[info]
        self._pages.extend(numbers[page] for page in pages)
        self._parts += 1
        return len(pages)

    def close(self) -> None:
        """The page tree, the catalogue, the cross-reference table and the trailer."""
        if not self._pages:
            raise PdfJoinError("no pages were added")
        kids = b" ".join(b"%d 0 R" % number for number in self._pages)
        self._object(
            self.PAGES,
            b"%d 0 obj\n<< /Count %d /Kids [ %s ] /Type /Pages >>\nendobj\n"
            % (self.PAGES, len(self._pages), kids),
        )
        self._object(
            self.CATALOG,
            b"%d 0 obj\n<< /Pages %d 0 R /Type /Catalog >>\nendobj\n" % (self.CATALOG, self.PAGES),
        )
        xref_at = self._position
        size = self._next
        lines = [b"xref\n0 %d\n" % size, b"0000000000 65535 f \n"]
        for number in range(1, size):
            offset = self._offsets.get(number)
            lines.append(b"%010d 00000 n \n" % offset if offset is not None else b"0000000000 65535 f \n")
        self._write(b"".join(lines))
        self._write(
            b"trailer\n<< /Info %d 0 R /Root %d 0 R /Size %d >>\nstartxref\n%d\n%%%%EOF\n"
            % (self._info, self.CATALOG, size, xref_at)
        )
