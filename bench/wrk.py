"""Throughput runs with ``wrk`` (the Debian package), whose C client costs far less CPU than the
Python load generator: on a 2-core machine the client and the server share the cores, so a cheaper
client leaves more for the server and the req/s are closer to what the server alone can do.

A run is ``wrk -t1 -c<concurrency> -d<seconds>s`` with a generated Lua script: a constant request is
set once (``wrk.method``, ``wrk.headers``, ``wrk.body``); a scenario whose path or body depends on
the request number (unique e-mails, scan nonces) gets :data:`PER_REQUEST_LIMIT` requests made
in advance by the scenario's own functions, sent in turn (wrapping round if the run outlasts them).
The script's ``done`` writes the figures as JSON. wrk counts as errors only socket errors, timeouts
and answers outside 2xx/3xx; a 2xx other than the scenario's ``expected_status`` is not noticed.
The server's CPU time is read from ``/proc`` before and after, as for the Python runs.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import statistics
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.loadgen import encode_request
from bench.registry import RunTotals, Scenario

#: Requests made in advance per run for scenarios whose path or body changes per request.
PER_REQUEST_LIMIT = 20_000
THREADS = 1

_DONE = """
function done(summary, latency, requests)
    local errors = summary.errors
    local out = io.open(%s, "w")
    out:write(string.format(
        '{"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "max_us": %%d, ' ..
        '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}',
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
        errors.connect, errors.read, errors.write, errors.status, errors.timeout))
    out:close()
end
"""


@dataclass
class WrkResult:
    scenario: str
    concurrency: int
    requests: int
    errors: int
    elapsed: float
    p50_s: float
    p99_s: float
    max_s: float
    server_cpu: float | None

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else 0.0


def available() -> str | None:
    """The path of the ``wrk`` executable, or None."""
    return shutil.which("wrk")


def _lua_string(text: str) -> str:
    """A quoted Lua literal of ``text`` byte for byte (long brackets would turn CR LF into LF)."""
    out = []
    for byte in text.encode("latin-1"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def script(scenario: Scenario, base_url: str, result_path: Path) -> str:
    """The Lua script that makes wrk send this scenario's requests and write its figures."""
    parts = urllib.parse.urlsplit(base_url)
    lines = []
    if callable(scenario.path) or callable(scenario.body):
        raw = []
        for number in range(PER_REQUEST_LIMIT):
            path = scenario.path(number) if callable(scenario.path) else scenario.path
            body = scenario.body(number) if callable(scenario.body) else scenario.body
            request = encode_request(
                parts.hostname, parts.port, scenario.method, path, dict(scenario.headers), body
            )
            raw.append(_lua_string(request.decode("latin-1")))
        lines.append("local requests = {" + ",\n".join(raw) + "}")
        lines.append("local next_request = 0")
        lines.append(
            "function request()\n    next_request = next_request % #requests + 1\n"
            "    return requests[next_request]\nend"
        )
    else:
        lines.append(f"wrk.method = {_lua_string(scenario.method)}")
        lines.append(f"wrk.path = {_lua_string(scenario.path)}")
        for name, value in scenario.headers.items():
            lines.append(f"wrk.headers[{_lua_string(name)}] = {_lua_string(value)}")
        if scenario.body is not None:
            lines.append(f"wrk.body = {_lua_string(scenario.body.decode('latin-1'))}")
    lines.append(_DONE % _lua_string(str(result_path)))
    return "\n".join(lines) + "\n"


async def run_wrk(
    scenario: Scenario,
    base_url: str,
    *,
    concurrency: int,
    duration: float,
    server_cpu: Callable[[], float | None],
) -> WrkResult:
    executable = available()
    if executable is None:
        raise RuntimeError("wrk is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as folder:
        result_path = Path(folder) / "result.json"
        script_path = Path(folder) / "scenario.lua"
        script_path.write_text(script(scenario, base_url, result_path), encoding="latin-1")
        cpu_before = server_cpu()
        process = await asyncio.create_subprocess_exec(
            executable,
            f"-t{THREADS}",
            f"-c{concurrency}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "-s",
            str(script_path),
            base_url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        cpu_after = server_cpu()
        if process.returncode != 0 or not result_path.exists():
            raise RuntimeError(
                f"wrk failed ({process.returncode}): {output.decode(errors='replace')[-2000:]}"
            )
        figures = json.loads(result_path.read_text())
    errors = sum(figures[key] for key in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        scenario=scenario.name,
        concurrency=concurrency,
        requests=figures["requests"],
        errors=errors,
        elapsed=figures["duration_us"] / 1e6,
        p50_s=figures["p50_us"] / 1e6,
        p99_s=figures["p99_us"] / 1e6,
        max_s=figures["max_us"] / 1e6,
        server_cpu=None if cpu_before is None or cpu_after is None else cpu_after - cpu_before,
    )


@dataclass
class WrkSummary(RunTotals):
    """A scenario's wrk runs at one concurrency: medians, as for the Python runs."""

    scenario: Scenario
    concurrency: int
    runs: list[WrkResult]

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.p50_s for run in self.runs) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.p99_s for run in self.runs) * 1000

    @property
    def server_cpu_us(self) -> float | None:
        values = [
            run.server_cpu / run.requests for run in self.runs if run.server_cpu is not None and run.requests
        ]
        return statistics.median(values) * 1e6 if values else None


def format_wrk(summaries: list[WrkSummary]) -> str:
    headers = ["wrk: scenario", "conc", "requests", "errors", "req/s", "p50 ms", "p99 ms", "srv µs/req"]
    rows = [
        [
            summary.scenario.name,
            str(summary.concurrency),
            str(summary.requests),
            str(summary.errors),
            f"{summary.rps:,.0f}",
            f"{summary.p50_ms:.2f}",
            f"{summary.p99_ms:.2f}",
            "-" if summary.server_cpu_us is None else f"{summary.server_cpu_us:,.0f}",
        ]
        for summary in summaries
        if summary.runs
    ]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]
    lines = [headers, ["-" * width for width in widths], *rows]
    return "\n".join(
        "  ".join(
            [cells[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))]
        )
        for cells in lines
    )
