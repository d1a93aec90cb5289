"""Letters' long work as jobs (:mod:`events.jobs`): the ZIP of an event's letters.

The job builds the same archive as ``GET /api/v1/events/{id}/letters.zip``
(:func:`events.letters.stored.archive_chunks`), reporting each letter as its progress and stopping
between letters when an organiser cancels it. It writes nothing but the audit entry the download
writes too, so a job re-run after a restart simply builds the archive again from the start.

With ``issue`` it first issues every missing letter of the kinds, as ``events letters build``
does (:func:`events.letters.issuing.issue_missing`: rendered and signed in the rendering pool's
processes, on every core). Issuing is idempotent, so a re-run only issues what is still missing.
"""

from __future__ import annotations

from events.i18n.catalogues import N_
from events.jobs.registry import JobContext, JobResult, job_kind
from events.letters import issuing, stored
from events.letters.tables import LetterStatus

ZIP_JOB = "letters.zip"


@job_kind(ZIP_JOB, label=N_("Letters ZIP"))
async def letters_zip(
    ctx: JobContext,
    *,
    event_id: int,
    kind: str | None = None,
    status: str = LetterStatus.valid.value,
    issue: bool = False,
) -> JobResult:
    """``kind``: invitation, visa_support or all/None; ``status``: the letters' status (default
    valid); ``issue``: issue the missing letters first (their progress is the first half)."""

    counted: dict[str, int] = {"letters": 0}
    kinds = stored.kinds_from(kind)
    share = 0.5 if issue else 0.0

    async def on_letter(done: int, total: int) -> None:
        counted["letters"] = done
        await ctx.progress(
            share + (1 - share) * done / (total + 1),
            N_("Letter %(done)s of %(total)s"),
            done=done,
            total=total,
        )
        await ctx.check()

    async def on_issued(done: int, total: int) -> None:
        await ctx.progress(
            share * done / max(total, 1), N_("Letter %(done)s of %(total)s"), done=done, total=total
        )
        await ctx.check()

    await ctx.check()
    if issue:
        report = await issuing.issue_missing(ctx.actor, event_id, kinds, on_progress=on_issued)
        counted.update(issued=report.issued, skipped=len(report.skipped))
    content = await stored.archive_bytes(
        ctx.actor,
        event_id,
        kinds=kinds,
        statuses=[LetterStatus(status)],
        on_letter=on_letter,
    )
    return JobResult(
        data=counted,
        file=content,
        filename=stored.archive_name(event_id),
        content_type="application/zip",
        personal=True,
    )
