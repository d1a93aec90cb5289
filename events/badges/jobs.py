"""Badge jobs: badge sheets printed on the job queue (the console's print form starts them).

``badges.print`` runs :func:`events.badges.printing.print_pdf`, the same selection and drawing as
``POST /events/{id}/badges/print`` and ``events badges print``: rights are the requester's, missing
badges are issued first (idempotent: a re-run after a restart issues nothing twice), revoked ones
are skipped. It reports "Badge n of m" every 50 badges and stops there when cancelled. The PDF is
the result file (personal data: encrypted at rest); the JSON result counts what was printed and
what was skipped.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import clock
from events.badges import printing
from events.i18n.catalogues import N_
from events.jobs.registry import JobContext, JobResult, job_kind

PRINT = "badges.print"


def print_params(request: printing.PrintRequest) -> dict[str, Any]:
    """The job's params for a print request (JSON; read back with the same struct)."""
    return msgspec.to_builtins(request)


@job_kind(PRINT, label=N_("Badge sheets"))
async def print_sheets(ctx: JobContext, *, event_id: int, **params: Any) -> JobResult:
    request = msgspec.convert(params, printing.PrintRequest)

    async def report(done: int, total: int) -> None:
        await ctx.progress(
            done / total if total else 1.0, N_("Badge %(done)s of %(total)s"), done=done, total=total
        )
        await ctx.check()

    await ctx.check()
    pdf, selection = await printing.print_pdf(ctx.actor, event_id, request, progress=report)
    summary = selection.summary
    stamp = clock.now().date().isoformat()
    return JobResult(
        data={
            "badges": len(selection.badges),
            "pages": selection.pages,
            "sheet": request.sheet.value,
            "issued": summary["issued"],
            "skipped_revoked": summary["skipped_revoked"],
            "skipped_without_badge": summary["skipped_without_badge"],
            # Registration id -> scripts no font draws: those badges show the Latin name.
            "names_in_latin": {str(key): value for key, value in summary["names_in_latin"].items()},
        },
        file=pdf,
        filename=f"badges-{event_id}-{request.sheet.value}-{stamp}.pdf",
        content_type="application/pdf",
        personal=True,
    )
