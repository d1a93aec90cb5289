"""A batch QR encoder for badge tokens, and their drawing as one path with integer coordinates.

Why not ``events.rendering.qr_matrix`` for badge sheets: the ``qrcode`` library spends about
9 ms of CPU per token (mostly trying its 8 masks in pure Python), and reportlab formats every
coordinate of every rectangle of ``draw_qr``'s path with its pure-Python ``fp_str`` (about 12 ms
for a version 6 symbol). At a thousand badges a second the whole budget is 1 ms a badge. So:

* :func:`encode_batch` encodes many tokens at once with numpy: alphanumeric mode, error
  correction level M, versions 1 to 6 (a badge token is always version 6, see
  ``events.badges.tokens``). Reed-Solomon, placement, the 8 masks and their penalty scores are
  computed for the whole batch in a few dozen array operations. The penalty score is the one the
  ``qrcode`` library uses (``qrcode.util.lost_point``, evaluated like ``best_mask_pattern`` with
  the format modules light), so the chosen mask and every module are the same as
  ``events.rendering.qr_matrix``'s; ``tests/test_badges_tokens.py`` checks it symbol for symbol. Data
  the batch encoder does not handle (another mode, a larger version) goes to ``qr_matrix``.
* :func:`path_operators` writes the symbol's path once, in module units (one ``re`` per run of
  dark modules, integers only), and :func:`draw_code` places it on a canvas with one ``cm``
  transform: the same one-path drawing as ``events.rendering.draw_qr`` (same runs, quiet zone of
  4 light modules, one fill), at a few percent of its cost.

The e-badge (SVG, PNG) uses ``events.rendering.qr_svg``/``qr_png`` unchanged: one token at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
from reportlab.lib.colors import Color, black, white
from reportlab.pdfgen.canvas import Canvas

from events.rendering import QUIET_ZONE, qr_matrix
from events.rendering.qr import dark_runs

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_ALNUM_VALUE = np.full(128, 255, dtype=np.uint8)
for _value, _char in enumerate(ALPHANUMERIC):
    _ALNUM_VALUE[ord(_char)] = _value

#: Level M, versions 1-6: (total codewords, error-correction codewords per block, blocks).
#: Every block of these versions has the same size. (ISO/IEC 18004 table 9.)
_LEVEL_M = {
    1: (26, 10, 1),
    2: (44, 16, 1),
    3: (70, 26, 1),
    4: (100, 18, 2),
    5: (134, 24, 2),
    6: (172, 16, 4),
}
_ALIGNMENT_CENTRES = {1: (), 2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34)}
_LEVEL_M_BITS = 0  # format-information code of level M
MAX_VERSION = 6


@dataclass(frozen=True, slots=True)
class QrCode:
    """One encoded symbol: version, mask, and the modules (True = dark) without the quiet zone."""

    version: int
    mask: int
    modules: np.ndarray  # (size, size) bool

    @property
    def size(self) -> int:
        return int(self.modules.shape[0])

    def as_tuples(self) -> tuple[tuple[bool, ...], ...]:
        """The modules as ``events.rendering.QrMatrix`` has them."""
        return tuple(tuple(row) for row in self.modules.tolist())


# --- Galois field and Reed-Solomon ----------------------------------------------------------------


@cache
def _gf_tables() -> tuple[np.ndarray, np.ndarray]:
    exp = np.zeros(512, dtype=np.int32)
    log = np.zeros(256, dtype=np.int32)
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    exp[255:510] = exp[:255]
    return exp, log


@cache
def _gf_multiply_table() -> np.ndarray:
    exp, log = _gf_tables()
    a = np.arange(256)
    table = exp[(log[a][:, None] + log[a][None, :]) % 255].astype(np.uint8)
    table[0, :] = 0
    table[:, 0] = 0
    return table


@cache
def _generator(degree: int) -> np.ndarray:
    """Coefficients of prod(x - a^i), i < degree, highest first, without the leading 1."""
    exp, _log = _gf_tables()
    multiply = _gf_multiply_table()
    poly = [1]
    for i in range(degree):
        root = int(exp[i])
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            nxt[j + 1] ^= int(multiply[coefficient, root])
        poly = nxt
    return np.array(poly[1:], dtype=np.uint8)


def _reed_solomon(data: np.ndarray, degree: int) -> np.ndarray:
    """Error-correction codewords of every row of ``data`` (rows: blocks), as one LFSR run."""
    multiply = _gf_multiply_table()
    generator = _generator(degree)
    remainder = np.zeros((data.shape[0], degree), dtype=np.uint8)
    for column in range(data.shape[1]):
        factor = data[:, column] ^ remainder[:, 0]
        remainder[:, :-1] = remainder[:, 1:]
        remainder[:, -1] = 0
        remainder ^= multiply[factor[:, None], generator[None, :]]
    return remainder


# --- the symbol template of a version -------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    size: int
    base: np.ndarray  # function patterns (format area and dark module light, as when scoring masks)
    free: np.ndarray  # modules that carry data
    order_rows: np.ndarray  # data modules in placement order
    order_cols: np.ndarray
    masks: np.ndarray  # (8, size, size): the mask patterns, restricted to data modules
    packed_mask_rows: np.ndarray  # (8, size) uint64, see _pack_lines
    packed_mask_columns: np.ndarray
    format_rows: np.ndarray  # the 15 format bits, twice, and the dark module
    format_cols: np.ndarray


def _format_positions(size: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where bit i of the format information goes (as the qrcode library places it)."""
    vertical = []
    horizontal = []
    for i in range(15):
        if i < 6:
            vertical.append((i, 8))
        elif i < 8:
            vertical.append((i + 1, 8))
        else:
            vertical.append((size - 15 + i, 8))
        if i < 8:
            horizontal.append((8, size - i - 1))
        elif i < 9:
            horizontal.append((8, 15 - i))
        else:
            horizontal.append((8, 15 - i - 1))
    return vertical, horizontal


@cache
def _template(version: int) -> _Template:
    size = 17 + 4 * version
    base = np.zeros((size, size), dtype=bool)
    reserved = np.zeros((size, size), dtype=bool)
    finder = np.ones((7, 7), dtype=bool)
    finder[1:6, 1:6] = False
    finder[2:5, 2:5] = True
    for row, col in ((0, 0), (0, size - 7), (size - 7, 0)):
        base[row : row + 7, col : col + 7] = finder
        top, left = max(row - 1, 0), max(col - 1, 0)
        reserved[top : row + 8, left : col + 8] = True  # the finder and its light separator
    base[6, 8 : size - 8] = np.arange(8, size - 8) % 2 == 0
    base[8 : size - 8, 6] = np.arange(8, size - 8) % 2 == 0
    reserved[6, :] = True
    reserved[:, 6] = True
    centres = _ALIGNMENT_CENTRES[version]
    for row in centres:
        for col in centres:
            if reserved[row, col]:
                continue
            pattern = np.ones((5, 5), dtype=bool)
            pattern[1:4, 1:4] = False
            pattern[2, 2] = True
            base[row - 2 : row + 3, col - 2 : col + 3] = pattern
            reserved[row - 2 : row + 3, col - 2 : col + 3] = True
    vertical, horizontal = _format_positions(size)
    format_cells = [*vertical, *horizontal, (size - 8, 8)]
    for row, col in format_cells:
        reserved[row, col] = True
    free = ~reserved
    order: list[tuple[int, int]] = []
    row, step = size - 1, -1
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        while True:
            for col in (right, right - 1):
                if free[row, col]:
                    order.append((row, col))
            row += step
            if row < 0 or row >= size:
                row -= step
                step = -step
                break
    i, j = np.indices((size, size))
    patterns = np.stack(
        [
            (i + j) % 2 == 0,
            i % 2 == 0,
            j % 3 == 0,
            (i + j) % 3 == 0,
            (i // 2 + j // 3) % 2 == 0,
            (i * j) % 2 + (i * j) % 3 == 0,
            ((i * j) % 2 + (i * j) % 3) % 2 == 0,
            ((i * j) % 3 + (i + j) % 2) % 2 == 0,
        ]
    )
    rows, cols = zip(*format_cells, strict=True)
    masks = patterns & free[None, :, :]
    return _Template(
        size=size,
        base=base,
        free=free,
        order_rows=np.array([r for r, _ in order]),
        order_cols=np.array([c for _, c in order]),
        masks=masks,
        packed_mask_rows=_pack_lines(masks),
        packed_mask_columns=_pack_lines(masks.transpose(0, 2, 1)),
        format_rows=np.array(rows),
        format_cols=np.array(cols),
    )


@cache
def _format_bits(mask: int) -> np.ndarray:
    """The 15 format bits (level M, ``mask``) twice, then the dark module, as placed."""
    data = (_LEVEL_M_BITS << 3) | mask
    value = data << 10
    generator = 0b10100110111
    for shift in range(4, -1, -1):
        if value & (1 << (shift + 10)):
            value ^= generator << shift
    bits = ((data << 10) | value) ^ 0b101010000010010
    one = [bool((bits >> i) & 1) for i in range(15)]
    return np.array([*one, *one, True], dtype=bool)


# --- data ------------------------------------------------------------------------------------------


def _version_for(length: int) -> int | None:
    """The smallest version (1-6, level M) that holds ``length`` alphanumeric characters."""
    bits = 4 + 9 + 11 * (length // 2) + 6 * (length % 2)
    for version, (total, ecc, blocks) in _LEVEL_M.items():
        if bits <= 8 * (total - ecc * blocks):
            return version
    return None


def _data_codewords(values: np.ndarray, version: int) -> np.ndarray:
    """(N, length) alphanumeric values -> (N, data codewords), padded as the standard says."""
    count, length = values.shape
    total, ecc, blocks = _LEVEL_M[version]
    capacity = 8 * (total - ecc * blocks)
    pairs = values[:, : length - length % 2].reshape(count, -1, 2).astype(np.int32)
    chunks = [(pairs[:, :, 0] * 45 + pairs[:, :, 1], 11)]
    if length % 2:
        chunks.append((values[:, -1:].astype(np.int32), 6))
    header = np.array([[0b0010 << 9 | length]] * count, dtype=np.int32)
    pieces = [_to_bits(header, 13)]
    for chunk, width in chunks:
        pieces.append(_to_bits(chunk, width))
    bits = np.concatenate(pieces, axis=1)
    used = bits.shape[1]
    terminator = min(4, capacity - used)
    used += terminator
    used += -used % 8
    stream = np.zeros((count, capacity), dtype=np.uint8)
    stream[:, : bits.shape[1]] = bits
    codewords = np.packbits(stream, axis=1)
    padding = np.resize(np.array([0xEC, 0x11], dtype=np.uint8), (capacity - used) // 8)
    codewords[:, used // 8 :] = padding
    return codewords


def _to_bits(values: np.ndarray, width: int) -> np.ndarray:
    """(N, k) integers -> (N, k * width) bits, most significant first."""
    shifts = np.arange(width - 1, -1, -1)
    return ((values[:, :, None] >> shifts) & 1).reshape(values.shape[0], -1).astype(np.uint8)


def _interleaved(codewords: np.ndarray, version: int) -> np.ndarray:
    _total, ecc, blocks = _LEVEL_M[version]
    count = codewords.shape[0]
    data = codewords.reshape(count * blocks, -1)
    correction = _reed_solomon(data, ecc)
    data = data.reshape(count, blocks, -1).transpose(0, 2, 1).reshape(count, -1)
    correction = correction.reshape(count, blocks, -1).transpose(0, 2, 1).reshape(count, -1)
    return np.concatenate([data, correction], axis=1)


# --- masks and their penalties ---------------------------------------------------------------------
#
# The penalty rules run on bit-packed lines: each row (and each column) of a symbol is one uint64
# whose bit j is the module in column (row) j, so one array operation tests a rule on every line of
# every mask of every token at once.

_FINDER_LIKE = ((1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1))


def _pack_lines(symbols: np.ndarray) -> np.ndarray:
    """(..., n, n) bool -> (..., n) uint64, one integer per row, bit j = column j."""
    packed = np.packbits(symbols, axis=-1, bitorder="little")
    padded = np.zeros((*packed.shape[:-1], 8), dtype=np.uint8)
    padded[..., : packed.shape[-1]] = packed
    return padded.view("<u8")[..., 0]


def _low_bits(count: int) -> np.uint64:
    return np.uint64((1 << count) - 1)


def _line_penalties(lines: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Rules 1 and 3 on (K, n) packed lines; also each line's "equal to the next module" bits."""
    equal = ~(lines ^ (lines >> np.uint64(1))) & _low_bits(n - 1)
    uniform5 = (
        equal & (equal >> np.uint64(1)) & (equal >> np.uint64(2)) & (equal >> np.uint64(3)) & _low_bits(n - 4)
    )
    starts = np.bitwise_count(uniform5 & ~(equal << np.uint64(1))).sum(axis=-1, dtype=np.int64)
    runs = np.bitwise_count(uniform5).sum(axis=-1, dtype=np.int64) + 2 * starts  # a run of L costs L - 2
    finder_like = np.zeros(lines.shape[0], dtype=np.int64)
    inverted = ~lines
    for pattern in _FINDER_LIKE:
        match = np.full(lines.shape, _low_bits(n - 10), dtype=np.uint64)
        for offset, dark in enumerate(pattern):
            match &= (lines if dark else inverted) >> np.uint64(offset)
        finder_like += np.bitwise_count(match).sum(axis=-1, dtype=np.int64)
    return runs + 40 * finder_like, equal


def _penalties(rows: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
    """``qrcode.util.lost_point`` of each symbol, from its (K, n) packed rows and columns."""
    row_score, equal = _line_penalties(rows, n)
    column_score, _ = _line_penalties(columns, n)
    same_below = ~(rows[:, :-1] ^ rows[:, 1:])
    blocks = np.bitwise_count(equal[:, :-1] & equal[:, 1:] & same_below).sum(axis=-1, dtype=np.int64)
    dark = np.bitwise_count(rows).sum(axis=-1, dtype=np.int64)
    balance = 10 * np.floor(np.abs(dark / float(n * n) * 100 - 50) / 5).astype(np.int64)
    return row_score + column_score + 3 * blocks + balance


# --- public ----------------------------------------------------------------------------------------


_NUMERIC_SEGMENT = re.compile(r"^[0-9]+$|[0-9]{20,}")


def encodable(data: str) -> bool:
    """Whether :func:`encode_batch` encodes ``data`` itself (else it asks ``qr_matrix``).

    That is alphanumeric data that the ``qrcode`` library also encodes as one alphanumeric segment
    (it switches to numeric mode for all-digit data and for runs of 20 digits or more).
    """
    return (
        bool(data)
        and data.isascii()
        and all(char in ALPHANUMERIC for char in data)
        and _version_for(len(data)) is not None
        and _NUMERIC_SEGMENT.search(data) is None
    )


def encode_batch(tokens: Sequence[str]) -> list[QrCode]:
    """The QR symbols (level M) of ``tokens``, in order; tokens of one length are encoded together."""
    results: list[QrCode | None] = [None] * len(tokens)
    by_length: dict[int, list[int]] = {}
    for index, token in enumerate(tokens):
        if encodable(token):
            by_length.setdefault(len(token), []).append(index)
        else:
            fallback = qr_matrix(token, "M")
            results[index] = QrCode(fallback.version, -1, np.array(fallback.modules, dtype=bool))
    for length, indices in by_length.items():
        version = _version_for(length)
        assert version is not None
        raw = np.frombuffer("".join(tokens[i] for i in indices).encode("ascii"), dtype=np.uint8)
        values = _ALNUM_VALUE[raw].reshape(len(indices), length)
        for index, code in zip(indices, _encode_same_length(values, version), strict=True):
            results[index] = code
    return results  # type: ignore[return-value]


def _encode_same_length(values: np.ndarray, version: int) -> list[QrCode]:
    template = _template(version)
    n = template.size
    count = values.shape[0]
    codewords = _interleaved(_data_codewords(values, version), version)
    bits = np.unpackbits(codewords, axis=1).astype(bool)
    places = template.order_rows.size
    stream = np.zeros((count, places), dtype=bool)
    stream[:, : min(places, bits.shape[1])] = bits[:, :places]
    unmasked = np.broadcast_to(template.base, (count, n, n)).copy()
    unmasked[:, template.order_rows, template.order_cols] = stream
    rows = (_pack_lines(unmasked)[:, None, :] ^ template.packed_mask_rows[None]).reshape(count * 8, n)
    columns = _pack_lines(unmasked.transpose(0, 2, 1))[:, None, :] ^ template.packed_mask_columns[None]
    scores = _penalties(rows, columns.reshape(count * 8, n), n).reshape(count, 8)
    chosen = scores.argmin(axis=1)  # the first of equal scores, as qrcode does
    symbols = unmasked ^ template.masks[chosen]
    codes = []
    for symbol, mask in zip(symbols, chosen.tolist(), strict=True):
        symbol[template.format_rows, template.format_cols] = _format_bits(mask)
        codes.append(QrCode(version, mask, symbol))
    return codes


def encode(token: str) -> QrCode:
    return encode_batch([token])[0]


_RUN_TEMPLATES = {
    2: np.frombuffer(b"00 00 00 1 re ", dtype=np.uint8),
    3: np.frombuffer(b"000 000 000 1 re ", dtype=np.uint8),
}


def path_operators(code: QrCode) -> str:
    """The dark modules as PDF path operators in module units, y downwards: one ``re`` per run.

    Runs are found with numpy and written as fixed-width ASCII (``"05 12 03 1 re "``: a leading
    zero is a valid PDF number) straight into a byte array, without formatting numbers one by one.
    """
    size = code.size
    padded = np.zeros((size, size + 2), dtype=np.int8)
    padded[:, 1:-1] = code.modules
    changes = np.diff(padded, axis=1)
    rows, starts = np.nonzero(changes == 1)
    ends = np.nonzero(changes == -1)[1]
    digits = 2 if size + 2 * QUIET_ZONE < 100 else 3
    text = np.tile(_RUN_TEMPLATES[digits], (rows.size, 1))
    for field, values in enumerate((starts + QUIET_ZONE, rows + QUIET_ZONE, ends - starts)):
        column = field * (digits + 1)
        for place in range(digits):
            text[:, column + digits - 1 - place] = 48 + (values // 10**place) % 10
    return text.tobytes().decode("ascii")


def draw_code(
    canvas: Canvas,
    x: float,
    y: float,
    size: float,
    code: QrCode,
    *,
    operators: str | None = None,
    color: Color = black,
    background: Color | None = white,
) -> float:
    """Draw ``code`` in the square of side ``size`` (quiet zone included) whose lower left is (x, y).

    As ``events.rendering.draw_qr``: one filled path of the runs of dark modules, the quiet zone
    painted ``background``. Returns the side of one module in points.
    """
    side = code.size + 2 * QUIET_ZONE
    module = size / side
    canvas.saveState()
    if background is not None:
        canvas.setFillColor(background)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(color)
    ops = operators if operators is not None else path_operators(code)
    canvas.addLiteral(f"1 0 0 1 {x:.3f} {y + size:.3f} cm {module:.5f} 0 0 -{module:.5f} 0 0 cm {ops} f")
    canvas.restoreState()
    return module


def runs_of(code: QrCode) -> list[tuple[int, int, int]]:
    """``(row, first column, length)`` of every dark run, as ``events.rendering.qr.dark_runs``."""
    return list(dark_runs(code.as_tuples()))
