"""``minutes ask`` (issue 13): answers that cite grounded passages, tools on the action-item
ledger, the passages-only answer without an LLM, and ``--json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from fake_openai import FakeOpenAI, Reply, Seen, completion, tool_call
from meetings import add_meeting

from daemon.ask import ask
from daemon.cli import cli
from daemon.config import Settings
from daemon.errors import ApiRequestError
from daemon.ledger import Ledger
from daemon.search.index import index_report
from daemon.search.rank import Filters

BUDGET = (
    "Tomasz: I'll send the budget to finance by Friday.\n"
    "Ines: Tomasz, can you also book the venue for the offsite?\n"
    "Tomasz: Sure, I'll book the venue.\n"
    "Ines: We decided to hold the offsite in Lisbon.\n"
)
HIRING = "Cid: We need two engineers.\nDee: I'll post the job ad today.\n"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def llm(make_settings: Any, fake: FakeOpenAI) -> Settings:
    settings: Settings = make_settings(
        # BM25 retrieval: these tests are about the answer; test_semantic_search ranks.
        **{"summarizer.name": "openai", "openai.base_url": fake.url, "openai.max_retries": 0,
           "openai.timeout": 5.0, "search.embedder": "none"}
    )  # fmt: skip
    return settings


def meetings(settings: Settings) -> tuple[int, int]:
    with Ledger(settings.database) as ledger:
        ids = []
        for name, script, day in (
            ("offsite", BUDGET, date(2026, 5, 4)),
            ("hiring", HIRING, date(2026, 5, 11)),
        ):
            recording = add_meeting(ledger, settings.outbox, name, script, day)
            transcript, stored = ledger.transcript(recording), ledger.summary(recording)
            assert transcript is not None and stored is not None
            index_report(settings, ledger, recording, transcript, stored[1])
            ids.append(recording)
    return ids[0], ids[1]


def run(settings: Settings, *args: str) -> Any:
    base = ["--state-dir", str(settings.state_dir), "--outbox", str(settings.outbox)]
    if settings.summarizer.name == "openai":
        base += ["--set", "summarizer.name=openai", "--set", "search.embedder=none",
                 "--set", f"openai.base_url={settings.openai.base_url}"]  # fmt: skip
    result = CliRunner().invoke(cli, ["ask", *base, *args])
    assert result.exit_code == 0, result.output
    return result.output


def answer(text: str, *citations: tuple[str, str]) -> Reply:
    body = {"answer": text, "citations": [{"source": k, "quote": q} for k, q in citations]}
    return Reply(body=completion(json.dumps(body)))


def test_without_an_llm_ask_shows_passages_and_open_items_plainly_labelled(
    settings: Settings,
) -> None:
    offsite, _ = meetings(settings)
    output = run(settings, "what", "is", "Tomasz", "doing", "about", "the", "venue?")
    assert output.startswith("No answer: no language model is configured")
    assert "not an answer" in output.splitlines()[0]
    assert "2026-05-04_offsite.md#t" in output  # each passage links to its report and time
    assert "book the venue" in output.lower()
    assert "Open action items that match:" in output
    items = output.split("Open action items that match:")[1]
    assert "Tomasz" in items and "venue" in items.lower() and "job ad" not in items
    data = json.loads(run(settings, "--json", "venue", "offsite"))
    assert data["answer"] is None and data["citations"] == []
    assert data["passages"][0]["meeting_id"] == offsite
    assert data["passages"][0]["report"].endswith("2026-05-04_offsite.md")


def test_the_answer_cites_passages_with_meeting_and_time_links(
    llm: Settings, fake: FakeOpenAI
) -> None:
    meetings(llm)
    output = run(llm, "where", "is", "the", "offsite?")
    request = fake.seen("/v1/chat/completions")[0].json
    assert request["response_format"]["json_schema"]["name"] == "meeting_answer"
    assert {t["function"]["name"] for t in request["tools"]} == {
        "list_action_items", "search_meetings",
    }  # fmt: skip
    (question,) = [m["content"] for m in request["messages"] if m["role"] == "user"]
    assert "[P1]" in question and "Lisbon" in question
    first, *rest = output.splitlines()
    assert first.startswith("They said:") and "[P1]" not in first and ", 00:00:" in first
    assert "Sources:" in rest and any("2026-05-04_offsite.md#t" in line for line in rest)
    assert "Dropped" not in output


def test_with_redaction_on_ask_sends_no_passage_to_the_model_and_says_why(
    llm: Settings, fake: FakeOpenAI
) -> None:
    meetings(llm)
    output = run(llm, "--set", "privacy.redact=true", "where", "is", "the", "offsite?")
    assert fake.seen("/v1/chat/completions") == []
    first = output.splitlines()[0]
    assert first.startswith("No answer: privacy.redact is on") and "not an answer" in first
    assert "2026-05-04_offsite.md#t" in output  # the passages are still shown, locally


def test_an_invented_citation_is_dropped_and_said(llm: Settings, fake: FakeOpenAI) -> None:
    meetings(llm)
    fake.enqueue(
        "/v1/chat/completions",
        answer(
            "The offsite is in Lisbon [P1], catered by Gordon Ramsay [P2], on Mars [P9].",
            ("P1", "hold the offsite in Lisbon"),
            ("P2", "Gordon Ramsay will cater"),
            ("P9", "we land on Mars"),
        ),
    )
    with Ledger(llm.database) as ledger:
        result = ask(llm, ledger, "where is the offsite?", Filters(), date(2026, 5, 12))
    assert [c.source.key for c in result.citations] == ["P1"]
    assert [(d.key, d.reason) for d in result.dropped] == [
        ("P2", "the quote is not in P2"), ("P9", "not one of the passages given"),
    ]  # fmt: skip
    assert result.answer is not None and "[P" not in result.answer
    output = run(llm, "where", "is", "the", "offsite?")  # the fake's default answer: grounded
    assert "Dropped" not in output
    fake.enqueue("/v1/chat/completions", answer("On Mars [P9].", ("P9", "we land on Mars")))
    output = run(llm, "where", "is", "the", "offsite?")
    assert "no citation of this answer could be checked" in output
    assert "Dropped citations (not grounded in the meetings):" in output and "P9" in output


def test_tool_calls_run_against_the_real_ledger_and_their_results_can_be_cited(
    llm: Settings, fake: FakeOpenAI
) -> None:
    meetings(llm)

    def from_tool_result(seen: Seen) -> dict[str, Any]:
        (tool,) = [m for m in seen.json["messages"] if m["role"] == "tool"]
        items = json.loads(tool["content"])["action_items"]
        venue = next(i for i in items if "venue" in i["task"].lower())
        cited = {"answer": f"Tomasz still owes: {venue['task']} [{venue['id']}].",
                 "citations": [{"source": venue["id"], "quote": venue["said"]}]}  # fmt: skip
        return completion(json.dumps(cited))

    fake.enqueue(
        "/v1/chat/completions",
        Reply(body=tool_call("list_action_items",
                             {"owner": "Tomasz", "status": "open", "due_before": None})),
        Reply(body=from_tool_result),
    )  # fmt: skip
    data = json.loads(
        run(llm, "--json", "what", "is", "Tomasz", "still", "on", "the", "hook", "for?")
    )
    second = fake.seen("/v1/chat/completions")[1].json["messages"]
    tool = json.loads(next(m for m in second if m["role"] == "tool")["content"])
    assert {i["owner"] for i in tool["action_items"]} == {"Tomasz"}
    assert any("budget" in i["task"].lower() for i in tool["action_items"])
    assert data["tool_calls"] == [
        'list_action_items({"owner": "Tomasz", "status": "open", "due_before": null})'
    ]
    (citation,) = data["citations"]
    assert citation["kind"] == "action item" and citation["action_item_id"] is not None
    assert citation["report"].endswith("2026-05-04_offsite.md")
    assert data["answer"].startswith("Tomasz still owes:") and "[A" not in data["answer"]


def test_a_bad_tool_call_gets_an_error_back_and_rounds_are_bounded(
    llm: Settings, fake: FakeOpenAI
) -> None:
    meetings(llm)
    fake.enqueue(
        "/v1/chat/completions",
        Reply(body=tool_call("drop_database", {})),
        *[Reply(body=tool_call("search_meetings", {"query": "venue"})) for _ in range(4)],
    )
    with Ledger(llm.database) as ledger, pytest.raises(ApiRequestError, match="did not answer"):
        ask(llm, ledger, "who books the venue?", Filters(), date(2026, 5, 12))
    requests = [r.json for r in fake.seen("/v1/chat/completions")]
    assert len(requests) == 4 and "tools" not in requests[-1]
    refused = json.loads(next(m for m in requests[1]["messages"] if m["role"] == "tool")["content"])
    assert refused == {"error": "no tool 'drop_database'"}
    found = json.loads([m for m in requests[2]["messages"] if m["role"] == "tool"][-1]["content"])
    assert any("venue" in p for p in found["passages"])


def test_filters_narrow_what_ask_retrieves(settings: Settings) -> None:
    offsite, hiring = meetings(settings)
    data = json.loads(run(settings, "--json", "--meeting", str(hiring), "venue", "job", "ad"))
    assert {p["meeting_id"] for p in data["passages"]} == {hiring}
    data = json.loads(run(settings, "--json", "--until", "2026-05-05", "venue", "job", "ad"))
    assert {p["meeting_id"] for p in data["passages"]} == {offsite}
    data = json.loads(run(settings, "--json", "--owner", "Dee", "job", "ad"))
    assert data["passages"] and all("Dee" in p["speaker"].split(", ") for p in data["passages"])
    assert [i["speaker"] for i in data["open_action_items"]] == ["Dee"]
