"""A ZIP written piece by piece: each ``add`` returns the bytes to send, so a streamed answer (or a
file) never holds more than one letter in memory. Pure: no database, no HTTP.

``zipfile`` writes to a file that cannot seek here, so every entry carries a data descriptor
after its bytes (sizes and CRC known once written) and the central directory comes last.
PDFs are stored, not deflated: their content streams are compressed already, and deflating a
signed letter again saves ~15% for a lot of CPU.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence


class _Chunks:
    """A write-only file for ``zipfile`` that hands out what was written since the last call."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class ZipStream:
    def __init__(self, date_time: tuple[int, int, int, int, int, int]) -> None:
        self.date_time = date_time
        self._sink = _Chunks()
        self._zip = zipfile.ZipFile(self._sink, mode="w", compression=zipfile.ZIP_STORED)  # type: ignore[arg-type]

    def add(self, name: str, data: bytes, *, deflate: bool = False) -> bytes:
        """Write one entry; returns the bytes to send now."""
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
        self._zip.writestr(info, data)
        return self._sink.take()

    def close(self) -> bytes:
        """The central directory: the last bytes of the archive."""
        self._zip.close()
        return self._sink.take()


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A CSV with a byte-order mark, so spreadsheet programs read the names in any script; a name
    starting like a formula (``=``, ``+``, ``-``, ``@``…) is quoted as the registrations export does."""
    from events.registration.export import table_csv

    return table_csv(header, rows)
