"""Jobs as organisers use them: enqueue, look, cancel, download the result; results expire.

Every write runs in ``write_transaction`` and enqueueing and cancelling are audited. Who sees a
job: the organisers of its event and the account that asked for it (a job without an event: that
account and the programme's organisers). Anyone else gets 404, as if the job did not exist.
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
from pathlib import Path
from typing import Any

from events import clock, crypto
from events.audit.services import record
from events.auth.principal import Actor
from events.db import write_transaction
from events.errors import Conflict, Gone, NotFound
from events.jobs import dispatch, registry
from events.jobs.schemas import Job as JobSchema
from events.jobs.tables import FINISHED, Job, JobStatus
from events.settings import get_settings

API_PREFIX = "/api/v1"
#: A result file with no job row is removed once it is this old.
ORPHAN_AGE_S = 3600


# --- result files ---------------------------------------------------------------------------------


def results_dir() -> Path:
    return get_settings().data_dir / "jobs"


def store_file(job_id: int, content: bytes, *, encrypt: bool) -> str:
    """Write a result file under ``DATA_DIR/jobs`` (encrypted when it may hold personal data)."""
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{job_id}-{secrets.token_hex(8)}.bin"
    (folder / name).write_bytes(crypto.encrypt_bytes(content) if encrypt else content)
    return name


def delete_file(name: str) -> None:
    if name:
        (results_dir() / Path(name).name).unlink(missing_ok=True)


# --- input files: what a job reads (an uploaded sheet), kept encrypted until the job ends -----------

#: An input file no unfinished job names is removed once it is this old (it is written just before
#: its job is queued).
INPUT_GRACE_S = 600
#: The job parameter that names an input file.
INPUT_PARAM = "input_file"


def inputs_dir() -> Path:
    return results_dir() / "inputs"


def store_input(content: bytes) -> str:
    """Keep an upload for a job, always encrypted (it may hold personal data); its name goes in the
    job's params as ``input_file``. The job deletes it when it ends; :func:`purge_expired` removes
    the ones left by jobs that ended without running (cancelled while queued, failed by recovery)."""
    folder = inputs_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.bin"
    (folder / name).write_bytes(crypto.encrypt_bytes(content))
    return name


def read_input(name: str) -> bytes:
    """The decrypted input; ``FileNotFoundError`` when it is gone."""
    return crypto.decrypt_bytes((inputs_dir() / Path(name).name).read_bytes())


def delete_input(name: str) -> None:
    if name:
        (inputs_dir() / Path(name).name).unlink(missing_ok=True)


async def _purge_inputs() -> None:
    folder = inputs_dir()
    if not folder.is_dir():
        return
    unfinished = await Job.select(Job.params).where(Job.status.not_in(list(FINISHED)))
    wanted = {str((_decoded(row["params"]) or {}).get(INPUT_PARAM, "")) for row in unfinished}
    cutoff = time.time() - INPUT_GRACE_S
    for path in folder.glob("*.bin"):
        if path.name not in wanted and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def result_expiry(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or clock.now()) + datetime.timedelta(hours=get_settings().job_result_hours)


# --- reading --------------------------------------------------------------------------------------


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value else None
    return value


def filled(message: str, args: dict[str, Any], translate=None) -> str:
    """A progress message with its values, translated by ``translate`` (a gettext) when given."""
    text = translate(message) if translate and message else message
    try:
        return text % args if args else text
    except (KeyError, TypeError, ValueError):
        return message


def to_schema(row: dict) -> JobSchema:
    has_file = bool(row["result_path"]) and row["status"] == JobStatus.succeeded.value
    return JobSchema(
        id=row["id"],
        kind=row["kind"],
        event_id=row["event"],
        requested_by=row["requested_by"],
        status=row["status"],
        progress=round(float(row["progress"] or 0.0), 3),
        message=filled(row["message"], _decoded(row.get("message_args")) or {}),
        message_id=row["message"],
        message_args=_decoded(row.get("message_args")) or {},
        params=_decoded(row["params"]) or {},
        result=_decoded(row["result"]),
        error=row["error"],
        result_url=f"{API_PREFIX}/jobs/{row['id']}/result" if has_file else None,
        result_name=row["result_name"] or None if has_file else None,
        result_expires_at=row["result_expires_at"],
        cancel_requested=bool(row["cancel_requested"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


async def _row(job_id: int) -> dict | None:
    return await Job.select().where(Job.id == job_id).first()


def _may_see(actor: Actor, row: dict) -> bool:
    if actor.user_id is not None and row["requested_by"] == actor.user_id:
        return True
    if row["event"] is None:
        return actor.is_programme_organiser
    return actor.organises(row["event"])


async def _visible(actor: Actor, job_id: int) -> dict:
    row = await _row(job_id)
    if row is None or not _may_see(actor, row):
        raise NotFound(f"No job {job_id}")
    return row


async def get_job(actor: Actor, job_id: int) -> JobSchema:
    return to_schema(await _visible(actor, job_id))


async def list_jobs(
    actor: Actor,
    event_id: int,
    *,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[JobSchema], int]:
    """One page of the event's jobs, newest first, and how many there are (organisers of the event)."""
    actor.require_organiser(event_id)
    where = [Job.event == event_id]
    if status:
        where.append(Job.status == status)
    if kind:
        where.append(Job.kind == kind)
    total = await Job.count().where(*where)
    rows = await Job.select().where(*where).order_by(Job.id, ascending=False).limit(limit).offset(offset)
    return [to_schema(row) for row in rows], total


# --- writing --------------------------------------------------------------------------------------


async def enqueue(
    actor: Actor,
    kind: str,
    *,
    event_id: int | None,
    params: dict[str, Any] | None = None,
    max_attempts: int = 2,
) -> JobSchema:
    """Queue a job of ``kind`` for ``event_id``; the caller has checked the actor's right to ask.

    The row is the queue's truth: backends are told after the commit, and a runner's poll finds
    the job even when nobody was told (no worker running yet)."""
    if registry.function_for(kind) is None:
        raise NotFound(f"No job kind {kind!r}")
    params = params or {}
    async with write_transaction():
        job = Job(
            kind=kind,
            event=event_id,
            requested_by=actor.user_id,
            status=JobStatus.queued.value,
            params=json.dumps(params, default=str),
            max_attempts=max_attempts,
            created_at=clock.now(),
        )
        await job.save()
        await record(actor, "jobs.enqueued", "job", job.id, event_id=event_id, data={"kind": kind})
    await dispatch.notify(job.id)
    row = await _row(job.id)
    assert row is not None
    return to_schema(row)


async def cancel(actor: Actor, job_id: int) -> JobSchema:
    """A queued job is cancelled at once; a running one is asked to stop at its next check."""
    await _visible(actor, job_id)
    now = clock.now()
    async with write_transaction():
        cancelled = await (
            Job.update(
                {
                    Job.status: JobStatus.cancelled.value,
                    Job.cancel_requested: True,
                    Job.finished_at: now,
                    Job.message: "cancelled",
                }
            )
            .where(Job.id == job_id, Job.status == JobStatus.queued.value)
            .returning(Job.id)
        )
        asked = []
        if not cancelled:
            asked = await (
                Job.update({Job.cancel_requested: True})
                .where(Job.id == job_id, Job.status == JobStatus.running.value)
                .returning(Job.id)
            )
        if not cancelled and not asked:
            row = await _row(job_id)
            raise Conflict(f"Job {job_id} has already ended ({row['status'] if row else 'gone'})")
        row = await _row(job_id)
        assert row is not None
        await record(
            actor,
            "jobs.cancelled" if cancelled else "jobs.cancel_requested",
            "job",
            job_id,
            event_id=row["event"],
            data={"kind": row["kind"]},
        )
    return to_schema(row)


async def result_file(actor: Actor, job_id: int) -> tuple[bytes, str, str]:
    """The result file's bytes, name and type; 410 Gone once the results expired."""
    row = await _visible(actor, job_id)
    if row["status"] != JobStatus.succeeded.value or not row["result_name"]:
        raise NotFound(f"Job {job_id} has no result file" + ("" if row["status"] in FINISHED else " yet"))
    expires = row["result_expires_at"]
    if not row["result_path"] or (expires is not None and expires <= clock.now()):
        raise Gone(f"The result of job {job_id} has expired; run the job again")
    path = results_dir() / Path(row["result_path"]).name
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise Gone(f"The result of job {job_id} is no longer stored; run the job again") from exc
    if row["result_encrypted"]:
        content = crypto.decrypt_bytes(content)
    return content, row["result_name"], row["result_type"] or "application/octet-stream"


async def purge_expired(now: datetime.datetime | None = None) -> int:
    """Erase results (files and JSON answers) whose time is up; the job rows stay as a record.

    Also removes files left by jobs that no longer exist (their event was deleted), once they are an
    hour old (a file is written just before its row records it). Returns how many jobs lost results."""
    now = now or clock.now()
    rows = await Job.select(Job.id, Job.result_path).where(
        Job.result_expires_at.is_not_null(),
        Job.result_expires_at <= now,
        (Job.result_path != "") | Job.result.is_not_null(),
    )
    if rows:
        async with write_transaction():
            await Job.update({Job.result_path: "", Job.result: None}).where(
                Job.id.is_in([row["id"] for row in rows])
            )
        for row in rows:
            delete_file(row["result_path"])
    folder = results_dir()
    if folder.is_dir():
        kept = {row["result_path"] for row in await Job.select(Job.result_path).where(Job.result_path != "")}
        cutoff = time.time() - ORPHAN_AGE_S
        for path in folder.glob("*.bin"):
            if path.name not in kept and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
    await _purge_inputs()
    return len(rows)
