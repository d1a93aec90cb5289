"""Piccolo's configuration module (``PICCOLO_CONF=events.piccolo_conf``)."""

from piccolo.conf.apps import AppRegistry

from events.db import make_engine
from events.settings import get_settings

DB = make_engine(get_settings())

APP_REGISTRY = AppRegistry(apps=["events.piccolo_app"])
