"""The audit trail of remote calls: one hash-chained record per attempt, tamper-evident, durable.

Calls go through the real ``openai`` SDK to the local fake server; the trail is the real file in
the state dir; the CLI, the concurrent writers and the kill -9 run as real subprocesses.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from fake_openai import FakeOpenAI, Reply, completion, error
from test_render import report_input

from daemon.api.audit import FAILPOINT, GENESIS, AuditLog, audit_files, read_records, verify
from daemon.api.audit_show import ledger_note
from daemon.api.client import ApiClient, for_recording
from daemon.api.costs import Metered
from daemon.config import Settings
from daemon.errors import ApiPaused, AuditError
from daemon.ledger import ApiCall, Ledger
from daemon.render import Renderer

CHAT = "/v1/chat/completions"
KEY = "sk-test-audit-secret-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)


def audit_settings(make_settings: Any, fake: FakeOpenAI, **overrides: Any) -> Settings:
    values = {
        "openai.base_url": fake.url,
        "openai.timeout": 2.0,
        "openai.backoff_initial": 0.01,
        "openai.backoff_max": 0.02,
        "openai.max_retries": 3,
        **overrides,
    }
    return make_settings(**values)  # type: ignore[no-any-return]


def client_for(settings: Settings, ledger: Ledger) -> ApiClient:
    return ApiClient(settings.openai, ledger, audit=AuditLog(settings.state_dir, settings.audit))


def chat(client: ApiClient, estimate: Metered | None = None) -> str:
    def send(sdk: Any) -> Any:
        return sdk.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], max_tokens=10
        )

    answer = client.call(
        "chat.completions", "gpt-4o-mini", send, lambda raw: raw.parse(),
        lambda v: Metered(v.usage.prompt_tokens, v.usage.completion_tokens),
        estimate=estimate or Metered(10, 10),
    )  # fmt: skip
    return str(answer.choices[0].message.content)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def trail(state: Path) -> Path:
    return state / "audit.jsonl"


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.fixture
def five_records(make_settings: Any, fake: FakeOpenAI) -> Path:
    """A trail of five records (a failed attempt among them); returns the state dir."""
    settings = audit_settings(make_settings, fake)
    fake.enqueue(CHAT, error(500, "boom"))
    with Ledger(settings.database) as ledger:
        client = client_for(settings, ledger)
        for _ in range(4):
            chat(client)
    assert len(lines(trail(settings.state_dir))) == 5
    return settings.state_dir


# A run: retries, a cut body, a rate limit, a budget refusal -----------------------------------


def test_every_attempt_of_a_run_with_retries_and_a_refusal_is_recorded_and_the_chain_verifies(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = audit_settings(make_settings, fake, **{"openai.daily_budget_usd": 0.01})
    answer = json.dumps(completion("hello", usage=(100, 20))).encode()
    fake.enqueue(CHAT, error(503, "busy"), Reply(cut=True), Reply(body=answer))
    fake.enqueue(CHAT, error(429, "slow down", headers={"retry-after": "0"}), Reply())
    with Ledger(settings.database) as ledger, for_recording(None):
        client = client_for(settings, ledger)
        assert chat(client) == "hello"
        chat(client)
        with pytest.raises(ApiPaused):  # would cost ~$6: refused before anything is sent
            chat(client, estimate=Metered(10_000_000, 10_000_000))
        ledger_rows = ledger.api_calls()

    records = list(read_records(settings.state_dir))
    assert [(r["kind"], r["status"], r["attempt"]) for r in records] == [
        ("attempt", "http_503", 1), ("attempt", "connection", 2), ("attempt", "ok", 3),
        ("attempt", "rate_limited", 1), ("attempt", "ok", 2), ("refused", "refused_budget", 1),
    ]  # fmt: skip
    # The exact bytes each attempt sent, as the server received them.
    sent = fake.seen(CHAT)
    assert [r["request_sha256"] for r in records[:5]] == [sha(s.body) for s in sent]
    assert [r["request_bytes"] for r in records[:5]] == [len(s.body) for s in sent]
    assert records[2]["response_sha256"] == sha(answer)
    assert records[1]["response_sha256"] is None  # the body was cut off: nothing whole arrived
    assert [r["request_id"] for r in records[:5]] == [f"req_{n}" for n in range(1, 6)]
    assert (records[2]["tokens_in"], records[2]["tokens_out"]) == (100, 20)
    assert records[2]["cost_usd"] == pytest.approx(ledger_rows[2].cost_usd)
    refused = records[5]
    assert refused["request_sha256"] is None and refused["http_status"] is None
    assert "budget" in refused["error"]
    assert len(ledger_rows) == 5  # nothing was spent on the refused call
    assert ledger_note(settings.state_dir, len(ledger_rows)) is None  # every row is in the trail
    assert not any(key in r for r in records for key in ("request_body", "request_form"))
    checked = verify(settings.state_dir)
    assert (checked.records, checked.head) == (6, records[-1]["hash"])
    assert records[0]["prev"] == GENESIS
    assert all(b["prev"] == a["hash"] for a, b in itertools.pairwise(records))


def test_a_refused_key_is_recorded_with_its_answer_and_the_calls_refused_after_it_without(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = audit_settings(make_settings, fake)
    fake.enqueue(CHAT, error(401, "Incorrect API key provided"))
    with Ledger(settings.database) as ledger:
        client = client_for(settings, ledger)
        for _ in range(2):
            with pytest.raises(ApiPaused):
                chat(client)
    refusal, refused = read_records(settings.state_dir)
    assert (refusal["status"], refusal["http_status"]) == ("auth", 401)
    assert refusal["request_sha256"] == sha(fake.seen(CHAT)[0].body)
    assert (refused["kind"], refused["status"], refused["request_sha256"]) == (
        "refused", "refused_auth", None,
    )  # fmt: skip
    assert verify(settings.state_dir).records == 2


def test_batch_usage_gets_a_usage_record_of_its_own_without_digests(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = audit_settings(make_settings, fake)
    with Ledger(settings.database) as ledger, for_recording(None):
        client_for(settings, ledger).record_usage(
            "chat.completions", "gpt-4o-mini", Metered(1_000_000, 0), request_id="req_batch_7"
        )
    (usage,) = read_records(settings.state_dir)
    assert (usage["kind"], usage["request_id"], usage["batch"]) == ("usage", "req_batch_7", True)
    assert usage["cost_usd"] == pytest.approx(0.075)  # half of $0.15 at the batch price
    assert usage["request_sha256"] is None


# Bodies ------------------------------------------------------------------------------------


def test_bodies_are_kept_when_asked_exactly_as_sent_and_never_the_key_or_headers(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = audit_settings(make_settings, fake, **{"audit.bodies": True})
    with Ledger(settings.database) as ledger:
        chat(client_for(settings, ledger))
    (record,) = read_records(settings.state_dir)
    request = record["request_body"].encode()
    assert sha(request) == record["request_sha256"] == sha(fake.seen(CHAT)[0].body)
    assert json.loads(request)["messages"] == [{"role": "user", "content": "hi"}]
    assert sha(record["response_body"].encode()) == record["response_sha256"]
    text = trail(settings.state_dir).read_text()
    assert fake.seen(CHAT)[0].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in text and "Bearer" not in text and "authorization" not in text.lower()


def test_a_remote_transcription_keeps_the_audio_as_its_digest_and_the_report_says_so(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    from test_transcribe_openai import drop

    from daemon.assembly import pipeline_for
    from daemon.transcribe import create_transcriber

    settings = audit_settings(
        make_settings, fake,
        **{"transcriber.name": "openai", "diarizer.name": "none", "audit.bodies": True,
           "chunking.max_seconds": 10, "chunking.search_seconds": 5},
    )  # fmt: skip
    with Ledger(settings.database) as ledger:
        api = client_for(settings, ledger)
        pipeline = pipeline_for(settings, ledger, create_transcriber(settings.transcriber, api))
        outcome = pipeline.submit(drop(settings), from_inbox=True)
        assert outcome.state == "done", outcome.reason
        calls = ledger.api_calls(outcome.recording_id)
    uploads = fake.seen("/v1/audio/transcriptions")
    records = list(read_records(settings.state_dir))
    assert len(records) == len(uploads) == len(calls) >= 3
    # Chunks are sent concurrently: records are in the order the answers came.
    by_digest = {sha(seen.body): seen for seen in uploads}
    for record in records:
        seen = by_digest[record["request_sha256"]]
        assert record["recording_id"] == outcome.recording_id
        assert record["request_form"]["model"] == "gpt-4o-mini-transcribe"
        (audio,) = record["request_files"]
        assert (audio["content_type"], audio["text"]) == ("audio/mpeg", None)
        assert (audio["bytes"], audio["sha256"]) == (
            len(seen.files["file"]),
            sha(seen.files["file"]),
        )
    # Kilobytes of digests and transcripts, not the megabytes of audio that were uploaded.
    assert trail(settings.state_dir).stat().st_size < sum(len(s.body) for s in uploads) / 4
    assert outcome.report is not None
    front = yaml.safe_load(outcome.report.read_text().split("---\n")[1])
    assert front["redacted"] is False  # audio cannot be redacted
    assert front["remote_calls"] == {
        "count": len(calls), "cost_usd": round(sum(c.cost_usd for c in calls), 4),
    }  # fmt: skip


# Tampering ---------------------------------------------------------------------------------


def test_editing_any_byte_of_any_line_is_detected_at_that_line(five_records: Path) -> None:
    path = trail(five_records)
    original = lines(path)
    for number, line in enumerate(original, start=1):
        for offset in range(len(line) - 1):  # every byte but the newline
            changed = bytearray(line)
            changed[offset] = ord("x") if line[offset] != ord("x") else ord("y")
            path.write_bytes(b"".join([*original[: number - 1], changed, *original[number:]]))
            with pytest.raises(AuditError) as caught:
                verify(five_records)
            assert (caught.value.path, caught.value.line) == (path, number), (number, offset)
    path.write_bytes(b"".join(original))
    assert verify(five_records).records == 5


def test_an_edit_json_would_not_notice_is_detected_too(five_records: Path) -> None:
    path = trail(five_records)
    original = lines(path)
    spaced = original[2].replace(b'"kind":', b'"kind": ', 1)
    path.write_bytes(b"".join([*original[:2], spaced, *original[3:]]))
    with pytest.raises(AuditError, match="line 3: the record's hash does not match"):
        verify(five_records)


def test_deleting_a_line_is_detected_at_the_line_that_took_its_place(five_records: Path) -> None:
    path = trail(five_records)
    original = lines(path)
    head = verify(five_records).head
    for number in range(1, len(original)):
        path.write_bytes(b"".join(original[: number - 1] + original[number:]))
        with pytest.raises(AuditError, match="does not chain") as caught:
            verify(five_records)
        assert caught.value.line == number
    # The last line's loss leaves a valid, shorter chain: a head hash kept elsewhere shows it.
    path.write_bytes(b"".join(original[:-1]))
    assert verify(five_records).head != head


@pytest.mark.parametrize(("first", "second"), [(1, 2), (2, 3), (4, 5), (1, 5)])
def test_swapping_two_lines_is_detected_at_the_first_of_them(
    five_records: Path, first: int, second: int
) -> None:
    path = trail(five_records)
    swapped = lines(path)
    swapped[first - 1], swapped[second - 1] = swapped[second - 1], swapped[first - 1]
    path.write_bytes(b"".join(swapped))
    with pytest.raises(AuditError) as caught:
        verify(five_records)
    assert caught.value.line == first


def test_minutes_audit_verify_exits_0_or_names_the_first_bad_line(five_records: Path) -> None:
    intact = minutes("audit", "verify", "--state-dir", str(five_records))
    assert intact.returncode == 0, intact.stderr
    assert "intact: 5 records" in intact.stdout
    path = trail(five_records)
    original = lines(path)
    path.write_bytes(
        b"".join([*original[:3], original[3].replace(b'"ok"', b'"OK"'), *original[4:]])
    )
    broken = minutes("audit", "verify", "--state-dir", str(five_records))
    assert broken.returncode == AuditError.exit_code != 0
    assert "audit.jsonl line 4" in broken.stderr
    shown = minutes("audit", "show", "--json", "--state-dir", str(five_records))
    assert [r["status"] for r in json.loads(shown.stdout)][:2] == ["http_500", "ok"]


# Rotation, concurrency, crashes ------------------------------------------------------------


def test_rotation_by_size_keeps_one_chain_across_files(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = audit_settings(make_settings, fake, **{"audit.max_file_mb": 2_000 / 2**20})
    with Ledger(settings.database) as ledger:
        client = client_for(settings, ledger)
        for _ in range(8):
            chat(client)
    files = audit_files(settings.state_dir)
    assert [f.name for f in files[:2]] == ["audit.1.jsonl", "audit.2.jsonl"]
    assert files[-1].name == "audit.jsonl" and len(files) >= 3
    assert all(f.stat().st_size <= 2_000 for f in files)
    for older, newer in itertools.pairwise(files):
        last = json.loads(lines(older)[-1])
        assert json.loads(lines(newer)[0])["prev"] == last["hash"]
    assert verify(settings.state_dir).records == 8
    files[1].unlink()  # a whole rotated file removed
    with pytest.raises(AuditError) as caught:
        verify(settings.state_dir)
    assert (caught.value.path, caught.value.line) == (files[2], 1)


CALLER = """
import json, sys, threading
from daemon.api.audit import AuditLog
from daemon.api.client import ApiClient
from daemon.api.costs import Metered
from daemon.config import load_settings
from daemon.ledger import Ledger

overrides, calls, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
settings = load_settings(None, overrides)

def chat(client):
    client.call(
        "chat.completions", "gpt-4o-mini",
        lambda sdk: sdk.chat.completions.with_raw_response.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]),
        lambda raw: raw.parse(), lambda v: Metered(10, 10), estimate=Metered(10, 10))

with Ledger(settings.database) as ledger:
    client = ApiClient(settings.openai, ledger, audit=AuditLog(settings.state_dir, settings.audit))
    workers = [threading.Thread(target=lambda: [chat(client) for _ in range(calls)])
               for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
"""


def caller(
    settings: Settings, fake: FakeOpenAI, calls: int, threads: int = 1, **env: str
) -> subprocess.Popen[str]:
    overrides = {
        "state_dir": str(settings.state_dir),
        "openai.base_url": fake.url,
        "audit.max_file_mb": settings.audit.max_file_mb,
    }
    return subprocess.Popen(
        [sys.executable, "-c", CALLER, json.dumps(overrides), str(calls), str(threads)],
        cwd=settings.state_dir.parent, env={**os.environ, **env}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def finished(process: subprocess.Popen[str]) -> int:
    _, stderr = process.communicate(timeout=120)
    assert process.returncode in (0, -signal.SIGKILL), stderr
    return process.returncode


def minutes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daemon", *args], capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip


def test_two_processes_of_several_threads_append_to_one_chain(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    fake.latency = lambda seen: 0.01
    settings = make_settings(**{"audit.max_file_mb": 4_000 / 2**20})
    processes = [caller(settings, fake, calls=6, threads=3) for _ in range(2)]
    assert [finished(p) for p in processes] == [0, 0]
    checked = verify(settings.state_dir)
    assert checked.records == 36 == len(fake.seen(CHAT))
    assert len(checked.files) > 2  # rotated while both were writing
    assert [r["seq"] for r in read_records(settings.state_dir)] == list(range(1, 37))
    with Ledger(settings.database) as ledger:
        assert len(ledger.api_calls()) == 36  # every call once in each, none lost or doubled


def test_a_kill_9_between_a_call_and_its_record_leaves_a_chain_that_verifies(
    make_settings: Any, fake: FakeOpenAI
) -> None:
    settings = make_settings()
    assert finished(caller(settings, fake, calls=2)) == 0
    killed = caller(settings, fake, calls=1, MINUTES_FAILPOINT=FAILPOINT)
    assert finished(killed) == -signal.SIGKILL
    assert len(fake.seen(CHAT)) == 3  # the third call was made and answered...
    with Ledger(settings.database) as ledger:
        assert len(ledger.api_calls()) == 3  # ...and recorded in the ledger
        note = ledger_note(settings.state_dir, len(ledger.api_calls()))
    assert note is not None and "the ledger records 3 calls, the audit trail 2" in note
    path = trail(settings.state_dir)
    assert path.read_bytes().endswith(b"\n")  # ...but its audit line is missing, not half there
    assert verify(settings.state_dir).records == 2
    assert finished(caller(settings, fake, calls=1)) == 0  # the lock died with the process
    assert verify(settings.state_dir).records == 3
    assert [r["seq"] for r in read_records(settings.state_dir)] == [1, 2, 3]


# The report's front matter -----------------------------------------------------------------


def a_call(endpoint: str, cost: float) -> ApiCall:
    return ApiCall("openai", endpoint, "gpt-4o-mini", "ok", 0.1, recording_id=1, cost_usd=cost)


@pytest.mark.parametrize(
    ("provenance", "endpoints", "redacted"),
    [
        (None, ["chat.completions"], False),
        ({"backend": "openai", "options": {}}, ["chat.completions"], False),
        ({"backend": "openai", "redaction": {"enabled": True}}, ["chat.completions"], True),
        (
            {"backend": "openai", "options": {"redaction": {"enabled": True}}},
            ["chat.completions"],
            True,
        ),
        ({"backend": "openai", "redaction": {"enabled": False}}, ["chat.completions"], False),
        ({"backend": "openai", "redaction": "yes"}, ["chat.completions"], False),
        # The words left as audio before any summary was redacted.
        (
            {"backend": "openai", "redaction": {"enabled": True}},
            ["audio.transcriptions", "chat.completions"],
            False,
        ),
    ],
)
def test_front_matter_says_whether_the_text_was_redacted_and_which_calls_touched_it(
    tmp_path: Path, provenance: dict[str, Any] | None, endpoints: list[str], redacted: bool
) -> None:
    calls = tuple(a_call(e, 0.0125) for e in endpoints)
    data = replace(report_input("Hello there."), api_calls=calls, summary_provenance=provenance)
    report = Renderer().write(tmp_path, data)
    front = yaml.safe_load(report.markdown.read_text().split("---\n")[1])
    expected = {"count": len(calls), "cost_usd": round(0.0125 * len(calls), 4)}
    assert (front["redacted"], front["remote_calls"]) == (redacted, expected)
    twin = json.loads(report.markdown.with_suffix(".json").read_text())["recording"]
    assert (twin["redacted"], twin["remote_calls"]) == (redacted, expected)


def test_a_local_recording_says_no_remote_call_touched_it(tmp_path: Path) -> None:
    report = Renderer().write(tmp_path, report_input("Hello there."))
    front = yaml.safe_load(report.markdown.read_text().split("---\n")[1])
    assert (front["redacted"], front["remote_calls"]) == (False, {"count": 0, "cost_usd": 0.0})
