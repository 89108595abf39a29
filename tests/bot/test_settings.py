from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def settings(**env: str) -> Settings:
    return Settings(_env_file=None, **env)  # type: ignore[call-arg]


def test_defaults_are_local_mode_on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("MicrosoftAppId", "PORT", "HOST", "ADMINS"):
        monkeypatch.delenv(key, raising=False)
    s = settings()
    assert (s.host, s.port, s.timezone, s.local_mode) == (
        "127.0.0.1",
        3978,
        "Europe/Copenhagen",
        True,
    )


def test_environment_names_as_in_the_bot_framework_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MicrosoftAppId", "app")
    monkeypatch.setenv("MicrosoftAppPassword", "secret")
    monkeypatch.setenv("ADMINS", "aad-1, aad-2,")
    monkeypatch.setenv("PORT", "4000")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.microsoft_app_id, s.port, s.local_mode) == ("app", 4000, False)
    assert s.admins == frozenset({"aad-1", "aad-2"})


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"microsoft_app_id": "app"}, "MicrosoftAppPassword is required"),
        (
            {
                "microsoft_app_id": "app",
                "microsoft_app_password": "x",
                "microsoft_app_type": "SingleTenant",
            },
            "MicrosoftAppTenantId is required",
        ),
        ({"timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"port": "0"}, "greater than or equal to 1"),
    ],
)
def test_incomplete_or_wrong_settings_fail_fast(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        settings(**env)
