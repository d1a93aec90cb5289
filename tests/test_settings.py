"""Configuration from the environment, with safe defaults and refusals."""

from __future__ import annotations

import pytest

from events.settings import ConfigurationError, load_settings


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        load_settings({"ENVIRONMENT": "production", "DATA_DIR": str(tmp_path)})


def test_development_generates_and_keeps_a_secret(tmp_path):
    first = load_settings({"DATA_DIR": str(tmp_path)})
    second = load_settings({"DATA_DIR": str(tmp_path)})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{tmp_path / 'events.sqlite3'}"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ENVIRONMENT": "staging"}, "ENVIRONMENT"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"SECRET_KEY": "short"}, "at least 32"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"PASSWORD_HASH_ITERATIONS": "many"}, "whole number"),
        (
            {"ENVIRONMENT": "production", "SECRET_KEY": "k" * 40, "PASSWORD_HASH_ITERATIONS": "1000"},
            "only for tests",
        ),
    ],
)
def test_bad_settings_are_refused_with_the_reason(tmp_path, env, message):
    with pytest.raises(ConfigurationError, match=message):
        load_settings({"DATA_DIR": str(tmp_path), **env})


def test_production_with_a_secret_and_postgres(tmp_path):
    settings = load_settings(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "s" * 48,
            "DATABASE_URL": "postgresql://app@db/events",
            "BASE_URL": "https://events.example.org/",
            "DATA_DIR": str(tmp_path),
        }
    )
    assert settings.is_production and not settings.is_sqlite
    assert settings.base_url == "https://events.example.org"
