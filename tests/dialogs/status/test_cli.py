"""The status commands of ``python -m bot``: import leaders, open, list and export rounds."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import get_args
from zoneinfo import ZoneInfo

from botbuilder.schema import ChannelAccount

from bot.conversations import ConversationDirectory
from bot.storage import TinyDBStore
from content import Content
from content.models import Status
from dialogs.status.models import Answer, Leader, StatusReply
from dialogs.status.parse import ParseErrorCode
from dialogs.status.repository import StatusRepository
from tests.bot import teams
from tests.commands import bot_command as cli

METTE = "11111111-2222-3333-4444-555555555555"
TZ = ZoneInfo("Europe/Copenhagen")
LEADERS = (
    "\ufeffnavn;e-mail;aad-objekt-id;enhed\r\n"
    "Mette Leder;mette@norddjurs.dk;11111111-2222-3333-4444-555555555555;Bostøtte\r\n"
    "Bo Leder;bo@norddjurs.dk;;Botilbud\r\n"
    "Uden Enhed;uden@norddjurs.dk;;\r\n"
)


def answer_round(data_dir: Path) -> None:
    """Mette answers 2.3 in the newest round (as the bot would store it)."""

    async def go() -> None:
        store = TinyDBStore(data_dir / "strategibot.json")
        repo = StatusRepository(store)
        [round_] = await repo.rounds()
        now = datetime.now(TZ)
        await repo.save_reply(
            StatusReply(
                round_id=round_.id,
                user_id="11111111-2222-3333-4444-555555555555",
                unit="Bostøtte",
                first_at=now,
                updated_at=now,
                answers=(
                    Answer(maalsaetning="2.3", status=Status.PARTLY, comment="Beskrevet; i gang"),
                ),
            )
        )
        await store.close()

    asyncio.run(go())


def test_import_open_list_and_export(tmp_path: Path) -> None:
    csv_file = tmp_path / "ledere.csv"
    csv_file.write_bytes(LEADERS.encode("utf-8"))
    result = cli(tmp_path, "import-leaders", str(csv_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 ledere importeret, 1 række sprunget over."
    assert result.stderr.strip() == "Række 4: Rækken mangler enhed."

    deadline = (date.today() + timedelta(days=14)).isoformat()
    result = cli(
        tmp_path,
        "new-round",
        "--name",
        "Forår 2027",
        "--deadline",
        deadline,
        "--goals",
        "1.1",
        "2.3",
    )
    assert result.returncode == 0, result.stderr
    assert "»Forår 2027« er oprettet med 2 ledere og 2 målsætninger" in result.stdout
    again = cli(tmp_path, "new-round", "--name", "forår 2027", "--deadline", deadline)
    assert again.returncode == 2 and "findes allerede" in again.stderr
    bad = cli(tmp_path, "new-round", "--name", "X", "--deadline", deadline, "--goals", "9.9")
    assert bad.returncode == 2 and "9.9" in bad.stderr

    answer_round(tmp_path)
    listed = cli(tmp_path, "rounds")
    assert "Forår 2027" in listed.stdout and "1 af 2 har svaret" in listed.stdout

    out = tmp_path / "rapport.csv"
    result = cli(tmp_path, "report", "--format", "csv", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert any("Beskrevet; i gang" in row and "Bostøtte" in row for row in rows)
    html = cli(tmp_path, "report", "--round", "Forår 2027", "--format", "html")
    assert html.returncode == 0 and "data:image/png;base64," in html.stdout
    md = cli(tmp_path, "report", "--format", "md")
    assert "Forår 2027" in md.stdout and "Beskrevet; i gang" in md.stdout
    unknown = cli(tmp_path, "report", "--round", "Efterår 1999", "--format", "md")
    assert unknown.returncode == 2 and "Ukendt statusrunde" in unknown.stderr


def test_every_parse_error_has_a_danish_message(content: Content) -> None:
    assert set(content.status.parse_errors) == set(get_args(ParseErrorCode))


def test_changes_are_refused_while_the_bot_holds_the_data_file(tmp_path: Path) -> None:
    csv_file = tmp_path / "ledere.csv"
    csv_file.write_bytes(LEADERS.encode("utf-8"))
    running = TinyDBStore(tmp_path / "strategibot.json")  # this process plays the bot
    try:
        result = cli(tmp_path, "import-leaders", str(csv_file))
        assert result.returncode == 3
        assert result.stderr.strip().splitlines()[-1].startswith("Botten kører og skriver")
        assert "Række" not in result.stderr  # refused before reading the file
        assert cli(tmp_path, "rounds").returncode == 0  # reading is fine
    finally:
        asyncio.run(running.close())
    assert cli(tmp_path, "import-leaders", str(csv_file)).returncode == 0


def test_backup_is_one_consistent_copy(tmp_path: Path) -> None:
    async def seed() -> None:
        store = TinyDBStore(tmp_path / "strategibot.json")
        await StatusRepository(store).save_leader(Leader(user_id="a", unit="Bostøtte"))
        # not closed: the lock file is left behind, as while the bot runs

    asyncio.run(seed())
    copy = tmp_path / "backup" / "kopi.json"
    result = cli(tmp_path, "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert json.loads(copy.read_text(encoding="utf-8"))["leaders"]["a"]["unit"] == "Bostøtte"


def test_the_printed_report_shows_reachability_as_the_bot_sees_it(tmp_path: Path) -> None:
    """A leader with the app installed is missing, not unreachable; one without a chat is."""
    csv_file = tmp_path / "ledere.csv"
    csv_file.write_bytes(LEADERS.encode("utf-8"))
    assert cli(tmp_path, "import-leaders", str(csv_file)).returncode == 0
    deadline = (date.today() + timedelta(days=14)).isoformat()
    assert (
        cli(tmp_path, "new-round", "--name", "Forår 2027", "--deadline", deadline).returncode == 0
    )

    async def mette_installs_the_app() -> None:
        store = TinyDBStore(tmp_path / "strategibot.json")
        mette = ChannelAccount(id="29:mette", aad_object_id=METTE, name="Mette Leder")
        activity = teams.message("hej", conversation=teams.personal(7), sender=mette)
        await ConversationDirectory(store).remember(activity, datetime.now(TZ))
        await store.close()

    asyncio.run(mette_installs_the_app())
    report = cli(tmp_path, "report", "--format", "md").stdout
    unreachable = report.split("## Ikke nået")[1].split("##")[0]
    assert "Bo Leder" in unreachable
    assert "Mette Leder" not in unreachable
