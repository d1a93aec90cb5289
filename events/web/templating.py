"""The Jinja environment of the pages: autoescaping, gettext in the page's language, date filters.

Every page is rendered with ``lang`` in its context (see :func:`events.web.pages.render`); the
``_``/``gettext`` callables and the date filters read it, so one shared environment serves every
language at once.
"""

from __future__ import annotations

import functools
import hashlib

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from events.web import i18n

TEMPLATES_DIR = i18n.WEB_DIR / "templates"
STATIC_DIR = i18n.WEB_DIR / "static"
STATIC_PREFIX = "/static"


def _language(context: Context) -> str:
    return context.get("lang") or i18n.DEFAULT_LANGUAGE


@pass_context
def _gettext(context: Context, message: str) -> str:
    return i18n.translations(_language(context)).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return i18n.translations(_language(context)).ngettext(singular, plural, number)


@pass_context
def _date(context: Context, value, style: str = "long") -> str:
    return i18n.format_date(value, _language(context), style)


@pass_context
def _date_range(context: Context, start, end) -> str:
    return i18n.format_date_range(start, end, _language(context))


@pass_context
def _time(context: Context, value) -> str:
    return i18n.format_time(value, _language(context))


@pass_context
def _datetime(context: Context, value, zone: str | None = None) -> str:
    return i18n.format_datetime(value, _language(context), zone)


@pass_context
def _number(context: Context, value) -> str:
    return i18n.format_number(value, _language(context))


@pass_context
def _country(context: Context, code: str | None) -> str:
    return i18n.country_names(_language(context)).get(code or "", code or "")


def isolate(value: object) -> Markup:
    """``<bdi>value</bdi>``: user-entered text (a name, a title, an address) keeps its own direction
    inside a sentence of the page's language, so an Arabic name does not reorder an English line
    and a Latin title does not break an Arabic one."""
    return Markup("<bdi>{}</bdi>").format(value)


@functools.cache
def static_url(path: str) -> str:
    """``/static/<path>?v=<hash>``: browsers may cache assets for long, and see changes at once."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:10]
    return f"{STATIC_PREFIX}/{path}?v={digest}"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(
        date=_date,
        date_range=_date_range,
        time=_time,
        datetime=_datetime,
        country=_country,
        number=_number,
        utc_offset=i18n.utc_offset,
        bdi=isolate,
    )
    env.globals.update(static_url=static_url, autonyms=i18n.AUTONYMS)
    return env


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))
