"""Letters: how many per second, what signing costs, and how long a 500-letter ZIP takes.

Trial ``letters render`` (in-process, no HTTP, no database; CPU time of this process, median of
repeats, like ``rendering``): composing and rendering a visa-support letter (a different name
each time: Latin with diacritics, Cyrillic, Arabic, Chinese), signing it (PAdES B-B with a fresh
self-signed development key, ECDSA P-256), and writing 500 signed letters into a ZIP with the service's
``ZipStream``. Figures: ms per letter unsigned and signed, letters per second on one core, the
share of signing, sizes. Issue target: at least 50 unsigned letters/s (checked).

Trial ``letters issue`` (over HTTP, one client, sequential): ``POST
/api/v1/registrations/{id}/letters`` for 40 approved participants who have no letter yet, as the
bench organiser: the full path (reads, decryption, render, sign, reference allocation under the
event lock, insert, audit). Figures: letters/s, p50 and p99 ms, the service's CPU ms per letter;
then the same 40 again, which return the existing letters (idempotent) — the cost of a repeat.

Trial ``letters zip`` (over HTTP): the first repeat issues the letters of a second event's 500
participants (four at a time); every repeat downloads ``GET /api/v1/events/{id}/letters.zip``
(streamed) and checks it holds 500 PDFs and the listing.

Run alone, without servers, for the in-process figures only:

    .venv/bin/python -m bench.scenarios.letters
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import io
import itertools
import json
import statistics
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from bench.registry import Check, Context, Trial, TrialResult, trials
from bench.scenarios.rendering import per_call_ms

TARGET_UNSIGNED_PER_S = 50
ZIP_LETTERS = 500
ISSUE_PER_REPEAT = 40
NAMES = [
    ("Nguyễn Thị Minh", "Khai", ""),
    ("Şəhriyar", "Məmmədov", ""),
    ("Đorđe", "Petrović", ""),
    ("Дмитрий", "Иванов", "DMITRII IVANOV"),
    ("عبدالله", "الحداد", "ABDULLAH ALHADDAD"),
    ("伟", "王", "WANG WEI"),
    ("Amina", "Moussa", ""),
    ("Tevita", "Fifita", ""),
]
PROFILE = {
    "host_name": "UN DESA and the ASAN Service",
    "host_address": "405 East 42nd Street\nNew York, NY 10017, United States",
    "host_contact": "letters@example.org, +1 212 963 1234",
    "signatory_name": "Ana Example",
    "signatory_title": "Programme Director",
    "costs_statement": "The organisers cover the return air ticket, accommodation and daily subsistence allowance.",
}
_serial = itertools.count()


# --- in-process ---------------------------------------------------------------------------------


def _source(number: int, language: str = "en"):
    from events.letters import content, wording

    given, family, latin = NAMES[number % len(NAMES)]
    return content.LetterSource(
        kind="visa_support",
        language=language,
        participant=content.Participant(
            given_names=given,
            family_name=f"{family} {number}",
            latin_name=f"{latin} {number}" if latin else "",
            nationality="DJI",
            country="DJI",
            institution="Cabinet Office",
            position="Director of e-Government",
            date_of_birth=datetime.date(1980, 5, 17),
            passport_number=f"P{number:07d}",
            passport_expiry=datetime.date(2031, 1, 31),
        ),
        event=content.EventFacts(
            title="International Symposium on Omnichannel Public Service Delivery",
            venue="Baku Congress Centre",
            city="Baku",
            country="AZE",
            start=datetime.date(2027, 10, 12),
            end=datetime.date(2027, 10, 14),
        ),
        profile=content.Profile(**PROFILE),
        template=wording.default_template("visa_support", language),
    )


def _issue(number: int):
    from events.letters import content, verification

    reference = f"BAKU27-VSL-{number:06d}"
    code = verification.verification_code(reference, "bench-secret-" * 4)
    return content.IssueFacts(
        reference=reference,
        issued_on=datetime.date(2027, 8, 2),
        verification_url=f"https://events.example.org/verify/{reference}?c={code}",
    )


def measure(budget_s: float = 0.3, repeat: int = 5) -> tuple[dict[str, float], list[Check]]:
    from events.letters import content, signing
    from events.letters.archive import ZipStream
    from events.letters.render import LetterRenderer

    renderer = LetterRenderer()
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        key, cert = signing.create_development_key(Path(folder) / "letters")
        identity = signing.identity_from_files(str(key), str(cert))
        # What a letter would pay if the signer were built for it (key parsed and checked, CMS
        # size measured), and what keeping it costs: the check that the files did not change.
        environ = {signing.ENV_KEY: str(key), signing.ENV_CERT: str(cert)}
        figures["signer build ms"] = per_call_ms(
            lambda: signing.identity_from_files(str(key), str(cert)), repeat=repeat, budget_s=budget_s
        )
        figures["signer kept, check ms"] = per_call_ms(
            lambda: signing._stamp(environ), repeat=repeat, budget_s=budget_s
        )

    def unsigned() -> bytes:
        number = next(_serial)
        return renderer.render(content.compose_with_fingerprint(_source(number), _issue(number)))

    sample = unsigned()

    def signed_only() -> bytes:
        return signing.sign_pdf(sample, identity, reason="Visa-support letter", location="Baku")

    def signed() -> bytes:
        return signing.sign_pdf(unsigned(), identity, reason="Visa-support letter", location="Baku")

    figures["render ms"] = per_call_ms(unsigned, repeat=repeat, budget_s=budget_s)
    figures["sign ms"] = per_call_ms(signed_only, repeat=repeat, budget_s=budget_s)
    figures["render+sign ms"] = per_call_ms(signed, repeat=repeat, budget_s=budget_s)
    figures["unsigned letters/s"] = 1000 / figures["render ms"]
    figures["signed letters/s"] = 1000 / figures["render+sign ms"]
    figures["signing share %"] = 100 * figures["sign ms"] / (figures["render ms"] + figures["sign ms"])
    figures["letter kB"] = len(sample) / 1024
    letters = [signed() for _ in range(25)]
    figures["signed letter kB"] = statistics.mean(len(letter) for letter in letters) / 1024

    def zip_500() -> int:
        archive = ZipStream((2027, 8, 2, 12, 0, 0))
        size = 0
        for number in range(ZIP_LETTERS):
            size += len(archive.add(f"BAKU27-VSL-{number:06d}.pdf", letters[number % len(letters)]))
        return size + len(archive.close())

    started = time.perf_counter()
    cpu = time.process_time()
    size = zip_500()
    figures["zip 500 cpu ms"] = (time.process_time() - cpu) * 1000
    figures["zip 500 wall ms"] = (time.perf_counter() - started) * 1000
    figures["zip 500 MB"] = size / 1024 / 1024
    figures["500 signed letters + zip s"] = (
        500 * figures["render+sign ms"] + figures["zip 500 cpu ms"]
    ) / 1000
    checks = [
        Check(
            f"at least {TARGET_UNSIGNED_PER_S} unsigned letters/s on one core",
            figures["unsigned letters/s"] >= TARGET_UNSIGNED_PER_S,
            f"{figures['unsigned letters/s']:.1f}/s",
        ),
        Check(
            "the ZIP holds every letter", zipfile.ZipFile(io.BytesIO(_small_zip(letters))).testzip() is None
        ),
    ]
    return figures, checks


def _small_zip(letters: list[bytes]) -> bytes:
    from events.letters.archive import ZipStream

    archive = ZipStream((2027, 8, 2, 12, 0, 0))
    return b"".join(archive.add(f"{n}.pdf", letter) for n, letter in enumerate(letters[:3])) + archive.close()


async def render_trial(ctx: Context, repeat: int) -> TrialResult:
    figures, checks = await asyncio.to_thread(measure, 0.15, 3)
    return TrialResult(figures=figures, checks=checks)


# --- over HTTP ----------------------------------------------------------------------------------


def _event_body(programme_id: int, slug: str) -> dict:
    start = datetime.date.today() + datetime.timedelta(days=300)
    return {
        "programme_id": programme_id,
        "slug": slug,
        "title": "International Symposium on Omnichannel Public Service Delivery",
        "kind": "symposium",
        "venue": "Baku Congress Centre",
        "city": "Baku",
        "country": "AZE",
        "time_zone": "Asia/Baku",
        "start_date": start.isoformat(),
        "end_date": (start + datetime.timedelta(days=2)).isoformat(),
        "capacity": 2000,
        "auto_approve": True,
    }


def _registration(number: int, tag: str) -> dict:
    given, family, latin = NAMES[number % len(NAMES)]
    expiry = datetime.date.today() + datetime.timedelta(days=3 * 365)
    return {
        "given_names": given,
        "family_name": f"{family} {number}",
        "latin_name": f"{latin} {number}" if latin else "",
        "email": f"{tag}-{number}@example.org",
        "gender": "female",
        "nationality": "DJI",
        "country_represented": "DJI",
        "institution": "Cabinet Office",
        "position": "Director of e-Government",
        "level": "high",
        "consent": True,
        "needs_visa": True,
        "passport_number": f"P{number:07d}",
        "passport_expiry": expiry.isoformat(),
        "date_of_birth": "1980-05-17",
    }


def _seed_event(ctx: Context, slug: str, participants: int) -> tuple[int, list[int]]:
    event = ctx.call("POST", "/api/v1/events", _event_body(ctx.state["programme_id"], slug))
    ctx.call("PUT", f"/api/v1/events/{event['id']}/letter-profile", PROFILE)

    def register(number: int) -> int:
        answer = ctx.call(
            "POST",
            f"/api/v1/events/{event['id']}/registrations",
            _registration(number, slug),
            authenticated=False,
        )
        return answer["registration"]["id"]

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(register, range(participants)))
    return event["id"], ids


def _seeded(ctx: Context, key: str, participants: int) -> tuple[int, list[int]]:
    """An event with approved participants who need a visa, made the first time a trial asks (not
    as a ``@seed``: runs that skip these trials do not pay for 700 registrations). The first
    participant gets a letter at once (fonts loaded, signing key made), then the service is left
    to send the registrations' e-mails before anything is measured. Returns the others."""
    if key not in ctx.state:
        event_id, ids = _seed_event(ctx, f"bench-{key.replace('_', '-')}", participants)
        _issue_one(ctx, ids[0])
        _settle(ctx)
        ctx.state[key] = (event_id, ids[1:])
    return ctx.state[key]


def _settle(ctx: Context, *, below: float = 0.1, timeout: float = 90.0) -> None:
    """Wait until the service uses less than ``below`` of a core (its outbox worker done)."""
    if ctx.service_cpu is None or ctx.service_cpu() is None:
        time.sleep(2)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = ctx.service_cpu()
        time.sleep(1.0)
        if ctx.service_cpu() - before < below:
            return


def _issue_one(ctx: Context, registration_id: int) -> tuple[float, int]:
    started = time.perf_counter()
    request = urllib.request.Request(
        f"{ctx.base_url}/api/v1/registrations/{registration_id}/letters",
        data=json.dumps({"kind": "visa_support"}).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **ctx.auth()},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return time.perf_counter() - started, status


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


async def issue_trial(ctx: Context, repeat: int) -> TrialResult:
    _event_id, ids = await asyncio.to_thread(_seeded, ctx, "letters_issue", ISSUE_PER_REPEAT * 5 + 1)
    batch = ids[(repeat % 5) * ISSUE_PER_REPEAT : (repeat % 5 + 1) * ISSUE_PER_REPEAT]

    def run() -> tuple[list[tuple[float, int]], float, list[tuple[float, int]], float]:
        cpu = ctx.service_cpu() if ctx.service_cpu else None
        started = time.perf_counter()
        first = [_issue_one(ctx, rid) for rid in batch]
        elapsed = time.perf_counter() - started
        cpu_used = (ctx.service_cpu() - cpu) if cpu is not None else float("nan")
        again = [_issue_one(ctx, rid) for rid in batch]
        return first, elapsed, again, cpu_used

    first, elapsed, again, cpu_used = await asyncio.to_thread(run)
    created = sum(1 for _t, status in first if status == 201)
    latencies = [t * 1000 for t, _status in first]
    repeats = [t * 1000 for t, _status in again]
    return TrialResult(
        figures={
            "letters/s": len(first) / elapsed,
            "p50 ms": statistics.median(latencies),
            "p99 ms": _percentile(latencies, 0.99),
            "srv cpu ms/letter": cpu_used * 1000 / len(first),
            "repeat p50 ms": statistics.median(repeats),
        },
        requests=len(first) + len(again),
        errors=sum(1 for _t, status in first + again if status not in (200, 201)),
        checks=[
            Check(
                "every letter issued (201)",
                created == len(first) or repeat >= 5,
                f"{created} of {len(first)}",
            ),
            Check("asking again returns the same letter (200)", all(status == 200 for _t, status in again)),
        ],
    )


async def zip_trial(ctx: Context, repeat: int) -> TrialResult:
    event_id, ids = await asyncio.to_thread(_seeded, ctx, "letters_zip", ZIP_LETTERS)

    def run() -> tuple[float, float, bytes, int]:
        issuing = 0.0
        errors = 0
        if not ctx.state.get("letters_zip_ready"):
            started = time.perf_counter()
            with concurrent.futures.ThreadPoolExecutor(4) as pool:
                statuses = [status for _t, status in pool.map(lambda rid: _issue_one(ctx, rid), ids)]
            issuing = time.perf_counter() - started
            errors = sum(1 for status in statuses if status not in (200, 201))
            ctx.state["letters_zip_ready"] = True
        request = urllib.request.Request(
            f"{ctx.base_url}/api/v1/events/{event_id}/letters.zip", headers={**ctx.auth()}, method="GET"
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            body = response.read()
        return time.perf_counter() - started, issuing, body, errors

    elapsed, issuing, body, errors = await asyncio.to_thread(run)
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    figures = {
        "zip 500 ms": elapsed * 1000,
        "zip MB": len(body) / 1024 / 1024,
        "zip MB/s": len(body) / 1024 / 1024 / elapsed,
    }
    if issuing:
        figures["issue 500 (4 clients) s"] = issuing
    return TrialResult(
        figures=figures,
        requests=1,
        errors=errors,
        checks=[
            Check(
                f"{ZIP_LETTERS} letters and the listing",
                len(names) == ZIP_LETTERS + 1,
                f"{len(names)} entries",
            )
        ],
    )


@trials
def letters(ctx: Context) -> list[Trial]:
    return [
        Trial(
            "letters render",
            render_trial,
            description="in-process: letters/s unsigned and signed, signing's share, a 500-letter ZIP",
        ),
        Trial(
            "letters issue",
            issue_trial,
            description=f"POST …/letters for {ISSUE_PER_REPEAT} participants in a row (full path), then again (idempotent)",
        ),
        Trial(
            "letters zip",
            zip_trial,
            description=f"GET …/letters.zip of {ZIP_LETTERS} signed letters (streamed)",
        ),
    ]


def main() -> None:
    figures, checks = measure()
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:{width}}  {value:10.2f}")
    for check in checks:
        print(f"{'ok' if check.passed else 'FAILED'}: {check.name} {check.detail}")


if __name__ == "__main__":
    main()
