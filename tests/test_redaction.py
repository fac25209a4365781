"""Redaction before anything leaves the machine (``[privacy] redact = true``).

Through the real ``openai`` SDK against the local fake server: what the server received is
inspected, and what the summarizer returns is what the report shows.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from fake_openai import FakeOpenAI, Seen

from daemon.api.client import ApiClient
from daemon.errors import ConfigError
from daemon.ledger import Ledger
from daemon.privacy import redact_meeting
from daemon.sections_ops import PrivacySettings
from daemon.summarize import summarize
from daemon.summarize.llm import LlmSummarizer
from daemon.summarize.text import Utterance, from_text

CHAT = "/v1/chat/completions"
DAY = date(2026, 3, 11)
MEETING_FILE = FIXTURES / "redaction" / "meeting.txt"
# What must never reach the server, as said in the meeting.
SECRETS = [
    "Tomasz", "Nowak", "Siobhan", "Priya", "Raghunathan", "john dot smith", "acme",
    "five five five, one two three", "four one one one", "Project Falcon",
]  # fmt: skip
PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (?:([^:\n]+): )?(.+)$", re.MULTILINE)


def meeting() -> list[Utterance]:
    utterances, _ = from_text(MEETING_FILE.read_text(encoding="utf-8"))
    return [Utterance(u.index, u.speaker, u.text, float(i * 5)) for i, u in enumerate(utterances)]


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
            **{"summarizer.name": "openai", "openai.base_url": fake.url, "openai.timeout": 5.0,
               "privacy.redact": True, "privacy.deny": ["Project Falcon"], **overrides}
        )  # fmt: skip
        ledger = Ledger(settings.database)
        ledgers.append(ledger)
        api = ApiClient(settings.openai, ledger)
        clients.append(api)
        from daemon.assembly import _summarizer

        summarizer = _summarizer(settings, api)  # as the daemon builds it
        assert isinstance(summarizer, LlmSummarizer)
        return summarizer

    yield make
    for client in clients:
        client.close()
    for ledger in ledgers:
        ledger.close()


def echoing(seen: Seen) -> dict[str, Any]:
    """A summary made of what the model was sent: its placeholders come back in every field."""
    user = seen.json["messages"][1]["content"]
    if "summaries of consecutive parts" in user:
        partials = [json.loads(line) for line in user.split("\n\n", 1)[1].splitlines()]
        return {**partials[0], "attendees": sorted({a for p in partials for a in p["attendees"]})}
    lines = LINE.findall(user)
    speaker, said = lines[1] if len(lines) > 1 else lines[0]
    values = sorted(set(PLACEHOLDER.findall(user)))
    people = sorted({s for s, _ in lines if s})
    return {
        "title": f"Contract for {values[0]}",
        "overview": "Mentioned: " + ", ".join(values),
        "key_points": [f"{v} came up" for v in values],
        "decisions": [],
        "action_items": [
            {"owner": speaker or None, "task": f"Follow up with {people[0]}", "due": None,
             "due_phrase": None, "evidence": {"quote": said, "start": None, "speaker": speaker}}
        ],
        "open_questions": [],
        "attendees": people,
    }  # fmt: skip


def sent(fake: FakeOpenAI, path: str = CHAT) -> str:
    return "\n".join(json.dumps(s.json) for s in fake.seen(path))


def transcripts(fake: FakeOpenAI) -> str:
    """The user messages (the transcript windows and partial summaries) the server received."""
    return "\n".join(s.json["messages"][1]["content"] for s in fake.seen(CHAT))


def test_with_redaction_on_no_name_email_phone_or_card_reaches_the_server(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    fake.summary_for = echoing
    summarizer = make_summarizer()
    utterances = meeting()
    summary = summarize(summarizer, utterances, DAY)

    body = sent(fake)
    for secret in SECRETS:
        assert secret.lower() not in body.lower(), secret
    for placeholder in ("<PERSON_1>", "<PERSON_2>", "<PERSON_3>", "<EMAIL_ADDRESS_1>",
                        "<PHONE_NUMBER_1>", "<CREDIT_CARD_1>", "<PRIVATE_1>"):  # fmt: skip
        assert placeholder in transcripts(fake)
    assert "Keep <PERSON_1>-style placeholders verbatim" in body  # the prompt says so

    # The report reads normally: owners, attendees, quotes and text come back restored.
    (item,) = summary.action_items
    assert item.owner == "Siobhan"
    assert item.evidence.quote == utterances[1].text
    assert item.evidence.verified  # the grounding check found the restored quote
    assert item.task == "Follow up with Siobhan" or item.task == "Follow up with Tomasz Nowak"
    assert set(summary.attendees) == {"Tomasz Nowak", "Siobhan"}
    restored = summary.model_dump_json()
    assert not PLACEHOLDER.search(restored)
    assert "john dot smith at acme dot com" in summary.overview
    assert "Project Falcon" in summary.overview
    assert "Priya Raghunathan" in summary.overview

    provenance = summarizer.provenance()["redaction"]
    assert provenance["enabled"] is True
    assert provenance["entities"]["PERSON"] == 3  # Tomasz (Nowak), Siobhan, Priya Raghunathan
    assert provenance["entities"]["EMAIL_ADDRESS"] == 1
    assert provenance["entities"]["PHONE_NUMBER"] == 1
    assert provenance["entities"]["CREDIT_CARD"] == 1


def test_with_redaction_off_the_server_gets_the_text_as_is(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    summarizer = make_summarizer(**{"privacy.redact": False})
    summarize(summarizer, meeting(), DAY)
    body = sent(fake)
    for secret in SECRETS:
        assert secret in body, secret
    assert not PLACEHOLDER.search(body)
    assert "placeholders" not in body
    assert summarizer.provenance()["redaction"] == {"enabled": False, "entities": {}}


def test_a_person_keeps_one_placeholder_across_map_reduce_windows(
    make_summarizer: Any, fake: FakeOpenAI
) -> None:
    base = meeting()
    filler = [
        Utterance(0, "Siobhan" if i % 2 else "Tomasz Nowak", f"Item {i} of the budget is fine.", 0)
        for i in range(300)
    ]  # fmt: skip
    lines = [*base, *filler, *base]
    utterances = [Utterance(i, u.speaker, u.text, i * 6.0) for i, u in enumerate(lines)]
    fake.summary_for = echoing
    summarizer = make_summarizer(**{"summarizer.window_tokens": 1000})
    summary = summarize(summarizer, utterances, DAY)

    requests = [s.json["messages"][1]["content"] for s in fake.seen(CHAT)]
    windows = [r for r in requests if "Transcript (part" in r]
    merges = [r for r in requests if "summaries of consecutive parts" in r]
    assert len(windows) >= 3 and merges
    speakers_per_window = [dict(LINE.findall(w)).keys() for w in windows]
    assert all(set(s) <= {"<PERSON_1>", "<PERSON_2>"} for s in speakers_per_window)
    assert "<EMAIL_ADDRESS_1>" in windows[0] and "<EMAIL_ADDRESS_1>" in windows[-1]
    assert "<EMAIL_ADDRESS_2>" not in "".join(requests)  # the same address, the same placeholder
    for request in requests:
        for secret in SECRETS:
            assert secret.lower() not in request.lower(), secret
    assert set(summary.attendees) == {"Tomasz Nowak", "Siobhan"}
    assert not PLACEHOLDER.search(summary.model_dump_json())


def test_variants_of_a_name_share_one_placeholder_and_restore_as_the_speaker() -> None:
    utterances = [
        Utterance(0, "Tomasz", "Let's start. Tomasz Nowak here, for the record.", 0.0),
        Utterance(1, "Ines", "Thanks, Tomasz. Nowak and I spoke with Giulia yesterday.", 3.0),
    ]
    redaction = redact_meeting(utterances, PrivacySettings(redact=True))
    texts = [u.text for u in redaction.utterances]
    assert redaction.utterances[0].speaker == "<PERSON_1>"
    assert texts[0] == "Let's start. <PERSON_1> here, for the record."
    assert texts[1].startswith("Thanks, <PERSON_1>. <PERSON_1> and I spoke with <")
    assert "Giulia" not in texts[1]
    assert redaction.real["<PERSON_1>"] == "Tomasz"  # the speaker's own label
    # A quote is restored from the line it was copied from, exactly as it was said.
    assert redaction.restore_quote("<PERSON_1> here, for the record") == (
        "Tomasz Nowak here, for the record"
    )
    again = redact_meeting(utterances, PrivacySettings(redact=True))
    assert again.utterances == redaction.utterances  # deterministic: recomputable after a restart


def test_allow_words_are_kept_and_deny_words_always_replaced() -> None:
    utterances = [Utterance(0, None, "Paris from Bluebird said Project Falcon slips.", 0.0)]
    plain = redact_meeting(utterances, PrivacySettings(redact=True))
    assert "Paris" not in plain.utterances[0].text
    tuned = redact_meeting(
        utterances, PrivacySettings(redact=True, allow=["Paris"], deny=["Bluebird"])
    )
    text = tuned.utterances[0].text
    assert text.startswith("Paris from <PRIVATE_1>")
    assert "Bluebird" not in text


def test_redaction_settings_are_part_of_the_summary_identity(make_summarizer: Any) -> None:
    off = make_summarizer(**{"privacy.redact": False}).identity()
    on = make_summarizer().identity()
    denied = make_summarizer(**{"privacy.deny": ["Bluebird"]}).identity()
    assert "redaction" not in off  # unchanged from before redaction existed
    assert on != off and denied != on
    assert on["redaction"]["deny"] == ["Project Falcon"]


def test_batch_requests_are_redacted_and_the_answer_restored_after_a_restart(
    make_settings: Any, fake: FakeOpenAI, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil
    import threading
    import time

    from daemon.api.client import api_client_for
    from daemon.service import Service
    from daemon.transcribe import create_transcriber

    settings = make_settings(
        **{"transcriber.name": "openai", "summarizer.name": "openai", "summarizer.mode": "batch",
           "summarizer.batch_poll_interval": 0.2, "openai.base_url": fake.url,
           "openai.timeout": 5.0, "stability_delay": 0.2, "privacy.redact": True}
    )  # fmt: skip
    said = "Siobhan will mail john dot smith at acme dot com and call five five five, one two three, four five six seven."  # noqa: E501
    fake.transcript_for = lambda seen: said
    fake.batch_polls_before_done = 2
    fake.summary_for = echoing

    def run_until(ledger: Ledger, done: Any) -> None:
        stop = threading.Event()
        api = api_client_for(settings, ledger, stop)
        service = Service(settings, ledger, create_transcriber(settings.transcriber, api), stop,
                          api=api)  # fmt: skip
        thread = threading.Thread(target=service.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not done():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)
        stop.set()
        thread.join(30)

    settings.inbox.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "hello.flac", settings.inbox / "call.flac")
    with (
        caplog.at_level(logging.WARNING, logger="daemon.assembly"),
        Ledger(settings.database) as ledger,
    ):
        run_until(ledger, lambda: bool(ledger.open_batches()))
        run_until(ledger, lambda: ledger.counts()["done"] == 1)  # a restart collects the batch
    assert f"audio is sent to {fake.url} (openai transcriber) unredacted" in caplog.text

    (upload,) = [s for s in fake.seen("/v1/files") if s.method == "POST"]
    batch = upload.files["file"].decode()
    assert "<PERSON_1>" in batch and "<EMAIL_ADDRESS_1>" in batch and "<PHONE_NUMBER_1>" in batch
    for secret in ("Siobhan", "john dot smith", "acme", "five five five"):
        assert secret not in batch
    assert fake.seen(CHAT) == []  # nothing went the synchronous way
    (report,) = settings.outbox.glob("*.md")
    text = report.read_text()
    assert "john dot smith at acme dot com" in text
    assert "<PERSON_1>" not in text and "<EMAIL_ADDRESS_1>" not in text


def test_remote_audio_false_refuses_the_remote_transcriber(make_settings: Any) -> None:
    with pytest.raises(ConfigError, match="audio cannot be redacted") as refused:
        make_settings(**{"transcriber.name": "openai", "privacy.remote_audio": False})
    assert refused.value.key == "privacy.remote_audio"
    make_settings(**{"privacy.remote_audio": False})  # the local transcriber is fine


def test_the_remote_embedder_is_refused_while_redaction_is_on(make_settings: Any) -> None:
    with pytest.raises(ConfigError, match="unredacted") as refused:
        make_settings(**{"privacy.redact": True, "search.embedder": "openai"})
    assert refused.value.key == "search.embedder"
    make_settings(**{"privacy.redact": True, "search.embedder": "local"})


def test_minutes_config_says_plainly_that_audio_is_sent_unredacted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from daemon.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    args = ["config", "--set", "transcriber.name=openai", "--set", "privacy.redact=true"]
    shown = CliRunner().invoke(cli, args)
    assert shown.exit_code == 0, shown.output
    assert "audio is sent to https://api.openai.com/v1 (openai transcriber) unredacted" in (
        shown.output
    )
    quiet = CliRunner().invoke(cli, ["config", "--set", "privacy.redact=true"])
    assert "unredacted" not in quiet.output


def test_detection_opens_no_socket_and_downloads_nothing(tmp_path: Path) -> None:
    # In a fresh process (the engine is built once per process), with every network call
    # recorded by an audit hook and tldextract's cache pointed at a folder that must stay empty.
    script = textwrap.dedent(
        """
        import sys
        # Reaching out: connecting, resolving a name, sending. (Creating and binding a socket
        # is not: urllib3 binds one to ::1 at import time to see whether IPv6 works.)
        OUT = ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.sendto",
               "socket.sendmsg", "urllib.Request")
        calls = []
        sys.addaudithook(lambda e, a: calls.append(e) if e.startswith(OUT) else None)
        from daemon.privacy.detect import detector
        found = detector(["EMAIL_ADDRESS", "PERSON"], [], []).find(
            "Mail maria.garcia@contoso.co.uk or john dot smith at acme dot com, Maria."
        )
        print(sorted(f.entity for f in found))
        print(calls)
        """
    )
    env = {"TLDEXTRACT_CACHE": str(tmp_path / "tld"), "HOME": str(tmp_path), "PATH": "/usr/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120,
        cwd=Path(__file__).parents[1],
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    entities, calls = out.stdout.splitlines()[-2:]
    assert entities == "['EMAIL_ADDRESS', 'EMAIL_ADDRESS', 'PERSON']"
    assert calls == "[]"
    assert not (tmp_path / "tld").exists()
