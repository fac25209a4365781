"""The openai summarizer against a local OpenAI-like server: structured output and its fallbacks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fake_openai import FakeOpenAI, Reply, Seen, completion, default_summary, error

from daemon.api.client import ApiClient, for_recording
from daemon.errors import ApiRequestError
from daemon.ledger import Ledger
from daemon.summarize import create_summarizer, summarize
from daemon.summarize.llm import LlmSummarizer, strict_schema
from daemon.summarize.prompts import PROMPT_VERSION
from daemon.summarize.schema import Summary
from daemon.summarize.text import Utterance

CHAT = "/v1/chat/completions"
DAY = date(2026, 3, 11)
MEETING = [
    Utterance(0, "Maria", "Good morning everyone, let's look at the launch.", 0.0),
    Utterance(1, "Paul", "Maria will update the marketing plan by Friday.", 4.0),
    Utterance(2, "Maria", "Sure, I'll send it around on Thursday.", 9.5),
]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def make_summarizer(make_settings: Any, fake: FakeOpenAI) -> Iterator[Any]:
    ledgers: list[Ledger] = []
    clients: list[ApiClient] = []

    def make(**overrides: Any) -> LlmSummarizer:
        settings = make_settings(
            **{"summarizer.name": "openai", "openai.base_url": fake.url, "openai.timeout": 2.0,
               "openai.backoff_initial": 0.01, "openai.backoff_max": 0.02, **overrides}
        )  # fmt: skip
        ledger = Ledger(settings.database)
        ledgers.append(ledger)
        clients.append(ApiClient(settings.openai, ledger))
        summarizer = create_summarizer(settings.summarizer, clients[-1])
        assert isinstance(summarizer, LlmSummarizer)
        return summarizer

    yield make
    for client in clients:
        client.close()
    for ledger in ledgers:
        ledger.close()


def answer(summary: dict[str, Any] | None = None, **kwargs: Any) -> Reply:
    content = json.dumps(summary or plan_summary())
    return Reply(body=completion(content, **kwargs))


def plan_summary() -> dict[str, Any]:
    evidence = {"quote": "Maria will update the marketing plan by Friday", "start": 4.0,
                "speaker": "Paul"}  # fmt: skip
    return {
        "title": "Launch", "overview": "The launch plan.", "key_points": [],
        "decisions": [],
        "action_items": [{"owner": "Maria", "task": "Update the marketing plan",
                          "due": "2026-03-13", "due_phrase": "by Friday", "evidence": evidence}],
        "open_questions": [], "attendees": ["Maria", "Paul"],
    }  # fmt: skip


def test_a_summary_comes_back_through_the_strict_json_schema(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, answer())
    summarizer = make_summarizer()
    summary = summarize(summarizer, MEETING, DAY)
    assert summary.action_items[0].due == date(2026, 3, 13)
    assert summary.action_items[0].evidence.verified  # the grounding check ran
    (seen,) = fake.seen(CHAT)
    request = seen.json
    assert request["temperature"] == 0
    assert request["max_tokens"] == 4096  # a compatible server gets max_tokens
    assert request["seed"] == 7
    assert request["response_format"]["type"] == "json_schema"
    assert request["response_format"]["json_schema"]["strict"] is True
    assert "[00:00:04] Paul: Maria will update" in request["messages"][1]["content"]
    assert "2026-03-11\n(Wednesday)" in request["messages"][0]["content"]
    assert summarizer.provenance()["prompt_version"] == PROMPT_VERSION
    assert summarizer.provenance()["model"] == "gpt-4o-mini"


def test_the_strict_schema_requires_every_field_and_leaves_verification_out() -> None:
    schema = strict_schema()
    evidence = schema["$defs"]["Evidence"]
    assert "verified" not in evidence["properties"]
    assert set(evidence["required"]) == {"quote", "start", "speaker"}
    assert evidence["additionalProperties"] is False
    assert set(schema["required"]) == set(Summary.model_fields)
    assert "default" not in json.dumps(schema)


def test_a_server_without_json_schema_gets_json_mode_with_the_schema_in_the_prompt(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.reject_json_schema = True
    fake.summary_for = lambda seen: plan_summary()
    summarizer = make_summarizer()
    summary = summarizer.summarize(MEETING, DAY)
    assert summary.title == "Launch"
    first, second = fake.seen(CHAT)
    assert first.json["response_format"]["type"] == "json_schema"
    assert second.json["response_format"] == {"type": "json_object"}
    assert '"additionalProperties": false' in second.json["messages"][0]["content"]
    summarizer.summarize(MEETING, DAY)  # remembered: no second rejection
    assert [s.json["response_format"]["type"] for s in fake.seen(CHAT)][2:] == ["json_object"]
    assert summarizer.provenance()["options"]["response_format"] == "json_object"


def test_an_invalid_answer_is_sent_back_once_with_the_validation_error(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    broken = {**plan_summary(), "action_items": [{"owner": "Maria"}]}
    fake.enqueue(CHAT, answer(broken), answer())
    summary = make_summarizer().summarize(MEETING, DAY)
    assert summary.title == "Launch"
    retry = fake.seen(CHAT)[1].json["messages"]
    assert retry[-2]["role"] == "assistant"
    assert "Field required" in retry[-1]["content"]


def test_a_second_invalid_answer_fails_with_the_reason(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, Reply(body=completion("not json")), Reply(body=completion("{}")))
    with pytest.raises(ApiRequestError, match="does not fit the summary schema"):
        make_summarizer().summarize(MEETING, DAY)
    assert len(fake.seen(CHAT)) == 2


def test_an_answer_cut_at_the_length_limit_is_retried_with_more_room(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, Reply(body=completion('{"title": "Lau', finish_reason="length")), answer())
    summarizer = make_summarizer()
    assert summarizer.summarize(MEETING, DAY).title == "Launch"
    assert [s.json["max_tokens"] for s in fake.seen(CHAT)] == [4096, 8192]
    statuses = [c.status for c in summarizer.api.ledger.api_calls()]
    assert statuses == ["length", "ok"]


def test_an_answer_that_never_fits_is_split_and_merged(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    cut = Reply(body=completion('{"title": "Lau', finish_reason="length"))
    fake.enqueue(CHAT, cut, cut)  # the whole meeting twice; then halves and merge by default
    summary = make_summarizer().summarize(MEETING, DAY)
    assert summary.title == "Fake meeting"
    requests = fake.seen(CHAT)
    assert len(requests) == 5  # whole, whole with room, first half, second half, merge
    assert "summaries of consecutive parts" in requests[4].json["messages"][1]["content"]


def test_a_refusal_is_recorded_as_such_and_not_retried(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.enqueue(CHAT, Reply(body=completion(None, refusal="I can't help with that.")))
    summarizer = make_summarizer()
    with for_recording(None):
        summary = summarizer.summarize(MEETING, DAY)
    assert "declined to summarize" in summary.overview and "can't help" in summary.overview
    assert [c.status for c in summarizer.api.ledger.api_calls()] == ["refused"]
    assert len(fake.seen(CHAT)) == 1


def test_a_long_meeting_is_map_reduced_and_keeps_evidence_times(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    lines = [
        Utterance(i, "Maria" if i % 2 else "Paul", f"Point {i} is about the budget.", i * 7.0)
        for i in range(400)
    ]  # fmt: skip

    def per_window(seen: Seen) -> dict[str, Any]:
        user = seen.json["messages"][1]["content"]
        if "summaries of consecutive parts" in user:  # merge: keep the first part's items
            first = json.loads(user.split("\n\n", 1)[1].splitlines()[0])
            return {**first, "title": "Merged"}
        return default_summary(seen)

    fake.summary_for = per_window
    summarizer = make_summarizer(**{"summarizer.window_tokens": 1000})
    summary = summarize(summarizer, lines, DAY)
    requests = fake.seen(CHAT)
    windows = [r for r in requests if "Transcript (part" in r.json["messages"][1]["content"]]
    merges = [r for r in requests if "summaries of consecutive parts" in str(r.json["messages"])]
    assert len(windows) >= 4 and merges
    for request in windows:  # each window is within its budget (estimated 4 chars a token)
        assert len(request.json["messages"][1]["content"]) < 1000 * 4
    assert summary.title == "Merged"
    assert summary.action_items and summary.action_items[0].evidence.verified
    assert summary.action_items[0].evidence.start == 0.0  # the grounding check timed it


def test_the_openai_summarizer_writes_the_report_with_model_prompt_and_cost(
    make_settings: Any, fake: FakeOpenAI, tmp_path: Path
) -> None:
    from conftest import FIXTURES

    from daemon.assembly import pipeline_for as build_pipeline
    from daemon.transcribe import create_transcriber

    settings = make_settings(
        **{"transcriber.name": "openai", "summarizer.name": "openai", "openai.base_url": fake.url,
           "openai.prices": {"gpt-4o-mini": {"input_mtok": 1.0, "output_mtok": 2.0}}}
    )  # fmt: skip
    fake.transcript_for = lambda seen: "Maria will update the marketing plan by Friday."
    with Ledger(settings.database) as ledger:
        api = ApiClient(settings.openai, ledger)
        pipeline = build_pipeline(
            settings, ledger, create_transcriber(settings.transcriber, api), api=api
        )
        outcome = pipeline.submit(FIXTURES / "hello.flac", from_inbox=False)
        assert outcome.state == "done", outcome.reason
        provenance = ledger.summary_provenance(outcome.recording_id or 0)
    assert outcome.report is not None
    text = outcome.report.read_text()
    assert f'summarizer: "openai gpt-4o-mini (prompt {PROMPT_VERSION})"' in text
    # 6.3 s of gpt-4o-mini-transcribe and 1000 + 200 tokens of gpt-4o-mini at the set prices
    assert f"cost_usd: {6.317 / 60 * 0.003 + 0.001 + 0.0004:.4f}" in text
    assert provenance is not None and provenance["prompt_version"] == PROMPT_VERSION


def test_bad_requests_fail_without_retry(make_summarizer: Any, fake: FakeOpenAI) -> None:
    fake.enqueue(CHAT, error(404, "The model 'gpt-9' does not exist"))
    with pytest.raises(ApiRequestError, match="does not exist"):
        make_summarizer().summarize(MEETING, DAY)
    assert len(fake.seen(CHAT)) == 1
