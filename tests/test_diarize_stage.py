"""Who said it, end to end: real espeak-ng voices through the real model, diarizer and ledger.

The clips come from tests/fixtures/make_diarize_fixtures.py: ``diarize_names`` is a two-person
meeting where Maria introduces herself and Oliver is greeted and thanked by name;
``diarize_again`` is the same two voices in a meeting where nobody says a name.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from daemon.assembly import pipeline_for as build_pipeline
from daemon.cli import cli
from daemon.ledger import Ledger
from daemon.models import Chunk, ChunkTranscript, Provenance
from daemon.transcribe.local import LocalTranscriber


def drop(name: str, folder: Path, as_name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(FIXTURES / f"{name}.flac", folder / (as_name or f"{name}.flac")))


def process(settings: Any, transcriber: Any, source: Path) -> tuple[Any, Any]:
    with Ledger(settings.database) as ledger:
        outcome = build_pipeline(settings, ledger, transcriber).submit(source, from_inbox=False)
        assert outcome.state == "done", outcome.reason
        assert outcome.recording_id is not None
        transcript = ledger.transcript(outcome.recording_id)
    return outcome, transcript


def test_speakers_are_named_from_introductions_and_address_and_shown_in_every_output(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    outcome, transcript = process(settings, transcriber, drop("diarize_names", tmp_path))

    assert [s.display for s in transcript.speakers] == ["Maria", "Oliver"]
    said: dict[str, str] = {}
    for segment in transcript.segments:
        said[segment.speaker] = f"{said.get(segment.speaker, '')} {segment.text}"
    assert "finance team" in said["Maria"] and "travel numbers on Friday" in said["Oliver"]
    report = outcome.report
    markdown = report.read_text()
    assert "**Speakers:** Maria" in markdown
    assert "**Oliver:**" in markdown
    assert "Oliver: " in report.with_suffix(".srt").read_text()
    assert "<v Maria>" in report.with_suffix(".vtt").read_text()
    document = json.loads(report.with_suffix(".json").read_text())
    assert [s["name"] for s in document["speakers"]] == ["Maria", "Oliver"]
    assert all(seg["words"] for seg in document["segments"])
    rttm = report.with_suffix(".rttm").read_text().splitlines()
    assert {line.split()[7] for line in rttm} == {"Maria", "Oliver"}


def test_the_models_are_let_go_once_the_chunks_are_done_and_come_back_for_the_next_recording(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    # The stages after transcription load spaCy and the passage embedder; Whisper and the voice
    # graph held beside them took a 3-hour recording over its memory bar.
    from daemon.diarize import embeddings
    from daemon.transcribe import local

    settings = make_settings()
    transcriber.load()
    first, _ = process(settings, transcriber, drop("diarize_names", tmp_path))
    assert local._load.cache_info().currsize == 0
    assert not embeddings.loaded()
    second, transcript = process(settings, transcriber, drop("diarize_again", tmp_path))
    assert second.recording_id != first.recording_id
    assert len(transcript.speakers) == 2  # both models were loaded again and did their work
    assert local._load.cache_info().currsize == 0


def test_who_commits_owns_the_action_item(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    outcome, _ = process(settings, transcriber, drop("diarize_names", tmp_path))

    with Ledger(settings.database) as ledger:
        stored = ledger.summary(outcome.recording_id)
    assert stored is not None
    owners = {item.owner for item in stored[1].action_items}
    assert "Oliver" in owners  # "Sure, I will send the travel numbers on Friday morning."
    assert owners <= {"Maria", "Oliver", None}


class PromptRecorder:
    """The real transcriber, keeping the prompt each chunk was given."""

    name = "local"
    concurrency = 1
    max_chunk_seconds = None
    word_times = True

    def __init__(self, inner: LocalTranscriber) -> None:
        self.inner = inner
        self.prompts: list[str] = []

    def load(self) -> None:
        self.inner.load()

    def release(self) -> None:
        self.inner.release()

    def provenance(self) -> Provenance:
        return self.inner.provenance()

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        self.prompts.append(prompt)
        return self.inner.transcribe(chunk, language=language, prompt=prompt, words=words)


class GraphWatcher(PromptRecorder):
    """The real transcriber, noting whether the voice graph is resident as each chunk starts."""

    def __init__(self, inner: LocalTranscriber) -> None:
        super().__init__(inner)
        self.graph_loaded: list[bool] = []

    def transcribe(
        self, chunk: Chunk, *, language: str | None, prompt: str, words: bool = False
    ) -> ChunkTranscript:
        from daemon.diarize import embeddings

        self.graph_loaded.append(embeddings.loaded())
        return super().transcribe(chunk, language=language, prompt=prompt, words=words)


def test_the_voice_graph_is_not_resident_while_a_chunk_is_transcribed(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    # Its buffers under Whisper's decoding were the 3-hour recording's peak over the bar.
    settings = make_settings(**{"chunking.max_seconds": 10, "chunking.search_seconds": 3})
    watcher = GraphWatcher(transcriber)
    _, transcript = process(settings, watcher, drop("diarize_names", tmp_path))

    assert len(watcher.graph_loaded) >= 2
    assert not any(watcher.graph_loaded)
    assert len(transcript.speakers) == 2  # embedded chunk by chunk all the same


def test_a_roster_beside_the_recording_primes_the_transcriber_and_bounds_the_names(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    source = drop("diarize_names", tmp_path)
    source.with_name(source.name + ".attendees.txt").write_text("Maria\nOliver\n")
    recorder = PromptRecorder(transcriber)
    _, transcript = process(settings, recorder, source)

    assert recorder.prompts and "Maria, Oliver" in recorder.prompts[0]
    assert {s.name for s in transcript.speakers} == {"Maria", "Oliver"}


def test_without_names_in_the_conversation_speakers_stay_numbered(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    outcome, transcript = process(settings, transcriber, drop("diarize_again", tmp_path))

    assert [s.display for s in transcript.speakers] == ["Speaker 1", "Speaker 2"]
    assert "**Speaker 2:**" in outcome.report.read_text()


def test_renaming_a_speaker_renders_the_report_again_under_the_same_file_names(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    outcome, _ = process(settings, transcriber, drop("diarize_again", tmp_path))
    before = sorted(p.name for p in settings.outbox.iterdir())

    state = ["--state-dir", str(settings.state_dir), "--outbox", str(settings.outbox)]
    args = ["speakers", *state, "rename", str(outcome.recording_id), "Speaker 2", "Oliver"]
    result = CliRunner().invoke(cli, args)

    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in settings.outbox.iterdir()) == before
    markdown = outcome.report.read_text()
    assert "**Oliver:**" in markdown and "Speaker 2" not in markdown
    with Ledger(settings.database) as ledger:
        stored = ledger.summary(outcome.recording_id)
        transcript = ledger.transcript(outcome.recording_id)
    assert transcript is not None
    assert [(s.display, s.source) for s in transcript.speakers][1] == ("Oliver", "user")
    assert stored is not None
    # "I will prepare the revised budget by Thursday" is now Oliver's.
    assert "Oliver" in {item.owner for item in stored[1].action_items}


def test_renaming_a_speaker_that_does_not_exist_says_which_ones_do(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings()
    outcome, _ = process(settings, transcriber, drop("diarize_again", tmp_path))
    args = ["speakers", "--state-dir", str(settings.state_dir), "rename"]
    result = CliRunner().invoke(cli, [*args, str(outcome.recording_id), "Speaker 9", "Zoe"])
    assert result.exit_code != 0
    assert "S1 (Speaker 1), S2 (Speaker 2)" in str(result.exception or result.output)


def test_a_voice_named_in_one_meeting_is_recognised_in_the_next_when_profiles_are_on(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings(**{"diarizer.voice_profiles": True})
    process(settings, transcriber, drop("diarize_names", tmp_path))
    with Ledger(settings.database) as ledger:
        assert {p.name for p in ledger.speakers.profiles()} == {"Maria", "Oliver"}

    _, transcript = process(settings, transcriber, drop("diarize_again", tmp_path))

    assert [(s.display, s.source) for s in transcript.speakers] == [
        ("Maria", "profile"),
        ("Oliver", "profile"),
    ]


def test_voice_profiles_are_off_by_default_and_forget_deletes_them(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    off = make_settings()
    process(off, transcriber, drop("diarize_names", tmp_path))
    with Ledger(off.database) as ledger:
        assert ledger.speakers.profiles() == []

    on = make_settings(**{"diarizer.voice_profiles": True, "state_dir": tmp_path / "on"})
    process(on, transcriber, drop("diarize_names", tmp_path / "again"))
    state = ["--state-dir", str(on.state_dir)]
    listed = CliRunner().invoke(cli, ["speakers", *state])
    assert "Maria: 1 meeting(s)" in listed.output
    forgot = CliRunner().invoke(cli, ["speakers", *state, "forget", "Maria"])
    assert forgot.exit_code == 0, forgot.output
    with Ledger(on.database) as ledger:
        assert [p.name for p in ledger.speakers.profiles()] == ["Oliver"]
    wiped = CliRunner().invoke(cli, ["speakers", *state, "forget", "--all"])
    assert "deleted 1 voice profile(s)" in wiped.output


def test_with_the_diarizer_off_nothing_carries_a_speaker(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    settings = make_settings(**{"diarizer.name": "none"})
    outcome, transcript = process(settings, transcriber, drop("diarize_names", tmp_path))
    assert transcript.speakers == ()
    assert {s.speaker for s in transcript.segments} == {None}
    assert not outcome.report.with_suffix(".rttm").exists()


@pytest.mark.parametrize("hint", [{"diarizer.num_speakers": 1}, {"diarizer.max_speakers": 1}])
def test_a_speaker_count_hint_is_obeyed(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path, hint: dict[str, int]
) -> None:
    settings = make_settings(**hint)
    _, transcript = process(settings, transcriber, drop("diarize_names", tmp_path))
    assert len(transcript.speakers) == 1


def test_a_roster_beside_a_recording_in_the_inbox_moves_with_it_to_the_archive(
    make_settings: Any, transcriber: LocalTranscriber
) -> None:
    settings = make_settings()
    source = drop("diarize_names", settings.inbox, "2026-03-02 budget.flac")
    source.with_name(source.name + ".attendees.txt").write_text("Maria\nOliver\n")
    with Ledger(settings.database) as ledger:
        outcome = build_pipeline(settings, ledger, transcriber).submit(source, from_inbox=True)
    assert outcome.state == "done", outcome.reason
    assert sorted(p.name for p in settings.inbox.iterdir()) == []
    assert sorted(p.name for p in settings.archive.iterdir()) == [
        "2026-03-02 budget.flac",
        "2026-03-02 budget.flac.attendees.txt",
    ]


def test_diarizing_again_with_new_hints_relabels_from_the_voices_not_the_old_labels(
    make_settings: Any, transcriber: LocalTranscriber, tmp_path: Path
) -> None:
    from daemon.diarize import create_diarizer
    from daemon.diarize.stage import DiarizeStage
    from daemon.stages import Job

    settings = make_settings()
    outcome, first = process(settings, transcriber, drop("diarize_names", tmp_path))
    assert len(first.speakers) == 2
    hinted = make_settings(**{"diarizer.num_speakers": 1})
    with Ledger(settings.database) as ledger:
        row = ledger.get(outcome.recording_id)
        stage = DiarizeStage(hinted, ledger, create_diarizer("local"), row.plan_key or "")
        job = Job(row=row, from_inbox=False, started=0.0, transcript=first)
        assert stage.resume(job) is None  # another key: the stored labels do not count
        again = stage.run(job).need_transcript()
    assert [s.label for s in again.speakers] == ["S1"]
