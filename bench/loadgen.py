"""A bounded HTTP/1.1 load generator on raw asyncio streams.

N keep-alive connections each send one request, read the whole answer, and send the next, until
the run's request budget is spent or its time is up. No HTTP library is involved: a client such
as httpx costs more CPU per request than the service, and the figures would measure the client.
Latency is ``time.perf_counter`` from writing a request to having read its last body byte.
"""

from __future__ import annotations

import asyncio
import math
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

from bench.registry import Scenario

MAX_HEAD = 64 * 1024
CONNECTION_ERROR = 0  # the "status" recorded when a connection fails mid-request


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.1 we can parse."""


@dataclass
class Response:
    status: int
    body: bytes
    keep_alive: bool


@dataclass
class RunResult:
    scenario: str
    concurrency: int
    requests: int  # measured requests (warm-up excluded)
    errors: int  # answers other than the expected status, plus connection failures
    elapsed: float  # seconds from the first measured request to the last answer
    latencies: list[float] = field(repr=False)  # seconds, one per measured request
    statuses: dict[int, int] = field(default_factory=dict)  # status -> count (0 = connection error)
    error_sample: str = ""  # the first unexpected answer, truncated
    reconnects: int = 0
    client_cpu: float = 0.0  # CPU seconds this process used while measuring
    server_cpu: float | None = None  # CPU seconds the server process used while measuring

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, fraction: float) -> float:
        """Nearest-rank percentile of the latencies, in seconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(fraction * len(ordered)))
        return ordered[rank - 1]


def encode_request(host: str, port: int, method: str, path: str, headers: dict, body: bytes | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: onestop-bench", "Accept: */*"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method in {"POST", "PUT", "PATCH"}:
        lines.append(f"Content-Length: {len(body or b'')}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


class Connection:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=MAX_HEAD)

    async def close(self) -> None:
        writer, self.writer, self.reader = self.writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except OSError:
                pass

    async def exchange(self, raw: bytes, method: str) -> Response:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        self.writer.write(raw)
        while True:  # skip interim 1xx answers (we never send Expect, but a server may)
            response = await self._read_response(method)
            if not 100 <= response.status < 200 or response.status == 101:
                return response

    async def _read_response(self, method: str) -> Response:
        reader = self.reader
        assert reader is not None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError as exc:
            raise ProtocolError("response head larger than 64 KiB") from exc
        lines = head[:-4].split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise ProtocolError(f"bad status line {lines[0][:100]!r}")
        try:
            status = int(parts[1])
        except ValueError as exc:
            raise ProtocolError(f"bad status line {lines[0][:100]!r}") from exc
        length: int | None = None
        chunked = False
        connection_tokens: set[bytes] = set()
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                connection_tokens.update(token.strip() for token in value.lower().split(b","))
        keep_alive = (
            b"keep-alive" in connection_tokens
            if parts[0] == b"HTTP/1.0"
            else b"close" not in connection_tokens
        )
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif chunked:
            body = await self._read_chunked(reader)
        elif length is not None:
            body = await reader.readexactly(length)
        else:  # neither length nor chunked: the body runs to the end of the connection
            body = await reader.read()
            keep_alive = False
        return Response(status, body, keep_alive)

    @staticmethod
    async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
        pieces = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip(), 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers, then the empty line
                    pass
                return b"".join(pieces)
            chunk = await reader.readexactly(size + 2)
            pieces.append(chunk[:-2])


class _Requests:
    """The bytes of request number ``n``: encoded once for a constant scenario, per request otherwise."""

    def __init__(self, scenario: Scenario, host: str, port: int) -> None:
        self.scenario = scenario
        self.host = host
        self.port = port
        self.constant: bytes | None = None
        if isinstance(scenario.path, str) and not callable(scenario.body):
            self.constant = self._encode(scenario.path, scenario.body)

    def _encode(self, path: str, body: bytes | None) -> bytes:
        return encode_request(
            self.host, self.port, self.scenario.method, path, dict(self.scenario.headers), body
        )

    def __call__(self, number: int) -> bytes:
        if self.constant is not None:
            return self.constant
        path = self.scenario.path if isinstance(self.scenario.path, str) else self.scenario.path(number)
        body = self.scenario.body(number) if callable(self.scenario.body) else self.scenario.body
        return self._encode(path, body)


async def run_load(
    scenario: Scenario,
    base_url: str,
    *,
    concurrency: int,
    requests: int,
    duration: float,
    warmup: int,
    server_cpu=None,
) -> RunResult:
    """Measure one scenario at one concurrency.

    Every connection first sends its share of ``warmup`` requests (at least one, which also opens
    it); when all are warm, the measured phase starts: ``requests`` in total, shared by the
    connections, or as many as fit in ``duration`` seconds, whichever ends first.
    ``server_cpu`` is an optional callable returning the server's CPU seconds so far.
    """
    parsed = urllib.parse.urlsplit(base_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    make_request = _Requests(scenario, host, port)
    method = scenario.method
    warm_each = max(1, math.ceil(warmup / concurrency))
    barrier = asyncio.Barrier(concurrency + 1)
    sequence = 0  # request numbers for dynamic scenarios, warm-up included
    issued = 0  # measured requests handed out
    deadline = math.inf
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    reconnects = 0
    error_sample = ""
    perf_counter = time.perf_counter

    async def one(connection: Connection) -> tuple[int, bytes]:
        nonlocal sequence, reconnects
        raw = make_request(sequence)
        sequence += 1
        try:
            response = await connection.exchange(raw, method)
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as exc:
            await connection.close()
            reconnects += 1
            return CONNECTION_ERROR, f"{type(exc).__name__}: {exc}".encode()
        if not response.keep_alive:
            await connection.close()
            reconnects += 1
        return response.status, response.body

    def begin() -> None:
        nonlocal started, deadline
        if started is None:
            started = perf_counter()
            deadline = started + duration

    async def worker() -> None:
        nonlocal issued, errors, error_sample
        connection = Connection(host, port)
        try:
            try:
                for _ in range(warm_each):
                    await one(connection)
                await barrier.wait()
            except BaseException:
                await barrier.abort()  # do not leave the others waiting for a worker that is gone
                raise
            begin()
            while issued < requests and perf_counter() < deadline:
                issued += 1
                sent = perf_counter()
                status, body = await one(connection)
                latencies.append(perf_counter() - sent)
                statuses[status] += 1
                if status == CONNECTION_ERROR or not scenario.is_success(status):
                    errors += 1
                    if not error_sample:
                        error_sample = (
                            f"{status or 'connection error'}: {body[:300].decode(errors='replace')}"
                        )
        finally:
            await connection.close()

    started: float | None = None
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    try:
        await barrier.wait()
    except asyncio.BrokenBarrierError:
        pass  # a worker failed during warm-up: gather below raises its exception
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    cpu_before, server_before = time.process_time(), server_cpu() if server_cpu else None
    begin()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert started is not None
    elapsed = perf_counter() - started
    cpu_after, server_after = time.process_time(), server_cpu() if server_cpu else None
    failures = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, asyncio.BrokenBarrierError)
    ]
    if failures:
        raise failures[0]
    return RunResult(
        scenario=scenario.name,
        concurrency=concurrency,
        requests=len(latencies),
        errors=errors,
        elapsed=elapsed,
        latencies=latencies,
        statuses=dict(statuses),
        error_sample=error_sample,
        reconnects=reconnects,
        client_cpu=cpu_after - cpu_before,
        server_cpu=None if server_before is None or server_after is None else server_after - server_before,
    )


# --- bursts ------------------------------------------------------------------------------------


@dataclass
class BurstResult:
    """``connections`` requests sent at once, one per connection, and what came back."""

    connections: int
    connect_s: float  # time to open every connection (before the release; not measured)
    release_s: float  # time the client took to write all requests after the release
    settle_s: float  # from the release to the last answer (or to the timeout)
    latencies: list[float] = field(repr=False)  # seconds, from each request's write to its answer
    statuses: dict[int, int] = field(default_factory=dict)  # status -> count (0 = connection error)
    bodies: list[bytes | None] = field(default_factory=list, repr=False)  # by request; None if no answer
    errors: int = 0  # answers other than the expected status, plus failures and timeouts
    error_sample: str = ""
    client_cpu: float = 0.0  # CPU seconds this process used from the release to the end
    server_cpu: float | None = None  # CPU seconds the server process used from the release to the end

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


async def run_burst(
    scenario: Scenario,
    base_url: str,
    *,
    connections: int,
    server_cpu=None,
    accept_pause: float = 0.3,
    answer_within: float = 120.0,
) -> BurstResult:
    """Open ``connections`` connections, then send request 0, 1, ... on each at the same moment.

    All connections are opened first (the TCP handshake is done, the server has accepted them
    during ``accept_pause``); the requests are encoded beforehand, so the release is one tight
    loop of socket writes. ``settle_s`` is the time from the release until the last answer has been
    read. Requests not answered within ``answer_within`` seconds count as errors.
    """
    parsed = urllib.parse.urlsplit(base_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    make_request = _Requests(scenario, host, port)
    raws = [make_request(number) for number in range(connections)]
    method = scenario.method
    perf_counter = time.perf_counter

    opened = perf_counter()
    pool = [Connection(host, port) for _ in range(connections)]
    outcomes = await asyncio.gather(*(connection.open() for connection in pool), return_exceptions=True)
    failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if failed:
        await asyncio.gather(*(connection.close() for connection in pool))
        raise OSError(
            f"could only open {connections - len(failed)} of {connections} connections: {failed[0]!r}"
        )
    connect_s = perf_counter() - opened
    await asyncio.sleep(accept_pause)  # let the server accept them all before the clock starts

    sent = [0.0] * connections
    latencies: list[float] = []
    bodies: list[bytes | None] = [None] * connections
    statuses: Counter[int] = Counter()
    samples: list[str] = []
    last_answer = 0.0

    async def read(index: int, connection: Connection) -> None:
        nonlocal last_answer
        try:
            response = await connection._read_response(method)
        except (OSError, asyncio.IncompleteReadError, ProtocolError, ValueError) as exc:
            statuses[CONNECTION_ERROR] += 1
            samples.append(f"connection error: {type(exc).__name__}: {exc}")
            return
        now = perf_counter()
        last_answer = max(last_answer, now)
        latencies.append(now - sent[index])
        statuses[response.status] += 1
        bodies[index] = response.body
        if not scenario.is_success(response.status):
            samples.append(f"{response.status}: {response.body[:300].decode(errors='replace')}")

    readers = [asyncio.create_task(read(index, connection)) for index, connection in enumerate(pool)]
    await asyncio.sleep(0)  # every reader is now waiting on its socket
    cpu_before, server_before = time.process_time(), server_cpu() if server_cpu else None
    released = perf_counter()
    for index, connection in enumerate(pool):
        assert connection.writer is not None
        sent[index] = perf_counter()
        connection.writer.write(raws[index])
    release_s = perf_counter() - released
    try:
        _done, pending = await asyncio.wait(readers, timeout=answer_within)
        for task in pending:
            task.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    finally:
        cpu_after, server_after = time.process_time(), server_cpu() if server_cpu else None
        await asyncio.gather(*(connection.close() for connection in pool))
    unanswered = connections - sum(statuses.values())
    if unanswered:
        statuses[CONNECTION_ERROR] += unanswered
        samples.append(f"{unanswered} request(s) not answered within {answer_within:g} s")
        last_answer = released + answer_within
    ok = sum(count for status, count in statuses.items() if status and scenario.is_success(status))
    return BurstResult(
        connections=connections,
        connect_s=connect_s,
        release_s=release_s,
        settle_s=(last_answer or released) - released,
        latencies=latencies,
        statuses=dict(statuses),
        bodies=bodies,
        errors=connections - ok,
        error_sample=samples[0] if samples else "",
        client_cpu=cpu_after - cpu_before,
        server_cpu=None if server_before is None or server_after is None else server_after - server_before,
    )
