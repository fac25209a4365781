"""Reports: escaped speech, front matter, sidecars, stable names, templates, speakers."""

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
from daemon.models import Provenance, Recording, Segment, Speaker, Transcript, Word
from daemon.render import Renderer, ReportInput, sidecar_paths
from daemon.stages import with_speakers_as_attendees
from daemon.subtitles import to_rttm, to_srt, to_vtt
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


# Speakers (issue 9) --------------------------------------------------------------------------

INES = Speaker("S1", "Ines", seconds=42.0, confidence=0.9, source="introduction")
TOMASZ = Speaker("S2", "Tomasz", seconds=31.0, confidence=0.8, source="address")
THIRD = Speaker("S3", None, seconds=27.0)


def diarized(
    *turns: tuple[str | None, str], speakers: tuple[Speaker, ...] = (INES, TOMASZ, THIRD)
) -> ReportInput:
    """A report input whose segments (3 s apart, 2.5 s long) carry the given speakers."""
    segments = tuple(
        Segment(i * 3.0, i * 3.0 + 2.5, text, 0.9, speaker=who)
        for i, (who, text) in enumerate(turns)
    )
    data = report_input()
    transcript = replace(
        data.transcript, segments=segments, paragraphs=paragraphs(segments), speakers=speakers
    )
    return replace(data, transcript=transcript)


def transcript_lines(text: str) -> list[str]:
    body = text.split("## Transcript", 1)[1]
    return [line for line in body.splitlines() if line.startswith("**[")]


def test_paragraphs_split_where_the_speaker_changes_even_without_a_pause() -> None:
    segments = [
        Segment(0.0, 2.0, "Hi Tomasz.", speaker="Ines"),
        Segment(2.1, 4.0, "Hi.", speaker="Tomasz"),
        Segment(4.1, 6.0, "Shall we?", speaker="Tomasz"),
        Segment(6.1, 8.0, "Yes.", speaker="Ines"),
    ]
    groups = paragraphs(segments)
    assert [(p.segments[0].speaker, p.text) for p in groups] == [
        ("Ines", "Hi Tomasz."),
        ("Tomasz", "Hi. Shall we?"),
        ("Ines", "Yes."),
    ]


def test_every_markdown_paragraph_starts_with_its_speakers_name(tmp_path: Path) -> None:
    data = diarized(
        ("Ines", "Hi all."), ("Tomasz", "Hello."), ("Tomasz", "Go on."), ("Ines", "Ok.")
    )
    lines = transcript_lines(Renderer().write(tmp_path, data).markdown.read_text())
    assert lines == [
        '**[00:00:00]** **Ines:** <a id="t0"></a>Hi all.',
        '**[00:00:03]** **Tomasz:** <a id="t3"></a>Hello. <a id="t6"></a>Go on.',
        '**[00:00:09]** **Ines:** <a id="t9"></a>Ok.',
    ]


def test_paragraphs_grouped_before_diarization_are_split_by_speaker(tmp_path: Path) -> None:
    data = diarized(("Ines", "Hi all."), ("Tomasz", "Hello."))
    stale = paragraphs([replace(s, speaker=None) for s in data.transcript.segments])
    assert len(stale) == 1  # merge grouped them as one voice
    data = replace(data, transcript=replace(data.transcript, paragraphs=stale))
    report = Renderer().write(tmp_path, data)
    lines = transcript_lines(report.markdown.read_text())
    assert [line.split("** **")[1].split(":")[0] for line in lines] == ["Ines", "Tomasz"]
    document = json.loads(report.markdown.with_suffix(".json").read_text())
    assert [p["speaker"] for p in document["transcript"]["paragraphs"]] == ["Ines", "Tomasz"]


def test_srt_cues_start_with_the_speakers_name() -> None:
    segments = (Segment(0.0, 1.0, "Hi.", speaker="Ines"), Segment(1.0, 2.0, "No speaker."))
    assert to_srt(segments) == (
        "1\n00:00:00,000 --> 00:00:01,000\nInes: Hi.\n\n"
        "2\n00:00:01,000 --> 00:00:02,000\nNo speaker.\n"
    )


@pytest.mark.parametrize(
    ("name", "voice"),
    [
        ("Ines", "<v Ines>"),
        ("Ana María", "<v Ana María>"),
        ("<script>", "<v &lt;script&gt;>"),
        ("a>b", "<v a&gt;b>"),
        ("x --> y", "<v x --&gt; y>"),
        ("Tom & Jerry", "<v Tom &amp; Jerry>"),
        ("two\nlines\r\nhere", "<v two lines here>"),
        (f"Ana{HOSTILE}", "<v Ana[2J]0;pwned31m>"),
    ],
    ids=["plain", "space", "tag", "gt", "arrow", "amp", "newlines", "controls"],
)
def test_vtt_cues_use_voice_spans_with_the_name_escaped(name: str, voice: str) -> None:
    vtt = to_vtt((Segment(0.0, 1.0, "I <b>said</b> so.", speaker=name),))
    cue = vtt.split("\n\n", 1)[1]
    assert cue == f"00:00:00.000 --> 00:00:01.000\n{voice}I &lt;b&gt;said&lt;/b&gt; so.\n"
    annotation = cue.split("\n")[1].removeprefix("<v ").split(">", 1)[0]
    assert "&" not in annotation.replace("&lt;", "").replace("&gt;", "").replace("&amp;", "")
    assert CONTROL.findall(cue.replace("\n", "")) == []
    assert ": " not in cue  # the voice span replaces the SRT-style prefix


def test_a_vtt_cue_without_a_speaker_has_no_voice_span() -> None:
    for name in (None, "", "\x1b\x07"):
        vtt = to_vtt((Segment(0.0, 1.0, "Hi.", speaker=name),))
        assert vtt == "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHi.\n"


def test_json_carries_the_speakers_their_words_and_each_paragraphs_speaker(tmp_path: Path) -> None:
    data = diarized(("Ines", "Hi all."), ("Tomasz", "Hello."))
    words = (Word(0.0, 0.5, " Hi", 0.9), Word(0.6, 1.2, " all.", 0.8))
    first = replace(data.transcript.segments[0], words=words)
    segments = (first, *data.transcript.segments[1:])
    data = replace(data, transcript=replace(data.transcript, segments=segments))
    report = Renderer().write(tmp_path, data)
    document = json.loads(report.markdown.with_suffix(".json").read_text())
    assert document["speakers"] == [s.to_dict() for s in (INES, TOMASZ, THIRD)]
    assert document["speakers"][2]["display"] == "Speaker 3"
    assert [s["speaker"] for s in document["segments"]] == ["Ines", "Tomasz"]
    assert document["segments"][0]["words"] == [[0.0, 0.5, " Hi", 0.9], [0.6, 1.2, " all.", 0.8]]
    assert [(p["speaker"], p["text"]) for p in document["transcript"]["paragraphs"]] == [
        ("Ines", "Hi all."),
        ("Tomasz", "Hello."),
    ]


def test_json_has_no_speakers_when_diarization_is_off(tmp_path: Path) -> None:
    report = Renderer().write(tmp_path, report_input("One."))
    document = json.loads(report.markdown.with_suffix(".json").read_text())
    assert document["speakers"] == []
    assert document["transcript"]["paragraphs"][0]["speaker"] is None


def parse_rttm(text: str) -> list[tuple[str, float, float, str]]:
    """(file id, onset, offset, speaker) of each line, checked against the RTTM layout."""
    turns = []
    for line in text.splitlines():
        fields = line.split()
        assert len(fields) == 10, line
        kind, file_id, channel, onset, duration, ortho, stype, name, conf, lookahead = fields
        assert (kind, channel, ortho, stype, conf, lookahead) == (
            "SPEAKER", "1", "<NA>", "<NA>", "<NA>", "<NA>",
        )  # fmt: skip
        assert re.fullmatch(r"\d+\.\d{3}", onset) and re.fullmatch(r"\d+\.\d{3}", duration)
        turns.append((file_id, float(onset), float(onset) + float(duration), name))
    return turns


def test_rttm_has_one_line_per_speaker_turn(tmp_path: Path) -> None:
    data = diarized(
        ("Ines", "Hi all."),
        ("Ines", "Let us start."),
        ("Tomasz", "Fine."),
        ("Speaker 3", "Me too."),
        ("Ines", "Good."),
        speakers=(INES, TOMASZ, THIRD),
    )
    report = Renderer().write(tmp_path, data)
    rttm = report.markdown.with_suffix(".rttm")
    assert rttm in report.sidecars
    assert parse_rttm(rttm.read_text()) == [
        ("2026-03-11_1430_team-sync", 0.0, 5.5, "Ines"),  # two segments, one turn
        ("2026-03-11_1430_team-sync", 6.0, 8.5, "Tomasz"),
        ("2026-03-11_1430_team-sync", 9.0, 11.5, "Speaker_3"),  # no white space inside a field
        ("2026-03-11_1430_team-sync", 12.0, 14.5, "Ines"),
    ]


def test_rttm_times_keep_milliseconds_and_names_lose_all_white_space() -> None:
    segments = (
        Segment(1.2344, 2.0006, "a", speaker="Ana\tMaría  de\nla Cruz"),
        Segment(2.1, 3.0, "b", speaker="Ana\tMaría  de\nla Cruz"),
        Segment(3.0, 3.0, "uh", speaker="Ben"),  # no length: no speech to score
    )
    assert parse_rttm(to_rttm(segments, "my meeting")) == [
        ("my_meeting", 1.234, 3.0, "Ana_María_de_la_Cruz")
    ]


def test_a_long_silence_or_an_unlabelled_segment_ends_a_speakers_turn() -> None:
    segments = (
        Segment(0.0, 1.0, "a", speaker="Ines"),
        Segment(5.0, 6.0, "b", speaker="Ines"),  # 4 s of silence: counted as speech if joined
        Segment(6.5, 7.0, "c"),
        Segment(7.5, 8.0, "d", speaker="Ines"),
    )
    assert [(t[1], t[2]) for t in parse_rttm(to_rttm(segments, "x"))] == [
        (0.0, 1.0),
        (5.0, 6.0),
        (7.5, 8.0),
    ]


def test_no_rttm_is_written_without_speakers_and_a_stale_one_goes(tmp_path: Path) -> None:
    first = Renderer().write(tmp_path, diarized(("Ines", "Hi."), ("Tomasz", "Hello.")))
    rttm = first.markdown.with_suffix(".rttm")
    assert rttm.exists()
    again = Renderer().write(tmp_path, report_input("Hi.", "Hello."))
    assert again.markdown == first.markdown
    assert not rttm.exists()
    assert [p.suffix for p in again.sidecars] == [".srt", ".vtt", ".json"]


def test_sidecar_paths_match_what_write_produced(tmp_path: Path) -> None:
    with_speakers = Renderer().write(tmp_path, diarized(("Ines", "Hi.")))
    assert with_speakers.sidecars == sidecar_paths(with_speakers.markdown, True)
    assert all(p.exists() for p in with_speakers.sidecars)
    without = Renderer().write(tmp_path / "off", report_input("Hi."))
    assert without.sidecars == sidecar_paths(without.markdown, False)


def test_the_header_lists_speakers_with_their_share_of_speaking_time(tmp_path: Path) -> None:
    speakers = (TOMASZ, INES, THIRD)  # order of first speech; the header ranks by time
    data = diarized(("Tomasz", "Hi."), ("Ines", "Hello."), speakers=speakers)
    text = Renderer().write(tmp_path, data).markdown.read_text()
    assert "**Speakers:** Ines (42 %), Tomasz (31 %), Speaker 3 (27 %)\n" in text
    plain = Renderer().write(tmp_path / "off", report_input("Hi.")).markdown.read_text()
    assert "**Speakers:**" not in plain


def test_hostile_speaker_names_stay_text_everywhere_in_the_report(tmp_path: Path) -> None:
    script = Speaker("S1", "<script>", seconds=10.0)
    link = Speaker("S2", f"[x](y){HOSTILE}", seconds=10.0)
    data = diarized(("<script>", "Hi."), (link.display, "Hello."), speakers=(script, link))
    data = replace(data, summary=Summary(title="T", overview="O.", attendees=["<script>"]))
    text = Renderer().write(tmp_path, data).markdown.read_text()
    assert "<script>" not in text and "[x](y)" not in text
    assert CONTROL.findall(text.replace("\n", "")) == []
    assert r"**Speakers:** \<script\> (50 %), \[x\]\(y\)\[2J\]0;pwned31m (50 %)" in text
    assert r"**Attendees:** \<script\>, \[x\]\(y\)\[2J\]0;pwned31m" in text
    assert r"**[00:00:00]** **\<script\>:**" in text


def test_attendees_are_the_named_speakers_not_capitalised_words(tmp_path: Path) -> None:
    summary = Summary(
        title="Sync", overview="They met.", attendees=["Wonderful", "Better", "ines", "Bye"]
    )
    data = replace(diarized(("Ines", "Wonderful."), ("Tomasz", "Better. Bye.")), summary=summary)
    text = Renderer().write(tmp_path, data).markdown.read_text()
    # Speaker 3 has no name, so is no attendee; "ines" is Ines, listed once as the speaker is.
    assert "**Attendees:** Ines, Tomasz\n" in text
    assert "Wonderful," not in text and "Better," not in text


def test_roster_names_are_attendees_even_when_they_said_nothing(tmp_path: Path) -> None:
    speakers = diarized(("Ines", "Wonderful."), ("Tomasz", "Better. Bye.")).transcript.speakers
    summary = with_speakers_as_attendees(
        Summary(title="Sync", overview="They met.", attendees=["Wonderful"]),
        speakers,
        roster=("Tomasz", "Priya"),
    )
    assert summary.attendees == ["Ines", "Tomasz", "Priya"]
    data = replace(
        diarized(("Ines", "Wonderful."), ("Tomasz", "Better. Bye.")),
        summary=summary,
        roster=("Tomasz", "Priya"),
    )
    text = Renderer().write(tmp_path, data).markdown.read_text()
    assert "**Attendees:** Ines, Tomasz, Priya\n" in text


def test_without_speakers_the_summarys_attendees_are_kept(tmp_path: Path) -> None:
    summary = Summary(title="Sync", overview="They met.", attendees=["Ana", "Ben"])
    data = replace(report_input("Hi Ana.", "Hi Ben."), summary=summary)
    text = Renderer().write(tmp_path, data).markdown.read_text()
    assert "**Attendees:** Ana, Ben\n" in text
