"""Browser tests: Playwright drives Debian's chromium against a real server on a loopback port.

The server runs in a subprocess on its own temporary SQLite database (whatever DATABASE_URL the rest
of the suite uses), set up by ``tests/browser/seed.py``. Without /usr/bin/chromium (or the playwright
package) these tests are skipped, except with CI=true, where they fail.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "test-artifacts"
AXE = Path(__file__).with_name("axe.min.js")
SECRET_KEY = "browser-tests-secret-key-long-enough-for-the-settings"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install playwright)"
    return None


def _require_browser() -> None:
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run with CI=true: {reason}")
    pytest.skip(reason)


@dataclass
class Server:
    url: str
    event_id: int
    username: str
    password: str
    database: Path

    def mails(self, to: str) -> list[str]:
        """Bodies of the e-mails queued for an address as they will be sent (withheld links put
        back with the server's data key), newest first."""
        from cryptography.fernet import Fernet

        from events.crypto import derive_key

        key = Fernet(base64.urlsafe_b64encode(derive_key(SECRET_KEY, "data-encryption")))
        with closing(sqlite3.connect(self.database)) as connection:
            rows = connection.execute(
                "SELECT body, withheld_enc FROM outbox_message WHERE to_address = ? ORDER BY id DESC", (to,)
            ).fetchall()
        bodies = []
        for body, withheld in rows:
            for marker, value in (json.loads(key.decrypt(withheld.encode())) if withheld else {}).items():
                body = body.replace(marker, value)
            bodies.append(body)
        return bodies


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """The service under uvicorn on a loopback port, as production runs it; it can be stopped and
    started again on the same database (``restart``), the way a deployment restarts it."""

    def __init__(self, env: dict[str, str], data_dir: Path, port: int) -> None:
        self.env, self.data_dir, self.port = env, data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None
        self.log = (data_dir / "server.log").open("a")

    def start(self) -> None:
        command = [sys.executable, "-m", "uvicorn", "events.app:create_app", "--factory"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:  # noqa: S310 (loopback)
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.log.flush()
                raise RuntimeError("the server did not start:\n" + (self.data_dir / "server.log").read_text())
            time.sleep(0.2)

    def stop(self, *, kill: bool = False) -> None:
        """Stop the service: SIGTERM (a clean restart: its worker puts running jobs back), or SIGKILL
        (a crash: running jobs wait for their lease to run out)."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, *, kill: bool = False) -> None:
        self.stop(kill=kill)
        self.start()

    def close(self) -> None:
        self.stop()
        self.log.close()


def run_seed(module: str, *args: object, env: dict[str, str], timeout: float = 180) -> Any:
    """Run the seed module ``tests/browser/<module>.py`` with ``args`` in a subprocess, against the
    database of ``env`` (a server's environment), and answer the JSON it prints on its last line.

    A subprocess, not a call: the seed opens the server's database with its own settings, which the
    test process (on the suite's database) must not take over."""
    seeded = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", f"tests.browser.{module}", *map(str, args)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr + seeded.stdout
    return json.loads(seeded.stdout.strip().splitlines()[-1])


def _seeded_service(prefix: str, **settings: str) -> tuple[ServerProcess, dict]:
    """A fresh data folder and database set up by tests/browser/seed.py, and the service for it
    (not started); ``settings`` are extra environment variables."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    port = _free_port()
    database = data_dir / "events.sqlite3"
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": SECRET_KEY,
        "BASE_URL": f"http://127.0.0.1:{port}",
        "PASSWORD_HASH_ITERATIONS": "1000",
        "EMAIL_BACKEND": "file",
        "OUTBOX_WORKER": "off",
        "LOG_LEVEL": "WARNING",
        "PICCOLO_CONF": "events.piccolo_conf",
        **settings,
    }
    return ServerProcess(env, data_dir, port), run_seed("seed", env=env)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    _require_browser()
    service, info = _seeded_service("events-browser-")
    try:
        service.start()
        yield Server(url=service.url, database=service.data_dir / "events.sqlite3", **info)
    finally:
        service.close()
        shutil.rmtree(service.data_dir, ignore_errors=True)


@dataclass
class RestartableServer(Server):
    service: ServerProcess | None = None

    def restart(self, *, kill: bool = False) -> None:
        assert self.service is not None
        self.service.restart(kill=kill)


@pytest.fixture(scope="module")
def restartable_server() -> Iterator[RestartableServer]:
    """A server of the module's own (its own database) that a test may restart in the middle of a
    job; jobs' leases last 3 s, so a killed worker's job is taken up again quickly."""
    _require_browser()
    service, info = _seeded_service("events-restart-", JOB_LEASE_SECONDS="3", JOBS_CONCURRENCY="1")
    try:
        service.start()
        yield RestartableServer(
            url=service.url, database=service.data_dir / "events.sqlite3", service=service, **info
        )
    finally:
        service.close()
        shutil.rmtree(service.data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
async def browser(server: Server) -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def new_page(browser) -> AsyncIterator:
    """``await new_page(**context_options)``: a page in a fresh context (its own cookies)."""
    contexts = []

    async def make(**options):
        options.setdefault("viewport", {"width": 1100, "height": 900})
        options.setdefault("locale", "en-GB")
        context = await browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return await context.new_page()

    yield make
    for context in contexts:
        await context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
