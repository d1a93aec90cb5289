"""Certificates' long work as a job: ``certificates.issue`` issues every eligible participant's
certificate (:func:`events.certificates.issuing.issue_all`), reporting each one and stopping
between two when cancelled. Idempotent: a re-run (after a restart too) keeps the certificates
whose figures did not change."""

from __future__ import annotations

import msgspec

from events.certificates import issuing
from events.i18n.catalogues import N_
from events.jobs.registry import JobContext, job_kind

ISSUE_JOB = issuing.ISSUE_JOB


@job_kind(ISSUE_JOB, label=N_("Certificates of attendance"))
async def issue_certificates(ctx: JobContext, *, event_id: int) -> dict:
    async def progress(done: int, total: int) -> None:
        await ctx.progress(
            done / total if total else 1.0, N_("Certificate %(done)s of %(total)s"), done=done, total=total
        )
        await ctx.check()

    await ctx.check()
    report = await issuing.issue_all(ctx.actor, event_id, progress=progress)
    return msgspec.to_builtins(report)
