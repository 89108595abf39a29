"""The Teams app package: Microsoft's validator, the icon rules, the command lists, settings."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image
from pydantic import ValidationError

from content import Content
from dialogs.intents import ASK, IntentParser
from dialogs.qa.answer import Answerer
from tools.package_app import (
    DEFAULTS_FILE,
    MANIFEST_DIR,
    PLACEHOLDER_APP_ID,
    ROOT,
    PackageError,
    PackageSettings,
    build_package,
    fill,
    main,
    package_bytes,
    read_zip,
    render,
    validate,
)

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
TEAMS_APP_ID = "0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9"
PACKAGE_FILES = {"manifest.json", "en.json", "color.png", "outline.png"}


def settings(**values: str) -> PackageSettings:
    """The municipality's defaults (``manifest/app.env``), not the developer's ``.env``."""
    options: dict[str, Any] = {"_env_file": DEFAULTS_FILE, **values}
    return PackageSettings(**options)


@pytest.fixture(scope="module")
def files() -> dict[str, Any]:
    return render(settings(microsoft_app_id=APP_ID))


@pytest.fixture(scope="module")
def manifest(files: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = files["manifest.json"]
    return result


@pytest.fixture(scope="module")
def english(files: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = files["en.json"]
    return result


def test_built_package_passes_microsofts_validator(tmp_path: Path) -> None:
    zipped = build_package(settings(microsoft_app_id=APP_ID), tmp_path / "app.zip")
    built = read_zip(zipped)
    assert set(built) == PACKAGE_FILES
    assert validate(built) == {"manifest.json": [], "en.json": []}


def test_validator_reports_a_corrupted_package() -> None:
    built = package_bytes(settings(microsoft_app_id=APP_ID))
    manifest = json.loads(built["manifest.json"])
    manifest["bots"][0]["botId"] = "not-a-guid"
    manifest["name"]["short"] = "Strategibot for Socialområdet i Norddjurs"
    english = json.loads(built["en.json"])
    english["description.short"] = "x" * 81
    built["manifest.json"] = json.dumps(manifest).encode()
    built["en.json"] = json.dumps(english).encode()
    del built["outline.png"]
    report = validate(built)
    errors = "\n".join(report["manifest.json"])
    assert "/bots/0/botId must match pattern" in errors
    assert "/name/short must NOT have more than 30 characters" in errors
    assert 'no file "outline.png"' in errors
    assert any("/description.short must NOT have more than 80" in e for e in report["en.json"])


def test_schema_version_is_one_microsofts_validator_bundles(
    manifest: dict[str, Any], english: dict[str, Any]
) -> None:
    version = manifest["manifestVersion"]
    assert re.fullmatch(r"1\.2\d", version)
    base = f"https://developer.microsoft.com/json-schemas/teams/v{version}/MicrosoftTeams"
    assert manifest["$schema"] == f"{base}.schema.json"
    assert english["$schema"] == f"{base}.Localization.schema.json"
    bundled = ROOT / "node_modules/@microsoft/app-manifest/build/json-schemas/teams"
    assert (bundled / f"v{version}" / "MicrosoftTeams.schema.json").is_file()


def test_app_and_bot_ids_come_from_settings() -> None:
    manifest = render(settings(microsoft_app_id=APP_ID))["manifest.json"]
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    manifest = render(settings(microsoft_app_id=APP_ID, teams_app_id=TEAMS_APP_ID))["manifest.json"]
    assert (manifest["id"], manifest["bots"][0]["botId"]) == (TEAMS_APP_ID, APP_ID)


def test_local_build_uses_a_placeholder_id_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.delenv("TEAMS_APP_ID", raising=False)
    assert main(["--output", str(tmp_path / "app.zip")]) == 0
    assert "warning: MicrosoftAppId is not set" in capsys.readouterr().err
    manifest = json.loads(read_zip(tmp_path / "app.zip")["manifest.json"])
    assert manifest["id"] == manifest["bots"][0]["botId"] == PLACEHOLDER_APP_ID


def test_municipality_settings_fill_the_developer_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVELOPER_NAME", "Eksempel Kommune")
    monkeypatch.setenv("DEVELOPER_PRIVACY_URL", "https://example.dk/privatliv")
    monkeypatch.setenv("TEAMS_APP_VERSION", "1.2.3")
    manifest = render(settings())["manifest.json"]
    assert manifest["developer"]["name"] == "Eksempel Kommune"
    assert manifest["developer"]["privacyUrl"] == "https://example.dk/privatliv"
    assert manifest["version"] == "1.2.3"


@pytest.mark.parametrize(
    "values",
    [
        {"microsoft_app_id": "my-bot"},
        {"teams_app_id": "1234"},
        {"teams_app_version": "1.0"},
        {"developer_privacy_url": "http://example.dk/privacy"},
        {"developer_name": "x" * 33},
    ],
)
def test_bad_settings_are_refused(values: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        settings(**values)


def test_bad_settings_stop_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["--app-id", "not-a-guid", "--output", str(tmp_path / "app.zip")]) == 2
    assert "microsoft_app_id" in capsys.readouterr().err
    assert not (tmp_path / "app.zip").exists()


def test_every_placeholder_has_a_value() -> None:
    values = settings().placeholders()
    for name in ("manifest.json", "en.json"):
        text = (MANIFEST_DIR / name).read_text(encoding="utf-8")
        used = set(re.findall(r"\$\{\{\s*(\w+)\s*\}\}", text))
        assert used <= set(values), name
    with pytest.raises(PackageError, match="UNKNOWN"):
        fill({"a": ["${{UNKNOWN}}"]}, values)


def test_bot_scopes_names_and_languages(manifest: dict[str, Any], english: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert len(manifest["name"]["short"]) <= 30
    assert len(english["name.short"]) <= 30
    info = manifest["localizationInfo"]
    assert info["defaultLanguageTag"].startswith("da")
    assert info["additionalLanguages"] == [{"languageTag": "en", "file": "en.json"}]
    assert "${{" not in json.dumps([manifest, english])


def _resolve(manifest: dict[str, Any], key: str) -> Any:
    """The manifest value a localization key such as ``bots[0].commandLists[1]...`` names."""
    node: Any = manifest
    for name, index in re.findall(r"([^.\[\]]+)(?:\[(\d+)\])?", key):
        node = node[name]
        if index:
            node = node[int(index)]
    return node


def test_english_keys_name_existing_strings(
    manifest: dict[str, Any], english: dict[str, Any]
) -> None:
    for key in english:
        if key != "$schema":
            assert isinstance(_resolve(manifest, key), str), key


def test_every_command_is_something_the_bot_understands(
    manifest: dict[str, Any], english: dict[str, Any], content: Content
) -> None:
    """A basic command's title is a command (in Danish and English); a prompt starter's
    prompt gets a real answer, the same in both languages."""
    parser = IntentParser(content.commands)
    answerer = Answerer(content)
    (bot,) = manifest["bots"]
    covered: set[str] = set()
    for i, command_list in enumerate(bot["commandLists"]):
        intents = set()
        for j, command in enumerate(command_list["commands"]):
            key = f"bots[0].commandLists[{i}].commands[{j}]"
            if command.get("type") == "prompt":
                danish = answerer.reply_to(command["prompt"])
                translated = answerer.reply_to(english[f"{key}.prompt"])
                assert danish.kind not in ("fallback", "help", "smalltalk"), command["prompt"]
                assert translated.target == danish.target, english[f"{key}.prompt"]
                assert parser.parse(command["prompt"]).name == ASK
                intents.add(danish.target)
                continue
            name = parser.parse(command["title"]).name
            assert name != ASK, command["title"]
            assert parser.parse(english[f"{key}.title"]).name == name, english[f"{key}.title"]
            intents.add(name)
        assert {"help", "list_pejlemaerker"} <= intents, command_list["scopes"]
        covered.update(command_list["scopes"])
    assert covered == {"personal", "team", "groupChat"}


def test_three_to_six_starters_per_scope_and_slash_commands(manifest: dict[str, Any]) -> None:
    (bot,) = manifest["bots"]
    for scope in ("personal", "team", "groupChat"):
        starters = [
            c
            for command_list in bot["commandLists"]
            if scope in command_list["scopes"]
            and command_list.get("triggers", ["mention"]) == ["mention"]
            for c in command_list["commands"]
        ]
        assert 3 <= len(starters) <= 6, scope
        assert any(c.get("type") == "prompt" for c in starters), scope
    [slash] = [c for c in bot["commandLists"] if c.get("triggers") == ["slash"]]
    assert set(slash["scopes"]) == {"team", "groupChat"}
    assert [c["title"] for c in slash["commands"]][:2] == ["hjælp", "pejlemærker"]


def test_the_search_message_extension(manifest: dict[str, Any], english: dict[str, Any]) -> None:
    """»Strategien«: one query command in Danish (English localised), run at once (an empty
    query shows the four pejlemærker), powered by the bot (whose scopes are personal, team
    and groupChat: the schema has no scopes of its own for a message extension)."""
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == manifest["bots"][0]["botId"]
    [command] = extension["commands"]
    assert (command["id"], command["type"], command["title"]) == (
        "strategien",
        "query",
        "Strategien",
    )
    assert command["initialRun"] is True
    assert command["description"].startswith("Find en målsætning")
    [parameter] = command["parameters"]
    assert (parameter["name"], parameter["title"]) == ("query", "Søg i strategien")
    assert english["composeExtensions[0].commands[0].title"] == "The strategy"
    for field in ("description", "parameters[0].title", "parameters[0].description"):
        assert english[f"composeExtensions[0].commands[0].{field}"], field
    assert set(manifest["bots"][0]["scopes"]) == {"personal", "team", "groupChat"}


def test_every_string_of_the_commands_is_translated(
    manifest: dict[str, Any], english: dict[str, Any]
) -> None:
    (bot,) = manifest["bots"]
    for i, command_list in enumerate(bot["commandLists"]):
        for j, command in enumerate(command_list["commands"]):
            for field in ("title", "description", "prompt"):
                if field in command:
                    assert f"bots[0].commandLists[{i}].commands[{j}].{field}" in english


def _png(name: str) -> Image.Image:
    data = (MANIFEST_DIR / name).read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n"), name
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image


def test_color_icon_is_a_192_png() -> None:
    image = _png("color.png")
    assert image.size == (192, 192)
    assert image.mode in ("RGB", "RGBA")


def test_outline_icon_is_white_on_transparency() -> None:
    image = _png("outline.png")
    assert image.size == (32, 32)
    assert image.mode == "RGBA"
    data = image.tobytes()
    pixels = [tuple(data[i : i + 4]) for i in range(0, len(data), 4)]
    visible = [p for p in pixels if p[3] > 0]
    assert visible, "the outline icon is empty"
    assert any(p[3] == 0 for p in pixels), "the outline icon has no transparent background"
    assert all(p[:3] == (255, 255, 255) for p in visible), "only white pixels may be visible"


def test_packaged_icons_are_the_committed_ones(tmp_path: Path) -> None:
    built = read_zip(build_package(settings(), tmp_path / "app.zip"))
    for name in ("color.png", "outline.png"):
        assert built[name] == (MANIFEST_DIR / name).read_bytes()
    with zipfile.ZipFile(tmp_path / "app.zip") as archive:
        assert all("/" not in name for name in archive.namelist())


def test_the_playground_names_the_bot_as_the_manifest(manifest: dict[str, Any]) -> None:
    """`make run` and the end-to-end tests show the bot under its real name, not "Test Bot"."""
    playground = yaml.safe_load((ROOT / ".m365agentsplayground.yml").read_text(encoding="utf-8"))
    assert playground["bot"]["name"] == manifest["name"]["short"] == "Strategibot"
