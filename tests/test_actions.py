"""Action items across meetings: linked repeats, status news from later meetings, manual status."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner
from meetings import add_meeting

from daemon import actions
from daemon.cli import cli
from daemon.config import Settings
from daemon.ledger import Ledger

MON, TUE, WED, MON2 = date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 3), date(2026, 6, 8)


def open_items(ledger: Ledger) -> list[tuple[str | None, str, str | None]]:
    return [
        (i.owner, i.task, i.due.isoformat() if i.due else None)
        for i in actions.list_items(ledger, statuses=("open",))
    ]


def test_every_item_of_a_summary_lands_in_the_ledger_as_open(
    ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(
        ledger, tmp_path, "sync", "Ana: I'll send the budget to finance by Friday.\n"
        "Ana: Ben, can you book the venue?\nBen: Sure.\n", MON,
    )  # fmt: skip
    assert open_items(ledger) == [
        ("Ana", "Send the budget to finance", "2026-06-05"),
        ("Ben", "Book the venue", None),
    ]
    (first, _) = actions.list_items(ledger)
    assert first.evidence == "I'll send the budget to finance by Friday."
    assert first.status == "open" and first.mentions == 1


def test_an_item_repeated_in_later_meetings_is_linked_not_duplicated(
    ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(ledger, tmp_path, "one", "Ana: I'll send the budget to finance.\n", MON)
    add_meeting(ledger, tmp_path, "two", "Ana: I'll send the budget to finance today.\n", TUE)
    third = add_meeting(
        ledger, tmp_path, "three", "Ana: Right, I'll send the budget to finance by Friday.\n", WED
    )
    (item,) = actions.list_items(ledger)
    assert (item.owner, item.due, item.mentions) == ("Ana", date(2026, 6, 5), 3)
    assert item.meeting_date == MON  # the first mention is the item
    assert [i.id for i in actions.list_items(ledger, recording_id=third)] == [item.id]


def test_a_later_meeting_saying_it_is_done_or_cancelled_changes_the_status(
    ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(
        ledger, tmp_path, "plan", "Ana: I'll send the budget to finance.\n"
        "Ben: I'll order the new office chairs.\nCid: I'll update the wiki page.\n", MON,
    )  # fmt: skip
    later = add_meeting(
        ledger, tmp_path, "review", "Ana: Quick update, I already sent the budget to finance.\n"
        "Ben: And we don't need the new office chairs any more, the old ones are fine.\n"
        "Cid: The wiki page, I will update it tomorrow.\n", TUE,
    )  # fmt: skip
    by_owner = {i.owner: i for i in actions.list_items(ledger, statuses=actions.STATUSES)}
    assert by_owner["Ana"].status == "done"
    assert by_owner["Ana"].status_note == (
        f"said in meeting #{later}: Quick update, I already sent the budget to finance."
    )
    assert by_owner["Ben"].status == "dropped"
    assert by_owner["Cid"].status == "open"  # a promise about the future is not news


def test_status_can_be_changed_by_hand_and_a_repeat_changes_its_item(
    ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(ledger, tmp_path, "one", "Ana: I'll send the budget to finance.\n", MON)
    add_meeting(ledger, tmp_path, "two", "Ana: I'll send the budget to finance.\n", TUE)
    repeat = ledger.query("SELECT id FROM action_items WHERE linked_to IS NOT NULL")[0][0]
    item = actions.set_status(ledger, int(repeat), "done", "sent by mail")
    assert (item.status, item.status_note) == ("done", "sent by mail")
    assert actions.list_items(ledger, statuses=("open",)) == []
    assert actions.set_status(ledger, item.id, "open").status == "open"


def test_filters_by_owner_overdue_due_date_and_meeting(ledger: Ledger, tmp_path: Path) -> None:
    first = add_meeting(
        ledger,
        tmp_path,
        "a",
        "Ana: I'll send the budget tomorrow.\nBen: I'll fix the printer.\n",
        MON,
    )
    add_meeting(ledger, tmp_path, "b", "Ana: I'll call the landlord by next Friday.\n", TUE)
    assert [i.task for i in actions.list_items(ledger, owner="ana")] == [
        "Send the budget", "Call the landlord",
    ]  # fmt: skip
    assert [i.task for i in actions.list_items(ledger, overdue_on=date(2026, 6, 4))] == [
        "Send the budget"
    ]
    assert [i.task for i in actions.list_items(ledger, due_before=date(2026, 6, 30))] == [
        "Send the budget", "Call the landlord",
    ]  # fmt: skip
    assert {i.task for i in actions.list_items(ledger, recording_id=first)} == {
        "Send the budget", "Fix the printer",
    }  # fmt: skip


def test_summarizing_again_keeps_a_status_set_by_hand(ledger: Ledger, tmp_path: Path) -> None:
    recording = add_meeting(ledger, tmp_path, "one", "Ana: I'll send the budget to finance.\n", MON)
    (item,) = actions.list_items(ledger)
    actions.set_status(ledger, item.id, "done")
    summary = ledger.summary(recording)
    assert summary is not None
    actions.record(ledger, recording, MON, summary[1], [])
    (again,) = actions.list_items(ledger, statuses=actions.STATUSES)
    assert again.status == "done"


def test_the_actions_command_lists_as_json_and_changes_status(
    settings: Settings, ledger: Ledger, tmp_path: Path
) -> None:
    add_meeting(ledger, tmp_path, "a", "Ana: I'll send the budget to finance tomorrow.\n", MON)
    base = ["--state-dir", str(settings.state_dir)]
    listed = CliRunner().invoke(cli, ["actions", *base, "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["owner"], row["task"], row["due"]) == (
        "Ana",
        "Send the budget to finance",
        "2026-06-02",
    )
    done = CliRunner().invoke(cli, ["actions", *base, "done", str(row["id"])])
    assert done.exit_code == 0 and done.output.strip().endswith(": done")
    assert json.loads(CliRunner().invoke(cli, ["actions", *base, "--json"]).output) == []
    everything = CliRunner().invoke(cli, ["actions", *base, "--status", "all"])
    assert "Send the budget to finance" in everything.output
