"""Badge tokens and the QR encoder (pure: no database)."""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from events.badges import qr, tokens
from events.badges.tokens import PublicKey, Reason, Rejection, VerifiedBadge, issue_token, verify_token
from events.rendering import qr_matrix, qr_png

UTC = datetime.UTC
START = datetime.datetime(2027, 10, 11, 20, 0, tzinfo=UTC)
END = datetime.datetime(2027, 10, 14, 20, 0, tzinfo=UTC)
DURING = datetime.datetime(2027, 10, 12, 9, 0, tzinfo=UTC)
EVENT = 7


@pytest.fixture(scope="module")
def pair() -> tokens.KeyPair:
    return tokens.new_key_pair()


def public(pair: tokens.KeyPair, event_id: int = EVENT, retired_at=None) -> PublicKey:
    return PublicKey(key_id=pair.key_id, event_id=event_id, public_key=pair.public_key, retired_at=retired_at)


def make(pair: tokens.KeyPair, **overrides) -> str:
    values = {
        "private_key": pair.private_key,
        "key_id": pair.key_id,
        "event_id": EVENT,
        "badge_id": 123456,
        "version": 2,
        "not_before": START,
        "not_after": END,
    }
    values.update(overrides)
    return issue_token(**values)


def test_a_token_is_140_base32_characters_and_a_version_6_qr_code(pair) -> None:
    largest = make(pair, event_id=2**32 - 1, badge_id=2**32 - 1, version=65535)
    for token in (make(pair), largest):
        assert len(token) == tokens.TOKEN_LENGTH == 140
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        assert qr_matrix(token).version == 6  # at error correction M
        assert qr.encode(token).version == 6
    raw = base64.b32decode(make(pair) + "====")
    assert len(raw) == 87
    fmt, key, event, badge, version, not_before, not_after = struct.unpack(">B4sIIHII", raw[:23])
    assert (fmt, key.hex().upper(), event, badge, version) == (1, pair.key_id, EVENT, 123456, 2)
    assert (not_before, not_after) == (int(START.timestamp()), int(END.timestamp()))


def test_a_token_verifies_and_says_which_badge(pair) -> None:
    token = make(pair)
    result = verify_token(token, [public(pair)], set(), EVENT, DURING)
    assert result == VerifiedBadge(
        badge_id=123456, event_id=EVENT, version=2, key_id=pair.key_id, not_before=START, not_after=END
    )
    # A phone's reader may give it in lower case or wrapped: the same token.
    assert isinstance(
        verify_token(f" {token[:70].lower()}\n{token[70:]} ", [public(pair)], {}, EVENT, DURING),
        VerifiedBadge,
    )
    assert tokens.read_token(token).badge_id == 123456


def _flip(token: str, byte: int) -> str:
    raw = bytearray(base64.b32decode(token + "===="))
    raw[byte] ^= 0x01
    return base64.b32encode(bytes(raw)).decode().rstrip("=")


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda t, p: _flip(t, 10), Reason.bad_signature),  # badge id altered
        (lambda t, p: _flip(t, 14), Reason.bad_signature),  # version altered
        (lambda t, p: _flip(t, 22), Reason.bad_signature),  # validity stretched
        (lambda t, p: _flip(t, 50), Reason.bad_signature),  # signature damaged
        (lambda t, p: _flip(t, 8), Reason.wrong_event),  # event altered
        (lambda t, p: _flip(t, 0), Reason.unsupported_format),
        (lambda t, p: t[:-8], Reason.malformed),  # truncated
        (lambda t, p: t[:60] + "1890" + t[64:], Reason.malformed),  # not base32
        (lambda t, p: "", Reason.malformed),
        (lambda t, p: "https://example.org/badge/123", Reason.malformed),
        (lambda t, p: t + "AAAAAAAA", Reason.malformed),
    ],
)
def test_altered_truncated_and_garbled_codes_are_refused_with_their_reason(pair, mutate, reason) -> None:
    result = verify_token(mutate(make(pair), pair), [public(pair)], set(), EVENT, DURING)
    assert isinstance(result, Rejection) and result.reason is reason, result


def test_a_forged_token_is_refused(pair) -> None:
    forger = tokens.new_key_pair()
    # Signed with another key but claiming the event's key id: the signature does not match.
    forged = make(pair, private_key=forger.private_key)
    assert verify_token(forged, [public(pair)], set(), EVENT, DURING).reason is Reason.bad_signature
    # Signed with a key the event does not have.
    unknown = make(forger)
    assert verify_token(unknown, [public(pair)], set(), EVENT, DURING).reason is Reason.unknown_key
    # A key of another event does not verify this event's badges.
    assert (
        verify_token(make(pair), [public(pair, event_id=8)], set(), EVENT, DURING).reason
        is Reason.unknown_key
    )


def test_a_token_for_another_event_is_refused(pair) -> None:
    other = make(pair, event_id=8)
    result = verify_token(other, [public(pair), public(pair, event_id=8)], set(), EVENT, DURING)
    assert result.reason is Reason.wrong_event


def test_validity_window_with_leeway(pair) -> None:
    token = make(pair)
    keys = [public(pair)]
    assert (
        verify_token(token, keys, set(), EVENT, START - datetime.timedelta(hours=1)).reason
        is Reason.not_yet_valid
    )
    assert verify_token(token, keys, set(), EVENT, END + datetime.timedelta(hours=1)).reason is Reason.expired
    assert isinstance(
        verify_token(token, keys, set(), EVENT, START - datetime.timedelta(minutes=4)), VerifiedBadge
    )
    assert isinstance(
        verify_token(token, keys, set(), EVENT, END + datetime.timedelta(minutes=4)), VerifiedBadge
    )


def test_revoked_and_superseded_badges_and_retired_keys_are_refused(pair) -> None:
    token = make(pair)
    keys = [public(pair)]
    for kind in (
        Reason.superseded,
        Reason.registration_cancelled,
        Reason.registration_rejected,
        Reason.revoked,
    ):
        assert verify_token(token, keys, {123456: kind.value}, EVENT, DURING).reason is kind
    assert verify_token(token, keys, {123456}, EVENT, DURING).reason is Reason.revoked
    assert isinstance(verify_token(token, keys, {99: "superseded"}, EVENT, DURING), VerifiedBadge)
    retired = [public(pair, retired_at=DURING - datetime.timedelta(minutes=1))]
    assert verify_token(token, retired, set(), EVENT, DURING).reason is Reason.key_retired
    later = [public(pair, retired_at=DURING + datetime.timedelta(days=1))]
    assert isinstance(verify_token(token, later, set(), EVENT, DURING), VerifiedBadge)


def test_issuing_refuses_values_that_do_not_fit(pair) -> None:
    with pytest.raises(ValueError):
        make(pair, badge_id=2**32)
    with pytest.raises(ValueError):
        make(pair, not_after=START)
    with pytest.raises(ValueError):
        make(pair, not_before=datetime.datetime(2027, 10, 11))


# --- the batch QR encoder -----------------------------------------------------------------------------


def test_the_batch_encoder_gives_the_same_symbols_as_the_qrcode_library(pair) -> None:
    samples = [make(pair, badge_id=n) for n in range(1, 25)]
    samples += [base64.b32encode(os.urandom(n)).decode().rstrip("=") for n in (1, 5, 20, 40, 60, 87)]
    samples += ["HELLO WORLD", "A", "12345", "$%*+-./: ", "lower case is bytes", "Ünïcode"]
    codes = qr.encode_batch(samples)
    for sample, code in zip(samples, codes, strict=True):
        reference = qr_matrix(sample)
        assert code.version == reference.version, sample
        assert code.as_tuples() == reference.modules, sample


def test_a_badge_code_drawn_by_the_batch_encoder_scans(pair) -> None:
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    from tests.test_rendering import decode_qr, rasterise

    token = make(pair)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(105 * mm, 148 * mm))
    qr.draw_code(canvas, 20 * mm, 20 * mm, 30 * mm, qr.encode(token))
    canvas.showPage()
    canvas.save()
    assert decode_qr(rasterise(buffer.getvalue(), dpi=200)) == [token]
    # The e-badge PNG of the same token scans too.
    image = Image.open(io.BytesIO(qr_png(token, 4))).convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [token]


BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _last_character_changes(token: str) -> list[str]:
    return [token[:-1] + character for character in BASE32_ALPHABET if character != token[-1]]


def _canonical(token: str) -> bool:
    """Whether the 4 unused bits of the last character are zero (one data bit is left to change)."""
    return BASE32_ALPHABET.index(token[-1]) & 0b1111 == 0


def test_every_other_spelling_of_the_last_character_is_refused_as_malformed(pair) -> None:
    """The last character has 4 unused bits: a decoder that ignores them admits 15 altered codes."""
    token = make(pair)
    assert isinstance(verify_token(token, [public(pair)], set(), EVENT, DURING), VerifiedBadge)
    for altered in _last_character_changes(token):
        result = verify_token(altered, [public(pair)], set(), EVENT, DURING)
        canonical = _canonical(altered)
        assert isinstance(result, Rejection), altered
        assert result.reason is (Reason.bad_signature if canonical else Reason.malformed), altered
        assert (tokens.read_token(altered) is not None) is canonical


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the scanner's decoder")
def test_the_scanners_decoder_refuses_non_canonical_spellings_too(pair) -> None:
    script = (Path(tokens.__file__).parent.parent / "checkin" / "static" / "scanner.js").read_text()
    decoder = re.search(r"^  function base32\(text\) \{\n.*?^  \}\n", script, re.S | re.M)
    assert decoder is not None
    token = make(pair)
    program = decoder.group(0) + (
        "const codes = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(codes.map((code) => base32(code) !== null)));\n"
    )
    codes = [token, *_last_character_changes(token)]
    result = subprocess.run(  # noqa: S603 (our own script)
        ["node", "-e", program, json.dumps(codes)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(result.stdout) == [_canonical(code) for code in codes]
    assert sum(_canonical(code) for code in codes) == 2  # the token and its one-bit change
