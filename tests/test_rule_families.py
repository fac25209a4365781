"""The rules summarizer's families, specified by the examples in tests/fixtures/rules/.

Each family's examples are data (JSON next to this file); the tests loop over them. The
examples are written for these tests, not copied from any meeting of the development set.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from daemon.summarize.rules import RulesSummarizer, summarize
from daemon.summarize.rules.similarity import same_task, stems
from daemon.summarize.schema import ActionItem, Summary
from daemon.summarize.text import Utterance, from_text

RULES = Path(__file__).parent / "fixtures" / "rules"


def examples(name: str) -> Any:
    return json.loads((RULES / f"{name}.json").read_text())


def run(lines: list[str], day: str) -> Summary:
    utterances, _ = from_text("\n".join(lines))
    return summarize(utterances, date.fromisoformat(day))


def matches(item: ActionItem, expected: dict[str, Any]) -> bool:
    due = date.fromisoformat(expected["due"]) if expected["due"] else None
    words = stems(" ".join(expected["task_words"]))
    return item.owner == expected["owner"] and item.due == due and words <= stems(item.task)


def assert_items(summary: Summary, expected: list[dict[str, Any]]) -> None:
    found = [(i.owner, i.task, i.due) for i in summary.action_items]
    assert len(summary.action_items) == len(expected), found
    for want in expected:
        assert any(matches(item, want) for item in summary.action_items), (want, found)


def cases(name: str, key: str) -> list[Any]:
    data = examples(name)
    return [pytest.param(data["date"], case, id=_id(case)) for case in data[key]]


def paraphrases(name: str) -> list[Any]:
    data = examples(name)
    return [
        pytest.param(data["date"], group, lines, id=f"{group['name']}-{n}")
        for group in data["paraphrases"]
        for n, lines in enumerate(group["phrasings"], start=1)
    ]


def _id(case: dict[str, Any]) -> str:
    return str(case.get("kind") or case["lines"][-1])[:40]


class TestCommitments:
    @pytest.mark.parametrize(("day", "group", "lines"), paraphrases("commitments"))
    def test_five_phrasings_give_one_item(
        self, day: str, group: dict[str, Any], lines: list[str]
    ) -> None:
        assert_items(run(lines, day), [group])

    @pytest.mark.parametrize(("day", "case"), cases("commitments", "negatives"))
    def test_not_commitments(self, day: str, case: dict[str, Any]) -> None:
        assert run(case["lines"], day).action_items == []

    @pytest.mark.parametrize("key", ["two_deadlines", "on_behalf"])
    def test_granularity_and_owner(self, key: str) -> None:
        data = examples("commitments")
        assert_items(run(data[key]["lines"], data["date"]), data[key]["items"])

    @pytest.mark.parametrize(("day", "case"), cases("commitments", "follow_ups"))
    def test_follow_ups_refine_or_move_items(self, day: str, case: dict[str, Any]) -> None:
        assert_items(run(case["lines"], day), case["items"])

    def test_tasks_are_imperatives_with_objects(self) -> None:
        data = examples("commitments")
        for group in data["paraphrases"]:
            for lines in group["phrasings"]:
                for item in run(lines, data["date"]).action_items:
                    first, *rest = item.task.split()
                    assert first[0].isupper() and rest, item.task
                    assert not {"it", "that", "you", "I"} & set(rest), item.task


class TestRequests:
    @pytest.mark.parametrize(("day", "group", "lines"), paraphrases("requests"))
    def test_five_phrasings_give_the_addressee_an_item(
        self, day: str, group: dict[str, Any], lines: list[str]
    ) -> None:
        assert_items(run(lines, day), [group])

    @pytest.mark.parametrize(("day", "case"), cases("requests", "negatives"))
    def test_not_items(self, day: str, case: dict[str, Any]) -> None:
        assert run(case["lines"], day).action_items == []

    @pytest.mark.parametrize("key", ["accepted_with_new_date", "assignment_in_third_person"])
    def test_answers_and_assignments(self, key: str) -> None:
        data = examples("requests")
        assert_items(run(data[key]["lines"], data["date"]), data[key]["items"])

    @pytest.mark.parametrize(("day", "case"), cases("requests", "unowned"))
    def test_tasks_nobody_took_have_no_owner(self, day: str, case: dict[str, Any]) -> None:
        assert_items(run(case["lines"], day), case["items"])


class TestChanges:
    @pytest.mark.parametrize(("day", "case"), cases("changes", "cases"))
    def test_only_the_final_state_is_listed(self, day: str, case: dict[str, Any]) -> None:
        assert_items(run(case["lines"], day), case["items"])


class TestAnaphora:
    @pytest.mark.parametrize(("day", "case"), cases("anaphora", "cases"))
    def test_resolved_or_dropped(self, day: str, case: dict[str, Any]) -> None:
        assert_items(run(case["lines"], day), case["items"])


class TestDecisions:
    @pytest.mark.parametrize(("day", "group", "lines"), paraphrases("decisions"))
    def test_five_phrasings_give_one_decision(
        self, day: str, group: dict[str, Any], lines: list[str]
    ) -> None:
        decisions = run(lines, day).decisions
        assert len(decisions) == 1, decisions
        assert stems(" ".join(group["words"])) <= stems(decisions[0].text), decisions[0].text

    @pytest.mark.parametrize(("day", "case"), cases("decisions", "also"))
    def test_other_kinds(self, day: str, case: dict[str, Any]) -> None:
        decisions = run(case["lines"], day).decisions
        assert len(decisions) == 1, decisions
        assert stems(" ".join(case["words"])) <= stems(decisions[0].text), decisions[0].text

    @pytest.mark.parametrize(("day", "case"), cases("decisions", "negatives"))
    def test_not_decisions(self, day: str, case: dict[str, Any]) -> None:
        assert run(case["lines"], day).decisions == []


class TestAttendees:
    def test_names_need_the_parser_not_capitals(self) -> None:
        utterances, _ = from_text((RULES / "attendees.txt").read_text())
        assert all(u.speaker is None for u in utterances)
        assert summarize(utterances, date(2026, 6, 1)).attendees == ["Ivy", "Tobias"]

    def test_speakers_come_first_and_labels_count(self) -> None:
        utterances = [
            Utterance(0, "Nora", "Wonderful. Okay, Speaker 2, can you hear me?"),
            Utterance(1, "Speaker 2", "Yes. Fine, thanks."),
        ]
        assert summarize(utterances, date(2026, 6, 1)).attendees == ["Nora", "Speaker 2"]


class TestSameTask:
    @pytest.mark.parametrize(
        ("first", "second", "same"),
        [
            ("Send the vendor list", "Send over the vendor list to Oren", True),
            ("Book the training room", "Book the room for training", True),
            ("File the report", "Read the report", False),
            ("Translate the papers into Somali", "Translate the papers into Spanish", True),
            ("Order the chairs", "Call the caterer", False),
        ],
    )
    def test_one_notion(self, first: str, second: str, same: bool) -> None:
        assert same_task(first, second) is same


class TestSummarizer:
    def test_registered_by_name(self) -> None:
        from daemon.sections import SummarizerSettings
        from daemon.summarize import create_summarizer

        summarizer = create_summarizer(SummarizerSettings(name="rules"))
        assert isinstance(summarizer, RulesSummarizer)

    def test_identity_and_evidence(self) -> None:
        lines = ["Oren: Ruth, can you send the vendor list by Friday?", "Ruth: Sure."]
        summary = RulesSummarizer().summarize(from_text("\n".join(lines))[0], date(2026, 6, 1))
        assert RulesSummarizer().identity()["backend"] == "rules"
        quote = summary.action_items[0].evidence.quote
        assert quote in "\n".join(lines)

    def test_repeating_a_meetings_commitments_does_not_multiply_its_action_items(self) -> None:
        # A long meeting says the same thing many times; its minutes list each task once.
        # (How fast an hour of speech is summarized is bench/bench_summarizer_speed.py's job.)
        day = examples("commitments")["date"]
        block = [
            line
            for group in examples("commitments")["paraphrases"]
            for phrasing in group["phrasings"]
            for line in phrasing
        ]
        once = run(block, day)
        many = run(block * 50, day)
        assert once.action_items
        assert [(i.owner, i.task) for i in many.action_items] == [
            (i.owner, i.task) for i in once.action_items
        ]
