"""Scheduler runs: a dry run solves and stores its proposal, committing writes it.

A dry run stores its proposal (a ``ScheduleRun``) with a fingerprint of everything it was computed
from; committing writes exactly that proposal, in one audited transaction, and is refused when
the fingerprint no longer matches (someone approved a registration, moved a slot, changed a
preference or a pin meanwhile): the organiser commits what they saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, NotFound
from events.i18n.catalogues import N_
from events.jobs import services as jobs
from events.jobs.registry import JobContext, JobResult, job_kind
from events.jobs.schemas import Job
from events.programme.services import get_event_row
from events.visits import context, notify, schemas, solver
from events.visits.context import lock_settings, person_name
from events.visits.problem import Built, build_problem, workers
from events.visits.tables import RunStatus, ScheduleRun, VisitAssignment


def _seat(built: Built, assignment: dict[int, tuple[int, ...]]) -> dict[tuple[int, int], int]:
    """(registration, slot) → vehicle for an assignment, keeping current seats where they fit."""
    participants = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    on_slot: dict[int, list[solver.Participant]] = defaultdict(list)
    for registration_id, slot_ids in assignment.items():
        for slot_id in slot_ids:
            on_slot[slot_id].append(participants[registration_id])
    seats: dict[tuple[int, int], int] = {}
    for slot_id, riders in on_slot.items():
        previous = {
            row["registration"]: row["vehicle"]
            for rows in built.current.values()
            for row in rows
            if row["slot"] == slot_id and row["vehicle"] is not None
        }
        for registration_id, vehicle_id in solver.pack_vehicles(slots[slot_id], riders, previous).items():
            seats[registration_id, slot_id] = vehicle_id
    return seats


def _changes(
    before: dict[int, set[int]], after: dict[int, set[int]]
) -> tuple[schemas.Changes, dict[int, str]]:
    """How many participants got a first visit, a different one, lost theirs or kept theirs."""
    kinds: dict[int, str] = {}
    for registration_id in set(before) | set(after):
        old, new = before.get(registration_id, set()), after.get(registration_id, set())
        if old == new:
            kinds[registration_id] = "unchanged"
        elif not old:
            kinds[registration_id] = "added"
        elif not new:
            kinds[registration_id] = "removed"
        else:
            kinds[registration_id] = "moved"
    counts = {
        kind: sum(1 for k in kinds.values() if k == kind)
        for kind in ("added", "moved", "removed", "unchanged")
    }
    return schemas.Changes(**counts), kinds


def _current_sets(built: Built) -> dict[int, set[int]]:
    return {rid: {row["slot"] for row in rows} for rid, rows in built.current.items() if rows}


def fills(built: Built, raw: dict[str, Any]) -> tuple[list[schemas.SiteFill], list[schemas.SlotFill]]:
    """Seats and assigned people per site (by name) and per slot, from ``solver.metrics``' figures:
    for a dry run's proposal and for the plan in force alike."""
    visits = built.visits
    per_site = [
        schemas.SiteFill(
            site_id, visits.sites[site_id]["name"], int(v["seats"]), int(v["assigned"]), v["fill"]
        )
        for site_id, v in raw["per_site"].items()
    ]
    per_slot = [
        schemas.SlotFill(
            slot_id,
            visits.sites[visits.slots[slot_id]["site"]]["name"],
            visits.local(visits.slots[slot_id]["starts_at"]),
            int(v["seats"]),
            int(v["assigned"]),
            v["fill"],
        )
        for slot_id, v in raw["per_slot"].items()
    ]
    return sorted(per_site, key=lambda s: s.site_name), per_slot


def _metrics(
    built: Built, assignment: dict[int, tuple[int, ...]], result: solver.Result
) -> schemas.ScheduleMetrics:
    raw = solver.metrics(built.problem, assignment)
    quality = result.quality or solver.quality(built.problem, assignment)
    per_site, per_slot = fills(built, raw)
    proof = result.proof
    return schemas.ScheduleMetrics(
        participants=raw["participants"],
        with_choices=raw["with_choices"],
        placed=raw["placed"],
        unplaced=raw["unplaced"],
        first_choice=raw["first_choice"],
        first_choice_share=raw["first_choice_share"],
        any_choice=raw["any_choice"],
        any_choice_share=raw["any_choice_share"],
        worst_rank=quality.worst_rank,
        by_rank=raw["by_rank"],
        preference_score=quality.preference_score,
        sign_language_unmet=quality.unmet_support,
        country_mix=quality.country_mix,
        per_site=per_site,
        per_slot=per_slot,
        visits_per_participant=built.problem.visits_per_participant,
        visits=quality.visits,
        placed_by_round=solver.by_round(built.problem, assignment),
        bound_level=proof.level if proof else None,
        achieved=proof.achieved if proof else None,
        bound=proof.bound if proof else None,
        gap=round(proof.gap, 6) if proof else None,
        bound_note=None if proof else ("greedy" if result.method == "greedy" else "unproven"),
    )


# --- dry run and commit ---------------------------------------------------------------------------------


#: ``await progress(fraction, message_id, **values)``: the same callback as a job's ``ctx.progress``
#: (and the CLI's progress bar); it may raise to stop the run (a cancelled job).
Progress = Callable[..., Awaitable[None]]


async def _no_progress(fraction: float, message: str = "", **values: Any) -> None:
    return None


#: How often a running solve reports (the job runner writes at most every half second anyway).
REPORT_EVERY_S = 0.5


async def _solve(built: Built, time_limit_s: float, progress: Progress) -> solver.Result:
    """The solver in a thread, its round reported twice a second with a bar that moves with the
    time spent. When ``progress`` raises (the job was cancelled), the solver is told to stop and
    is waited for (it stops within a fraction of a second, or after the round it is in), then
    the error goes on."""
    rounds = built.problem.visits_per_participant
    phase = [1]
    stop = threading.Event()
    loop = asyncio.get_running_loop()
    began = loop.time()
    task = asyncio.ensure_future(
        asyncio.to_thread(
            solver.solve,
            built.problem,
            time_limit_s=time_limit_s,
            workers=workers(),
            progress=lambda number: phase.__setitem__(0, number),
            stop=stop,
        )
    )
    try:
        while not task.done():
            spent = loop.time() - began
            fraction = 0.1 + 0.8 * min(1.0, spent / max(time_limit_s, 0.1))
            if phase[0] > rounds:
                left = max(0, math.ceil(time_limit_s - spent))
                await progress(fraction, N_("Improving the plan: %(seconds)s s left"), seconds=left)
            else:
                await progress(fraction, N_("Placing participants: round %(round)s"), round=phase[0])
            await asyncio.wait({task}, timeout=REPORT_EVERY_S)
    except BaseException:
        stop.set()
        with contextlib.suppress(BaseException):
            await task
        raise
    return task.result()


async def dry_run(
    actor: Actor, event_id: int, time_limit_s: float = 5.0, progress: Progress = _no_progress
) -> schemas.ScheduleRun:
    """Solve, store the proposal and show its figures; nothing is assigned until it is committed.

    ``progress(fraction, message, **values)`` hears how far it got (a job reports it; it may raise
    to stop)."""
    actor.require_organiser(event_id)
    await progress(0.02, N_("Reading slots, preferences and participants"))
    built = await build_problem(event_id)
    result = await _solve(built, time_limit_s, progress)
    await progress(0.9, N_("Storing the proposal (%(placed)s placed)"), placed=len(result.assignment))
    assignment = result.assignment
    seating = _seat(built, assignment)
    participants = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    pins = set(built.problem.pins)
    changes, _ = _changes(_current_sets(built), {rid: set(s) for rid, s in assignment.items() if s})
    payload = {
        "assignments": [
            {
                "registration_id": registration_id,
                "slot_id": slot_id,
                "vehicle_id": seating.get((registration_id, slot_id)),
                "pinned": (registration_id, slot_id) in pins,
                "rank": r
                if (r := solver.rank_of(participants[registration_id], slots[slot_id])) <= solver.MAX_CHOICES
                else None,
            }
            for registration_id, slot_ids in sorted(assignment.items())
            for slot_id in slot_ids
        ],
        "unplaced": [
            {
                "registration_id": u.participant_id,
                "reference": built.people[u.participant_id]["reference"],
                "name": person_name(built.people[u.participant_id]),
                "country": built.people[u.participant_id]["country_represented"],
                "code": u.code,
                "reason": u.detail,
            }
            for u in result.unplaced
        ],
        "pin_conflicts": built.pin_conflicts + result.pin_conflicts,
        "blocking": built.blocking,
        "changes": msgspec.to_builtins(changes),
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "metrics": msgspec.to_builtins(_metrics(built, assignment, result))
        if not result.pin_conflicts
        else None,
    }
    status = "invalid_pins" if payload["pin_conflicts"] else result.status
    async with write_transaction():
        await ScheduleRun.update({ScheduleRun.status: RunStatus.superseded.value}).where(
            ScheduleRun.event == event_id, ScheduleRun.status == RunStatus.proposed.value
        )
        run = ScheduleRun(
            event=event_id,
            status=RunStatus.proposed.value,
            input_hash=built.input_hash,
            solver_status=status,
            optimal=result.optimal and status != "invalid_pins",
            gap=result.gap,
            seconds=round(result.seconds, 3),
            result=json.dumps(payload, default=str),
            created_at=now(),
            created_by=actor.user_id,
        )
        await run.save()
        metrics = payload["metrics"] or {}
        await record(
            actor,
            "visits.schedule_proposed",
            "visit_schedule_run",
            run.id,
            event_id=event_id,
            data={
                "solver_status": status,
                "gap": result.gap,
                "placed": metrics.get("placed"),
                "unplaced": metrics.get("unplaced"),
                "first_choice_share": metrics.get("first_choice_share"),
            },
        )
    return await _run_schema(event_id, run.id, built)


#: The job kind of a dry run off the request (``POST …/schedule/dry-run?wait=false``).
DRY_RUN_JOB = "visits.schedule_dry_run"


@job_kind(DRY_RUN_JOB, label=N_("Study-visit scheduler: dry run"))
async def dry_run_job(ctx: JobContext, *, event_id: int, time_limit_s: float = 5.0) -> JobResult:
    """The dry run as a job: the same service, its progress reported, stoppable until it stores."""

    async def report(fraction: float, message: str = "", **values: Any) -> None:
        await ctx.progress(fraction, message, **values)
        await ctx.check()

    run = await dry_run(ctx.actor, event_id, time_limit_s, progress=report)
    return JobResult(data=msgspec.to_builtins(run))


async def enqueue_dry_run(actor: Actor, event_id: int, time_limit_s: float = 5.0) -> Job:
    """Queue a dry run; follow it at ``/api/v1/jobs/{id}`` (its ``result`` is the schedule run)."""
    actor.require_organiser(event_id)
    await get_event_row(event_id)  # 404 for an unknown event, before anything is queued
    return await jobs.enqueue(
        actor, DRY_RUN_JOB, event_id=event_id, params={"event_id": event_id, "time_limit_s": time_limit_s}
    )


async def _run_row(event_id: int, run_id: int, *, lock: bool = False) -> dict:
    query = (
        ScheduleRun.select()
        .where(ScheduleRun.id == run_id, ScheduleRun.event == event_id)
        .output(load_json=True)
    )
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no schedule run {run_id}")
    return row


async def _run_schema(event_id: int, run_id: int, built: Built | None = None) -> schemas.ScheduleRun:
    row = await _run_row(event_id, run_id)
    built = built or await build_problem(event_id)
    payload = row["result"] or {}
    current = built.input_hash == row["input_hash"]
    return schemas.ScheduleRun(
        id=row["id"],
        event_id=event_id,
        status=row["status"],
        created_at=built.visits.local(row["created_at"]),
        solver_status=row["solver_status"],
        optimal=row["optimal"],
        gap=row["gap"],
        seconds=row["seconds"],
        current=current,
        committable=current
        and row["status"] == RunStatus.proposed.value
        and not payload.get("pin_conflicts")
        and not payload.get("blocking"),
        metrics=msgspec.convert(payload["metrics"], schemas.ScheduleMetrics)
        if payload.get("metrics")
        else None,
        unplaced=msgspec.convert(payload.get("unplaced", []), list[schemas.Unplaced]),
        pin_conflicts=payload.get("pin_conflicts", []),
        blocking=payload.get("blocking", []),
        changes=msgspec.convert(
            payload.get("changes") or {"added": 0, "moved": 0, "removed": 0, "unchanged": 0}, schemas.Changes
        ),
        stages=msgspec.convert(payload.get("stages", []), list[schemas.SolverStage]),
        assignments=msgspec.convert(payload.get("assignments", []), list[schemas.ProposedAssignment]),
    )


async def list_runs(actor: Actor, event_id: int) -> list[schemas.RunSummary]:
    actor.require_organiser(event_id)
    visits = await context.load(event_id)
    rows = (
        await ScheduleRun.select(
            ScheduleRun.id,
            ScheduleRun.status,
            ScheduleRun.created_at,
            ScheduleRun.committed_at,
            ScheduleRun.solver_status,
            ScheduleRun.optimal,
            ScheduleRun.gap,
            ScheduleRun.seconds,
        )
        .where(ScheduleRun.event == event_id)
        .order_by(ScheduleRun.id, ascending=False)
        .limit(50)
    )
    return [
        schemas.RunSummary(
            id=row["id"],
            status=row["status"],
            created_at=visits.local(row["created_at"]),
            committed_at=visits.local(row["committed_at"]),
            solver_status=row["solver_status"],
            optimal=row["optimal"],
            gap=row["gap"],
            seconds=row["seconds"],
        )
        for row in rows
    ]


async def get_run(actor: Actor, event_id: int, run_id: int) -> schemas.ScheduleRun:
    actor.require_organiser(event_id)
    return await _run_schema(event_id, run_id)


async def commit_run(actor: Actor, event_id: int, run_id: int) -> schemas.Committed:
    """Write a dry run's proposal as the event's assignments: one transaction, one audit entry
    (``visits.schedule_committed``), and a message to each participant whose visit changed.
    Pinned assignments stay as they are; every other assignment is replaced."""
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_settings(event_id)
        run = await _run_row(event_id, run_id, lock=True)
        if run["status"] != RunStatus.proposed.value:
            raise Conflict(
                f"Schedule run {run_id} is {run['status']}; only the latest dry run can be committed"
            )
        built = await build_problem(event_id)
        if built.input_hash != run["input_hash"]:
            raise Conflict(
                "Registrations, sessions, slots, preferences or pins changed since this dry run; run it again "
                "and commit the new one"
            )
        payload = run["result"]
        if payload.get("pin_conflicts"):
            raise Conflict("Pinned assignments break the rules: " + "; ".join(payload["pin_conflicts"]))
        if payload.get("blocking"):
            raise Conflict("Fix these slots first: " + "; ".join(payload["blocking"]))
        proposal: dict[int, list[int]] = defaultdict(list)
        vehicles: dict[tuple[int, int], int | None] = {}
        for item in payload["assignments"]:
            proposal[item["registration_id"]].append(item["slot_id"])
            vehicles[item["registration_id"], item["slot_id"]] = item["vehicle_id"]
        broken = solver.violations(built.problem, {rid: tuple(s) for rid, s in proposal.items()})
        if broken:  # never expected: the fingerprint matched; refuse rather than write a broken schedule
            raise Conflict("The proposal breaks the rules now: " + "; ".join(broken[:5]))
        before = _current_sets(built)
        moment = now()
        kept: set[tuple[int, int]] = set()
        for registration_id, rows in built.current.items():
            for row in rows:
                pinned_and_kept = (
                    row["pinned"]
                    and registration_id in built.people
                    and row["slot"] in proposal.get(registration_id, [])
                )
                if pinned_and_kept:
                    kept.add((registration_id, row["slot"]))
                    vehicle = vehicles.get((registration_id, row["slot"]))
                    if vehicle != row["vehicle"]:
                        await VisitAssignment.update(
                            {VisitAssignment.vehicle: vehicle, VisitAssignment.updated_at: moment}
                        ).where(VisitAssignment.id == row["id"])
                else:
                    await VisitAssignment.delete().where(VisitAssignment.id == row["id"])
        new_rows = [
            VisitAssignment(
                event=event_id,
                registration=registration_id,
                slot=slot_id,
                vehicle=vehicles[registration_id, slot_id],
                pinned=False,
                run=run_id,
                assigned_at=moment,
                updated_at=moment,
            )
            for registration_id, slot_ids in proposal.items()
            for slot_id in slot_ids
            if (registration_id, slot_id) not in kept
        ]
        if new_rows:
            await VisitAssignment.insert(*new_rows)
        after = {rid: set(slots) for rid, slots in proposal.items() if slots}
        changes, kinds = _changes(before, after)
        await ScheduleRun.update(
            {ScheduleRun.status: RunStatus.committed.value, ScheduleRun.committed_at: moment}
        ).where(ScheduleRun.id == run_id)
        await ScheduleRun.update({ScheduleRun.status: RunStatus.superseded.value}).where(
            ScheduleRun.event == event_id, ScheduleRun.status == RunStatus.proposed.value
        )
        queued = pending = 0
        for registration_id, kind in sorted(kinds.items()):
            if kind == "unchanged" or registration_id not in built.people:
                continue  # no longer approved: the registration's own messages said so
            sent = await _notify_change(built, registration_id, kind, after, before, vehicles)
            queued += sent
            pending += not sent
        await record(
            actor,
            "visits.schedule_committed",
            "visit_schedule_run",
            run_id,
            event_id=event_id,
            data={
                "assigned": sum(len(s) for s in after.values()),
                "added": changes.added,
                "moved": changes.moved,
                "removed": changes.removed,
                "unchanged": changes.unchanged,
                "solver_status": run["solver_status"],
                "gap": run["gap"],
                "notifications_queued": queued,
                "notifications_pending": pending,
            },
        )
    return schemas.Committed(
        run_id=run_id,
        event_id=event_id,
        committed_at=built.visits.local(moment),
        assigned=sum(len(s) for s in after.values()),
        changes=changes,
        notifications=queued,
    )


async def _notify_change(
    built: Built,
    registration_id: int,
    kind: str,
    after: dict[int, set[int]],
    before: dict[int, set[int]],
    vehicles: dict[tuple[int, int], int | None],
) -> bool:
    """One message per participant whose visits changed: the new visit, or the one taken away."""
    person = built.people[registration_id]
    if kind == "removed":
        return await notify.notify_cancelled(built.visits, person, sorted(before[registration_id])[0])
    sent = True
    for slot_id in sorted(after[registration_id] - before.get(registration_id, set())):
        sent &= await notify.notify_visit(
            notify.VISIT_ASSIGNED, built.visits, person, slot_id, vehicles.get((registration_id, slot_id))
        )
    return sent
