"""Encryption at rest for personal data (passport number, date and place of birth, the stored PDFs
of letters).

Fernet (AES-128-CBC + HMAC-SHA256) from ``cryptography``, through ``MultiFernet`` so keys rotate:
the first key of ``DATA_ENCRYPTION_KEYS`` encrypts, every listed key decrypts, and
``events rotate-data-key`` re-encrypts stored values with the first one. Without the setting, one
key is derived from ``SECRET_KEY`` (HKDF), so a development install needs no extra set-up.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from events.settings import ConfigurationError, get_settings


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from the service's secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        secret.encode()
    )


@functools.cache
def _fernet() -> MultiFernet:
    settings = get_settings()
    keys = list(settings.data_encryption_keys)
    if not keys:
        keys = [base64.urlsafe_b64encode(derive_key(settings.secret_key, "data-encryption")).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ConfigurationError("DATA_ENCRYPTION_KEYS must be Fernet keys (Fernet.generate_key())") from exc


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str | None) -> str | None:
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ConfigurationError(
            "A stored value cannot be decrypted with DATA_ENCRYPTION_KEYS: a retired key is missing"
        ) from exc


def rotate(token: str | None) -> str | None:
    """Re-encrypt with the newest key (no-op for empty values)."""
    if not token:
        return token
    return _fernet().rotate(token.encode("ascii")).decode("ascii")


def encrypt_bytes(data: bytes) -> bytes:
    """A Fernet token (ASCII bytes) of ``data``; for files such as a letter's PDF."""
    return _fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(token)
    except InvalidToken as exc:
        raise ConfigurationError(
            "A stored file cannot be decrypted with DATA_ENCRYPTION_KEYS: a retired key is missing"
        ) from exc


def rotate_bytes(token: bytes) -> bytes:
    """Re-encrypt a token of :func:`encrypt_bytes` with the newest key."""
    return _fernet().rotate(token)


def reset_cache() -> None:
    _fernet.cache_clear()
