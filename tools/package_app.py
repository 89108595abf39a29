"""Build the Teams app package: ``python -m tools.package_app`` (``make package``).

Fills the ``${{NAME}}`` placeholders of ``manifest/manifest.json`` and ``manifest/en.json``
(the Microsoft 365 Agents Toolkit's placeholder syntax) and zips them with the two icons
into ``build/strategibot.zip``. Values come from the environment, then ``.env``, then
``manifest/app.env`` (the municipality's defaults):

* ``MicrosoftAppId``: the bot's app id, the ``botId`` (and the app ``id`` unless
  ``TEAMS_APP_ID`` is set). Without it, a placeholder GUID is used and a warning printed:
  such a package validates but cannot be used in Teams.
* ``TEAMS_APP_ID``, ``TEAMS_APP_VERSION``, ``DEVELOPER_NAME``, ``DEVELOPER_WEBSITE_URL``,
  ``DEVELOPER_PRIVACY_URL``, ``DEVELOPER_TERMS_URL``: see ``manifest/app.env``.

With ``--validate`` the zip is checked with Microsoft's ``@microsoft/app-manifest``
(``tools/validate_manifest.mjs``, offline) and the command fails on any error.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
MANIFEST_DIR = ROOT / "manifest"
DEFAULTS_FILE = MANIFEST_DIR / "app.env"
DEFAULT_OUTPUT = ROOT / "build" / "strategibot.zip"
VALIDATOR = ROOT / "tools" / "validate_manifest.mjs"
TEMPLATES = ("manifest.json", "en.json")
ICONS = ("color.png", "outline.png")
PLACEHOLDER_APP_ID = "00000000-0000-0000-0000-000000000000"

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
_PLACEHOLDER = re.compile(r"\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed, so the same input gives the same zip


class PackageError(Exception):
    """The package cannot be built from these settings or templates."""


class PackageSettings(BaseSettings):
    """What the package needs to know; see ``manifest/app.env`` for the defaults."""

    model_config = SettingsConfigDict(
        env_file=(DEFAULTS_FILE, ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    microsoft_app_id: str = Field(
        "", validation_alias=AliasChoices("MicrosoftAppId", "microsoft_app_id")
    )
    teams_app_id: str = ""
    teams_app_version: str = "1.0.0"
    developer_name: str = Field(min_length=1, max_length=32)
    developer_website_url: str
    developer_privacy_url: str
    developer_terms_url: str

    @field_validator("microsoft_app_id", "teams_app_id")
    @classmethod
    def _guid_or_empty(cls, value: str) -> str:
        value = value.strip()
        if value and not _GUID.match(value):
            raise ValueError(f"{value!r} is not a GUID")
        return value

    @field_validator("teams_app_version")
    @classmethod
    def _semver(cls, value: str) -> str:
        if not _SEMVER.match(value):
            raise ValueError(f"{value!r} is not a version like 1.0.0")
        return value

    @field_validator("developer_website_url", "developer_privacy_url", "developer_terms_url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"{value!r} must be an https:// address")
        return value

    @property
    def bot_id(self) -> str:
        """The bot's app id, or the placeholder GUID for local builds."""
        return self.microsoft_app_id or PLACEHOLDER_APP_ID

    def placeholders(self) -> dict[str, str]:
        """The value of every ``${{NAME}}`` the templates may use."""
        return {
            "BOT_ID": self.bot_id,
            "TEAMS_APP_ID": self.teams_app_id or self.bot_id,
            "TEAMS_APP_VERSION": self.teams_app_version,
            "DEVELOPER_NAME": self.developer_name,
            "DEVELOPER_WEBSITE_URL": self.developer_website_url,
            "DEVELOPER_PRIVACY_URL": self.developer_privacy_url,
            "DEVELOPER_TERMS_URL": self.developer_terms_url,
        }


def fill(value: Any, values: dict[str, str]) -> Any:
    """``value`` (parsed JSON) with every ``${{NAME}}`` in its strings replaced."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise PackageError(f"no value for placeholder ${{{{{name}}}}}")
            return values[name]

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, list):
        return [fill(item, values) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, values) for key, item in value.items()}
    return value


def render(settings: PackageSettings, manifest_dir: Path = MANIFEST_DIR) -> dict[str, Any]:
    """The filled-in JSON files of the package, by file name."""
    values = settings.placeholders()
    files = {}
    for name in TEMPLATES:
        template = json.loads((manifest_dir / name).read_text(encoding="utf-8"))
        files[name] = fill(template, values)
    return files


def package_bytes(settings: PackageSettings, manifest_dir: Path = MANIFEST_DIR) -> dict[str, bytes]:
    """Every file of the package (manifest, localization, icons), by name."""
    files = {
        name: (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        for name, data in render(settings, manifest_dir).items()
    }
    for icon in ICONS:
        files[icon] = (manifest_dir / icon).read_bytes()
    return files


def write_zip(files: dict[str, bytes], output: Path) -> Path:
    """Write ``files`` to the zip ``output`` (flat, as Teams wants); returns ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            archive.writestr(zipfile.ZipInfo(name, date_time=_ZIP_TIME), files[name])
    return output


def build_package(
    settings: PackageSettings, output: Path = DEFAULT_OUTPUT, manifest_dir: Path = MANIFEST_DIR
) -> Path:
    """Build the app package zip at ``output``."""
    return write_zip(package_bytes(settings, manifest_dir), output)


def validate(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Errors per file from Microsoft's validator (``tools/validate_manifest.mjs``).

    Needs Node.js and ``npm ci`` (``@microsoft/app-manifest``); works offline.
    """
    with tempfile.TemporaryDirectory(prefix="strategibot-package-") as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        result = subprocess.run(
            ["node", str(VALIDATOR), tmp],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    try:
        report: dict[str, list[str]] = json.loads(result.stdout)
    except json.JSONDecodeError:
        report = {}
    if result.returncode not in (0, 1) or not report:
        raise PackageError(f"the manifest validator failed: {result.stderr.strip()}")
    return report


def read_zip(path: Path) -> dict[str, bytes]:
    """The files of a built package."""
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m tools.package_app", description=__doc__)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the zip to write")
    parser.add_argument("--app-id", help="the bot's app id (default: MicrosoftAppId)")
    parser.add_argument("--teams-app-id", help="the Teams app id (default: TEAMS_APP_ID)")
    parser.add_argument(
        "--validate", action="store_true", help="check the zip with @microsoft/app-manifest"
    )
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in (("microsoft_app_id", args.app_id), ("teams_app_id", args.teams_app_id))
        if value
    }
    try:
        settings = PackageSettings(**overrides)
        if not settings.microsoft_app_id:
            print(
                f"warning: MicrosoftAppId is not set; the package uses the placeholder id "
                f"{PLACEHOLDER_APP_ID} and will not work in Teams",
                file=sys.stderr,
            )
        output = build_package(settings, args.output)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        print(f"Invalid package setting {where}: {first['msg']}", file=sys.stderr)
        return 2
    except PackageError as exc:
        print(f"Cannot build the package: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {output}")
    if args.validate:
        report = validate(read_zip(output))
        errors = [f"{name}: {error}" for name, errs in report.items() for error in errs]
        for line in errors:
            print(line, file=sys.stderr)
        if errors:
            return 1
        print(f"valid: {', '.join(sorted(report))} (@microsoft/app-manifest)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
