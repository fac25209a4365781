"""Reports: escaped speech, front matter, sidecars, stable names, overridable templates."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import yaml
from jinja2.exceptions import SecurityError

from daemon.merge import paragraphs
from daemon.models import Provenance, Recording, Segment, Transcript
from daemon.render import Renderer, ReportInput, to_srt, to_vtt
from daemon.summarize.schema import ActionItem, Decision, Evidence, Summary

WHEN = datetime(2026, 3, 11, 14, 30, tzinfo=timezone.utc)
# Clear the screen, retitle the window, ring the bell; C1 bytes YAML refuses; a bidi override.
HOSTILE = "\x1b[2J\x1b]0;pwned\x07\x9b31m\x80\x00\r\u202e"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def report_input(*texts: str, sha: str = "a" * 64, name: str = "Team Sync.m4a") -> ReportInput:
    segments = tuple(Segment(i * 3.0, i * 3.0 + 2.5, t, 0.9) for i, t in enumerate(texts))
    transcript = Transcript(
        segments, paragraphs(segments), "en", 3.0 * len(texts),
        Provenance("faster-whisper", "base", {"compute_type": "int8", "beam_size": 5}),
    )  # fmt: skip
    recording = Recording(1, sha, Path(name), WHEN, 3.0 * len(texts))
    return ReportInput(recording, name, transcript, processing_s=1.5)


def test_report_has_front_matter_title_and_timestamped_transcript(tmp_path: Path) -> None:
    report = Renderer().write(tmp_path, report_input("Hello there.", "General Kenobi."))
    text = report.markdown.read_text()
    assert report.markdown.name == "2026-03-11_1430_team-sync.md"
    front = dict(line.split(": ", 1) for line in text.split("---")[1].strip().splitlines())
    assert json.loads(front["title"]) == "Team Sync"
    assert json.loads(front["sha256"]) == "a" * 64
    assert json.loads(front["duration"]) == "00:00:06"
    assert (
        json.loads(front["transcriber"]) == "faster-whisper base (compute_type int8, beam_size 5)"
    )
    assert "# Team Sync" in text
    assert "_No summarizer is configured" in text
    assert '**[00:00:00]** <a id="t0"></a>Hello there. <a id="t3"></a>General Kenobi.' in text


def test_speech_cannot_create_links_images_or_html(tmp_path: Path) -> None:
    hostile = (
        "click [here](http://evil.example) ![x](http://img) <script>alert(1)</script> # *bold*"
    )
    text = Renderer().write(tmp_path, report_input(hostile)).markdown.read_text()
    body = text.split("## Transcript", 1)[1]
    assert "[here](http" not in body
    assert "<script>" not in body
    assert "![x]" not in body
    assert r"\[here\]\(http://evil.example\)" in body
    assert r"\<script\>" in body


def test_a_title_with_quotes_stays_valid_front_matter(tmp_path: Path) -> None:
    data = report_input("Hi.", name='Q3 "final": plan.mp3')
    text = Renderer().write(tmp_path, data).markdown.read_text()
    title_line = next(line for line in text.splitlines() if line.startswith("title: "))
    assert json.loads(title_line.removeprefix("title: ")) == 'Q3 "final": plan'


def test_sidecars_share_the_base_name(tmp_path: Path) -> None:
    report = Renderer().write(tmp_path, report_input("One.", "Two."))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2026-03-11_1430_team-sync.json",
        "2026-03-11_1430_team-sync.md",
        "2026-03-11_1430_team-sync.srt",
        "2026-03-11_1430_team-sync.vtt",
    ]
    document = json.loads(report.sidecars[2].read_text())
    assert document["recording"]["sha256"] == "a" * 64
    assert [s["text"] for s in document["segments"]] == ["One.", "Two."]
    assert document["transcript"]["language"] == "en"
    assert document["summary"] is None


def test_srt_and_vtt_cues_have_the_right_clock_format() -> None:
    segments = (Segment(3661.5, 3662.25, "a <b> & --> c"),)
    assert to_srt(segments) == "1\n01:01:01,500 --> 01:01:02,250\na &lt;b&gt; &amp; -&gt; c\n"
    assert (
        to_vtt(segments) == "WEBVTT\n\n01:01:01.500 --> 01:01:02.250\na &lt;b&gt; &amp; -&gt; c\n"
    )


def test_the_same_recording_keeps_its_report_name(tmp_path: Path) -> None:
    first = Renderer().write(tmp_path, report_input("One."))
    again = Renderer().write(tmp_path, report_input("One, again."))
    assert again.markdown == first.markdown
    assert "One, again." in again.markdown.read_text()


def test_another_recording_with_the_same_name_gets_a_new_report(tmp_path: Path) -> None:
    first = Renderer().write(tmp_path, report_input("One.", sha="a" * 64))
    other = Renderer().write(tmp_path, report_input("Two.", sha="b" * 64))
    assert other.markdown.name == "2026-03-11_1430_team-sync-2.md"
    assert "One." in first.markdown.read_text()


def test_writing_leaves_no_temporary_files(tmp_path: Path) -> None:
    Renderer().write(tmp_path, report_input("One."))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]


def test_a_user_template_folder_overrides_the_default(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.md.j2").write_text("MY REPORT {{ title }}: {{ transcript.text }}\n")
    report = Renderer(templates).write(tmp_path / "out", report_input("Hello [x](y)."))
    assert report.markdown.read_text() == "MY REPORT Team Sync: Hello \\[x\\]\\(y\\).\n"


def test_templates_run_in_a_sandbox(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.md.j2").write_text("{{ title.__class__.__mro__[1].__subclasses__() }}")
    with pytest.raises(SecurityError):
        Renderer(templates).write(tmp_path / "out", report_input("x"))


def test_the_summary_shows_items_with_links_to_their_evidence_and_marks_unverified(
    tmp_path: Path,
) -> None:
    summary = Summary(
        title="Launch",
        overview="Ana and Ben met.",
        action_items=[
            ActionItem(
                owner="Ana", task="Send the [deck](http://x)", due=date(2026, 3, 13),
                due_phrase="by Friday",
                evidence=Evidence(quote="I'll send the deck by Friday.", start=0.0, speaker="Ana"),
            ),
            ActionItem(
                owner=None, task="Book the room", due=None, due_phrase=None,
                evidence=Evidence(quote="Someone books the room", start=None, verified=False),
            ),
        ],
        decisions=[
            Decision(text="Launch in May", evidence=Evidence(quote="We launch in May", start=3.0))
        ],
    )  # fmt: skip
    data = replace(
        report_input("I'll send the deck by Friday.", "We launch in May."), summary=summary
    )
    text = Renderer().write(tmp_path, data).markdown.read_text()
    assert (
        "| Ana | Send the \\[deck\\]\\(http://x\\) | 2026-03-13 (by Friday) | "
        "[00:00:00](#t0) Ana: “I'll send the deck by Friday.” |"
    ) in text
    assert "| _unassigned_ | Book the room ⚠ _unverified_ |" in text
    assert "- Launch in May — [00:00:03](#t3) “We launch in May”" in text
    assert "unverified_items: 1" in text
    assert '<a id="t0"></a>' in text and '<a id="t3"></a>' in text  # the links land somewhere


def hostile_summary() -> Summary:
    evidence = Evidence(quote=f"I'll send {HOSTILE} it.", start=0.0, speaker=f"Ana{HOSTILE}")
    return Summary(
        title=f"Launch {HOSTILE}",
        overview=f"Ana {HOSTILE} met.",
        key_points=[f"point {HOSTILE}"],
        decisions=[Decision(text=f"Ship {HOSTILE}", evidence=evidence)],
        action_items=[
            ActionItem(
                owner=f"Ana{HOSTILE}", task=f"Send {HOSTILE}", due=None,
                due_phrase=f"soon{HOSTILE}", evidence=evidence,
            )
        ],
        open_questions=[f"why {HOSTILE}?"],
        attendees=[f"Ben{HOSTILE}"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (f"Team {HOSTILE} sync.m4a", "Team [2J ]0;pwned 31m sync"),
        (f"Recording {HOSTILE}.m4a", "Launch [2J]0;pwned31m"),  # a made-up name: the summary's
    ],
    ids=["named", "generic"],
)
def test_control_characters_from_names_speech_and_summaries_never_reach_the_report(
    tmp_path: Path, name: str, title: str
) -> None:
    data = replace(
        report_input(f"I'll send {HOSTILE} it.", f"Then\tmore {HOSTILE}.", name=name),
        summary=hostile_summary(),
    )
    text = Renderer().write(tmp_path, data).markdown.read_text(encoding="utf-8")
    assert CONTROL.findall(text) == []
    front = yaml.safe_load(text.split("---\n")[1])
    # \r is a line break, so a space; the other controls go and the file name keeps its spaces.
    assert front["source"] == name.replace("\r", " ").translate(
        dict.fromkeys(map(ord, "\x1b\x07\x9b\x80\x00\u202e"))
    )
    assert front["title"] == title
    assert "pwned" in text.split("## Transcript", 1)[1]  # the words stay, only the controls go


def test_srt_cues_cannot_carry_tags_or_control_characters() -> None:
    segments = (Segment(0.0, 1.0, f"<script>alert(1)</script> <b>{HOSTILE}</b> <font color=red>"),)
    srt = to_srt(segments)
    assert "<" not in srt and ">" not in srt.replace("-->", "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;" in srt
    assert CONTROL.findall(srt.replace("\n", "")) == []
    assert CONTROL.findall(to_vtt(segments).replace("\n", "")) == []
