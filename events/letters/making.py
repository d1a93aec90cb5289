"""Making letters (compose, render, sign): pure CPU, no database, run in worker threads and, for
bulk issuing, in the rendering pool's processes (:mod:`events.rendering.pool`).

:func:`make_chunk` is what a pool worker runs: it gets plain data (the letters' sources and issue
facts, the signing identity as bytes) and gives back the signed PDFs, in order. A letter is the
same whether made here in a worker process or in a thread of the service: the renderer is
deterministic, and both sign with the same key.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from events.letters import content, signing, wording
from events.letters.render import LetterRenderer
from events.rendering import pool

pool.preload(__name__)

_renderer: LetterRenderer | None = None


def renderer() -> LetterRenderer:
    global _renderer
    if _renderer is None:
        _renderer = LetterRenderer()
    return _renderer


def make_letter(
    source: content.LetterSource,
    issue: content.IssueFacts,
    identity: signing.SigningIdentity,
    fingerprint: str,
) -> bytes:
    """Compose, render and sign one letter (CPU only: run it in a worker thread)."""
    data = msgspec.structs.replace(content.compose(source, issue), fingerprint=fingerprint)
    pdf = renderer().render(data)
    reason = f"{getattr(wording.LABELS[source.language], source.kind)} {issue.reference}"
    return signing.sign_pdf(pdf, identity, reason=reason, location=source.event.city)


@dataclass(frozen=True)
class LetterOrder:
    source: content.LetterSource
    issue: content.IssueFacts
    fingerprint: str


@dataclass(frozen=True)
class LetterChunk:
    identity: signing.PortableIdentity
    letters: tuple[LetterOrder, ...]


def make_chunk(chunk: LetterChunk) -> list[bytes | None]:
    """The signed PDF of each letter of ``chunk``, in order; ``None`` for one that cannot be made
    (its data was refused: the caller issues it again on its own to get the reason)."""
    identity = signing.identity_from_portable(chunk.identity)
    made: list[bytes | None] = []
    for order in chunk.letters:
        try:
            made.append(make_letter(order.source, order.issue, identity, order.fingerprint))
        except content.LetterDataError:
            made.append(None)
    return made
