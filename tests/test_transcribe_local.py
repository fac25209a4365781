"""The embedded transcriber: the real whisper-base model on real speech."""

from __future__ import annotations

from pathlib import Path

from conftest import fixture_text, word_error_rate

from daemon.audio import decode_blocks, probe, split_at_pauses
from daemon.config import ChunkingSettings
from daemon.transcribe.local import LocalTranscriber


def test_speech_is_transcribed_with_detected_language(
    transcriber: LocalTranscriber, hello_clip: Path
) -> None:
    (chunk,) = split_at_pauses(decode_blocks(probe(hello_clip)), ChunkingSettings())
    result = transcriber.transcribe(chunk, language=None, prompt="")
    assert result.language == "en"
    text = " ".join(s.text for s in result.segments)
    assert word_error_rate(fixture_text("hello"), text) < 0.15, text
    assert all(0.0 < s.confidence <= 1.0 for s in result.segments)


def test_segment_times_are_absolute_within_the_recording(
    transcriber: LocalTranscriber, meeting_clip: Path
) -> None:
    settings = ChunkingSettings(max_seconds=12, search_seconds=6)
    chunks = list(split_at_pauses(decode_blocks(probe(meeting_clip)), settings))
    later = chunks[-1]
    assert later.start > 10.0
    result = transcriber.transcribe(later, language="en", prompt="")
    assert result.segments
    for segment in result.segments:
        assert later.start <= segment.start < segment.end <= later.end


def test_the_model_resolves_without_any_download(transcriber: LocalTranscriber) -> None:
    assert Path(transcriber.model_path).is_dir()
    assert (Path(transcriber.model_path) / "model.bin").is_file()
