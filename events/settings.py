"""Every setting of the service, read from the environment in one place.

The README's configuration table is written from this module; keep them in step.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

ENVIRONMENTS = ("development", "test", "production")


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that can start safely."""


def _int(source: Mapping[str, str], name: str, default: int) -> int:
    raw = source.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from exc


def _report_min_cell(source: Mapping[str, str]) -> int:
    value = _int(source, "REPORT_MIN_CELL", 5)
    if value < 1:
        raise ConfigurationError(f"REPORT_MIN_CELL must be 1 or more, got {value}")
    return value


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    database_url: str
    secret_key: str = field(repr=False)
    secret_key_source: str
    base_url: str
    log_level: str
    password_hash_iterations: int
    session_max_age_hours: int
    login_max_failures: int
    login_failure_window_minutes: int
    data_encryption_keys: tuple[str, ...] = ()
    sensitive_retention_days: int = 90
    email_backend: str = "file"
    email_from: str = "OneStop Events <no-reply@localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_security: str = "none"
    outbox_worker: bool = True
    magic_link_ttl_minutes: int = 60 * 24
    registration_access_ttl_hours: int = 12
    jobs_backend: str = "inprocess"
    jobs_url: str = ""
    jobs_worker: bool = True
    jobs_concurrency: int = 2
    #: How long a running job's claim lasts without a heartbeat before another worker may take it.
    job_lease_seconds: int = 60
    job_result_hours: int = 48
    #: The programme report shows a cell describing fewer people than this as "<N" (at least 1).
    report_min_cell: int = 5
    #: Worker processes that draw bulk documents (badge runs); 0: one per CPU.
    render_processes: int = 0

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        """The file behind a ``sqlite:///path`` URL (relative paths are relative to the working folder)."""
        if not self.is_sqlite:
            raise ConfigurationError("DATABASE_URL is not a SQLite URL")
        return Path(self.database_url.removeprefix("sqlite:///"))


def _load_or_create_secret(data_dir: Path) -> str:
    """Keep a generated key in the data folder so sessions and tokens survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment).

    Refuses to start in production without ``SECRET_KEY`` or with SQLite's default file,
    because a generated key would differ between instances and silently log everyone out.
    """
    source = os.environ if env is None else env
    environment = source.get("ENVIRONMENT", "development").strip().lower()
    if environment not in ENVIRONMENTS:
        raise ConfigurationError(f"ENVIRONMENT must be one of {', '.join(ENVIRONMENTS)}, got {environment!r}")
    data_dir = Path(source.get("DATA_DIR", "data"))
    database_url = source.get("DATABASE_URL") or f"sqlite:///{data_dir / 'events.sqlite3'}"
    if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
        raise ConfigurationError("DATABASE_URL must start with sqlite:/// or postgresql://")

    secret_key = source.get("SECRET_KEY", "")
    secret_source = "environment"  # noqa: S105
    if not secret_key:
        if environment == "production":
            raise ConfigurationError(
                "SECRET_KEY is required when ENVIRONMENT=production: "
                "generate one with `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
            )
        secret_key = _load_or_create_secret(data_dir)
        secret_source = str(data_dir / "secret_key")
    if len(secret_key) < 32:
        raise ConfigurationError("SECRET_KEY must be at least 32 characters long")

    log_level = source.get("LOG_LEVEL", "INFO").upper()
    if log_level not in logging.getLevelNamesMapping():
        raise ConfigurationError(f"LOG_LEVEL {log_level!r} is not a logging level")

    iterations = _int(source, "PASSWORD_HASH_ITERATIONS", 600_000)
    session_hours = _int(source, "SESSION_MAX_AGE_HOURS", 12)
    max_failures = _int(source, "LOGIN_MAX_FAILURES", 5)
    window = _int(source, "LOGIN_FAILURE_WINDOW_MINUTES", 15)
    if environment == "production" and iterations < 100_000:
        raise ConfigurationError("PASSWORD_HASH_ITERATIONS below 100000 is only for tests")

    keys = tuple(key.strip() for key in source.get("DATA_ENCRYPTION_KEYS", "").split(",") if key.strip())
    email_backend = source.get("EMAIL_BACKEND", "smtp" if environment == "production" else "file").lower()
    if email_backend not in {"smtp", "file", "console"}:
        raise ConfigurationError("EMAIL_BACKEND must be smtp, file or console")
    smtp_security = source.get("SMTP_SECURITY", "none").lower()
    if smtp_security not in {"none", "starttls", "tls"}:
        raise ConfigurationError("SMTP_SECURITY must be none, starttls or tls")

    jobs_url = source.get("JOBS_URL", "").strip()
    jobs_backend = source.get("JOBS_BACKEND", "").strip().lower() or (
        "saq" if jobs_url or not database_url.startswith("sqlite") else "inprocess"
    )
    if jobs_backend not in {"inprocess", "saq"}:
        raise ConfigurationError("JOBS_BACKEND must be inprocess or saq")
    if jobs_backend == "saq" and not jobs_url and database_url.startswith("sqlite"):
        raise ConfigurationError("JOBS_BACKEND=saq needs PostgreSQL or JOBS_URL=redis://…")
    if jobs_url and not jobs_url.startswith(("redis://", "rediss://", "postgresql://", "postgres://")):
        raise ConfigurationError("JOBS_URL must start with redis:// or postgresql://")

    return Settings(
        environment=environment,
        data_dir=data_dir,
        database_url=database_url,
        secret_key=secret_key,
        secret_key_source=secret_source,
        base_url=source.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        log_level=log_level,
        password_hash_iterations=iterations,
        session_max_age_hours=session_hours,
        login_max_failures=max_failures,
        login_failure_window_minutes=window,
        data_encryption_keys=keys,
        sensitive_retention_days=_int(source, "SENSITIVE_RETENTION_DAYS", 90),
        report_min_cell=_report_min_cell(source),
        email_backend=email_backend,
        email_from=source.get("EMAIL_FROM", "OneStop Events <no-reply@localhost>"),
        smtp_host=source.get("SMTP_HOST", "127.0.0.1"),
        smtp_port=_int(source, "SMTP_PORT", 25),
        smtp_username=source.get("SMTP_USERNAME", ""),
        smtp_password=source.get("SMTP_PASSWORD", ""),
        smtp_security=smtp_security,
        outbox_worker=source.get("OUTBOX_WORKER", "on").lower() not in {"0", "off", "false", "no"},
        magic_link_ttl_minutes=_int(source, "MAGIC_LINK_TTL_MINUTES", 60 * 24),
        registration_access_ttl_hours=_int(source, "REGISTRATION_ACCESS_TTL_HOURS", 12),
        jobs_backend=jobs_backend,
        jobs_url=jobs_url,
        jobs_worker=source.get("JOBS_WORKER", "on").lower() not in {"0", "off", "false", "no"},
        jobs_concurrency=max(1, _int(source, "JOBS_CONCURRENCY", 2)),
        job_lease_seconds=max(3, _int(source, "JOB_LEASE_SECONDS", 60)),
        job_result_hours=max(1, _int(source, "JOB_RESULT_HOURS", 48)),
        render_processes=max(0, _int(source, "RENDER_PROCESSES", 0)),
    )


@functools.cache
def get_settings() -> Settings:
    return load_settings()
