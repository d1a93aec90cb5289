"""The application factory: routes, dependencies, error mapping, OpenAPI and the database lifecycle."""

from __future__ import annotations

import gc
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Response, Router, get
from litestar.config.compression import CompressionConfig
from litestar.logging import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.params import FromPath
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from events import admin, db, plugin
from events.api import API_PREFIX, DocumentedBodies
from events.auth.guards import DEPENDENCIES, no_store_personal_responses
from events.auth.services import configure_password_hashing
from events.errors import EXCEPTION_HANDLERS, PROBLEM_TYPES, NotFound
from events.integer_bounds import integer_bounds_middleware
from events.notifications.sender import lifespan_worker
from events.settings import get_settings
from events.web.templating import template_config

logger = logging.getLogger("events")


@get("/health", tags=["operations"], cache=False)
async def health() -> Response[dict]:
    """Liveness and readiness: answers 200 only when the database answers."""
    try:
        await db.get_engine().run_ddl("SELECT 1")
    except Exception as exc:  # any database failure means "not ready"
        logger.warning("health check failed: %s", exc)
        return Response(
            {"status": "unavailable", "database": "unreachable"}, status_code=HTTP_503_SERVICE_UNAVAILABLE
        )
    return Response({"status": "ok", "database": "ok"})


@get("/problems/{slug:str}", tags=["operations"], include_in_schema=True)
async def problem_type(slug: FromPath[str]) -> dict:
    """Explains a problem ``type`` found in an error response."""
    if slug not in PROBLEM_TYPES:
        raise NotFound(f"No problem type {slug!r}; known: {', '.join(sorted(PROBLEM_TYPES))}")
    return {"type": f"/problems/{slug}", "description": PROBLEM_TYPES[slug]}


@asynccontextmanager
async def _database(_: Litestar) -> AsyncIterator[None]:
    await db.start()
    try:
        yield
    finally:
        await db.stop()


@asynccontextmanager
async def _settled_heap(_: Litestar) -> AsyncIterator[None]:
    """Once started, move every object alive (modules, the routes, the app: some 400,000) out of
    the garbage collector's reach (``gc.freeze``). Otherwise each full collection walks them all,
    a pause of 0.1–0.5 s for every request in flight, which set the tail latency of busy paths;
    after it, a collection sees only what requests made."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def api_router() -> Router:
    return Router(path=API_PREFIX, route_handlers=plugin.API_HANDLERS)


class _RedactSecretsInAccessLog(logging.Filter):
    """Personal feed URLs carry their secret (calendar apps cannot sign in): keep it out of logs."""

    _SECRET = re.compile(r"\b(os[cmrie])_[A-Za-z0-9_-]{8,}")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                self._SECRET.sub(r"\1_…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def create_app() -> Litestar:
    settings = get_settings()
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _RedactSecretsInAccessLog) for f in access_log.filters):
        access_log.addFilter(_RedactSecretsInAccessLog())
    configure_password_hashing()
    plugin.connect_listeners()
    admin.build()
    return Litestar(
        route_handlers=[health, problem_type, api_router(), *admin.ROUTE_HANDLERS, *plugin.ROOT_HANDLERS],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[integer_bounds_middleware],
        plugins=[DocumentedBodies(plugin.OPENAPI_BODIES)],
        before_send=[no_store_personal_responses],
        lifespan=[_database, lifespan_worker(), *(start() for start in plugin.LIFESPANS), _settled_heap],
        request_max_body_size=2 * 1024 * 1024,
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, exclude_opt_key="skip_compression"
        ),
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]},
            log_exceptions="debug",
        ),
        openapi_config=OpenAPIConfig(
            title="OneStop Events API",
            version="1",
            description="Registration, letters, badges, check-in and study visits. Errors are RFC 9457 problem details.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        template_config=template_config(),
        debug=False,
    )
