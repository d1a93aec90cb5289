"""Preparing the database and running uvicorn subprocesses (the service and the floor)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SAFE_DATABASE_NAMES = ("test", "bench")

# Every setting events/settings.py reads; inherited values are dropped so runs are reproducible.
SETTINGS_VARIABLES = (
    "ENVIRONMENT",
    "DATA_DIR",
    "DATABASE_URL",
    "SECRET_KEY",
    "BASE_URL",
    "LOG_LEVEL",
    "PASSWORD_HASH_ITERATIONS",
    "SESSION_MAX_AGE_HOURS",
    "LOGIN_MAX_FAILURES",
    "LOGIN_FAILURE_WINDOW_MINUTES",
    "PICCOLO_CONF",
    "DATA_ENCRYPTION_KEYS",
    "EMAIL_BACKEND",
    "EMAIL_FROM",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_SECURITY",
    "OUTBOX_WORKER",
    "MAGIC_LINK_TTL_MINUTES",
    "REGISTRATION_ACCESS_TTL_HOURS",
    "SENSITIVE_RETENTION_DAYS",
    "RENDER_PROCESSES",
)


class BenchError(RuntimeError):
    """A problem the harness reports in one message and exits on (no traceback)."""


@dataclass(frozen=True)
class Database:
    kind: str  # "sqlite" or "postgresql"
    url: str | None  # None for SQLite: settings put the file in DATA_DIR

    @property
    def label(self) -> str:
        if self.url is None:
            return "sqlite (temporary DATA_DIR)"
        parsed = urllib.parse.urlsplit(self.url)
        return f"postgresql {parsed.hostname}:{parsed.port or 5432}/{database_name(self.url)}"


def database_name(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))


def choose_database(environ: dict[str, str], *, allow_wipe: bool) -> Database:
    """PostgreSQL when ``DATABASE_URL`` is ``postgresql://...``, else SQLite in a temporary folder.

    The PostgreSQL database is wiped (schema ``public`` dropped), so only ``test`` and ``bench``
    are accepted unless the caller says it knows.
    """
    url = environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgresql://", "postgres://")):
        if url:
            print(
                f"note: ignoring DATABASE_URL={url!r}; benchmarking SQLite in a temporary DATA_DIR",
                file=sys.stderr,
            )
        return Database("sqlite", None)
    url = url.replace("postgres://", "postgresql://", 1)
    name = database_name(url)
    if name not in SAFE_DATABASE_NAMES and not allow_wipe:
        raise BenchError(
            f"refusing to benchmark PostgreSQL database {name!r}: the harness DROPS SCHEMA public CASCADE "
            f"in it. Use a database called {' or '.join(SAFE_DATABASE_NAMES)}, or pass "
            "--i-know-this-wipes-the-database"
        )
    return Database("postgresql", url)


async def _reset_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()


async def vacuum_postgres(url: str) -> None:
    """``VACUUM (ANALYZE)`` the database, as PostgreSQL's autovacuum would between runs.

    Some machines run PostgreSQL with ``autovacuum = off`` (this one does). A registration leaves a
    dead version of its event's row (the seat counters) and an e-mail two of its outbox row; never
    vacuumed, they pile up over the runs and each later run measures a database nobody would run
    in production (here: registration throughput falling by half from the first repeat to the third).
    """
    import asyncpg

    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()


def reset_postgres(url: str) -> None:
    try:
        asyncio.run(_reset_postgres(url))
    except (TimeoutError, OSError) as exc:
        raise BenchError(f"cannot reach PostgreSQL at {url}: {exc}") from exc


def server_environment(data_dir: Path, database: Database) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in SETTINGS_VARIABLES}
    env.update(
        DATA_DIR=str(data_dir),
        SECRET_KEY=secrets.token_urlsafe(36)[:48],
        PASSWORD_HASH_ITERATIONS="1000",
        LOG_LEVEL="WARNING",
        PICCOLO_CONF="events.piccolo_conf",
        PYTHONUNBUFFERED="1",
    )
    if database.url is not None:
        env["DATABASE_URL"] = database.url
    return env


def postgres_backend_cpu(url: str) -> float | None:
    """CPU seconds used so far by the local PostgreSQL backends connected to the database of ``url``.

    Read from ``/proc``: a backend's command line is its process title, ``postgres: 15/main: USER
    DATABASE HOST(PORT) STATE``. Shared processes (WAL writer, checkpointer) are not counted, nor
    are backends that have exited. ``None`` when nothing can be read (not Linux, not local).
    """
    name = database_name(url)
    proc = Path("/proc")
    total, seen = 0, False
    try:
        entries = list(proc.iterdir())
    except OSError:
        return None
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
            if title[:1] != ["postgres:"]:
                continue
            words = title[2:] if len(title) > 1 and title[1].endswith(":") else title[1:]  # cluster name
            if len(words) < 3 or words[1] != name:
                continue
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])
        seen = True
    return total / os.sysconf("SC_CLK_TCK") if seen else None


def run_setup(env: dict[str, str], work_dir: Path) -> dict:
    """Migrations, an organiser and an API token, in a subprocess with the server's environment."""
    import json

    output = work_dir / "setup.json"
    log = work_dir / "setup.log"
    with log.open("wb") as handle:
        completed = subprocess.run(
            [sys.executable, "-m", "bench._setup", str(output)],
            cwd=REPO_ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=300,
            check=False,
        )
    if completed.returncode != 0 or not output.exists():
        raise BenchError(
            f"the setup step (migrations, organiser, token) failed with exit code {completed.returncode}:\n"
            + log.read_text(errors="replace")[-4000:]
        )
    return json.loads(output.read_text())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``uvicorn --factory APP`` on a free loopback port, ``workers`` worker processes (one unless
    asked), no access log, level warning."""

    def __init__(
        self, label: str, app: str, ready_path: str, env: dict[str, str], log_dir: Path, workers: int = 1
    ) -> None:
        self.label = label
        self.workers = workers
        self.app = app
        self.ready_path = ready_path
        self.env = env
        self.host = "127.0.0.1"
        self.port = free_port()
        self.stderr_path = log_dir / f"{label}.stderr.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--factory",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]

    def start(self, timeout: float | None = None) -> None:
        """Start it and wait until it answers: 60 s, or 90 s a worker with several (each imports the
        whole service, at the same time, on a machine that may be busy)."""
        if timeout is None:
            timeout = 60.0 if self.workers == 1 else 90.0 * self.workers
        with self.stderr_path.open("wb") as stderr:
            self.process = subprocess.Popen(  # its own session: a Ctrl-C reaches us, and we stop it
                self.command,
                cwd=REPO_ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
                start_new_session=True,
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        last_problem = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"the {self.label} server exited with code {self.process.returncode} before it was ready; "
                    f"its stderr:\n{self.stderr()}"
                )
            try:
                with urllib.request.urlopen(self.base_url + self.ready_path, timeout=2) as response:
                    if response.status == 200:
                        return
                    last_problem = f"status {response.status}"
            except urllib.error.HTTPError as exc:
                last_problem = f"status {exc.code}"
            except (OSError, urllib.error.URLError) as exc:
                last_problem = str(exc)
            time.sleep(0.1)
        raise BenchError(
            f"the {self.label} server did not answer 200 on {self.ready_path} within {timeout:.0f} s "
            f"(last: {last_problem}); its stderr:\n{self.stderr()}"
        )

    def stderr(self, limit: int = 8000) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace")
        except OSError:
            return "(no stderr captured)"
        return text[-limit:] if text.strip() else "(empty)"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server has used so far (Linux ``/proc``), or None: the uvicorn
        process and, with several workers, every process under it (the worker processes live as
        long as the server, so their time is read from their own ``stat``, not the parent's)."""
        if self.process is None:
            return None
        own = process_cpu(self.process.pid)
        if own is None:
            return None
        return own + sum(process_cpu(child) or 0.0 for child in descendants(self.process.pid))

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (runs the lifespan exit)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            process.wait(timeout=10)


class MailWorker(Server):
    """``events worker``: the outbox sender (and job worker) in a process of its own, for
    ``--mail-worker separate``; the service then runs with ``OUTBOX_WORKER=off``. It serves no HTTP:
    it is ready once it runs, and its CPU is read like a server's."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        super().__init__("mail worker", "", "", env, log_dir)

    @property
    def command(self) -> list[str]:
        return [sys.executable, "-m", "events.cli", "worker"]

    def _wait_ready(self, timeout: float) -> None:
        assert self.process is not None
        deadline = time.monotonic() + min(timeout, 30.0)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"the mail worker exited with code {self.process.returncode}; its output:\n{self.stderr()}"
                )
            if "worker running" in self.stderr():
                return
            time.sleep(0.1)
        raise BenchError(f"the mail worker did not start within 30 s; its output:\n{self.stderr()}")


def process_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process (its threads included), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """The processes under ``pid`` (children, their children ...), from ``/proc/<pid>/task/*/children``."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except (OSError, ValueError):
                continue
            found.extend(children)
            pending.extend(children)
    return found


@contextlib.contextmanager
def running(server: Server):
    try:
        server.start()
        yield server
    finally:
        server.stop()


def make_work_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="onestop-bench-"))
