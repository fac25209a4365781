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


def test_features_computed_in_blocks_equal_faster_whispers_with_far_less_memory(
    meeting_clip: Path,
) -> None:
    import tracemalloc

    import numpy as np
    from faster_whisper.feature_extractor import FeatureExtractor

    from daemon.transcribe.features import blockwise_extractor

    audio = np.concatenate(list(decode_blocks(probe(meeting_clip)))).astype(np.float32) / 32768
    audio = np.tile(audio, 4)  # two minutes, so that blocks matter
    original = FeatureExtractor()
    blockwise = blockwise_extractor(FeatureExtractor())
    tracemalloc.start()
    expected = original(audio, chunk_length=30)
    original_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    actual = blockwise(audio, chunk_length=30)
    blockwise_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert actual.shape == expected.shape and actual.dtype == np.float32
    assert np.abs(actual - expected).max() < 1e-5
    assert blockwise_peak < original_peak / 2, (blockwise_peak, original_peak)


def test_the_loaded_model_uses_the_blockwise_features(transcriber: LocalTranscriber) -> None:
    extractor = transcriber._model().feature_extractor
    assert type(extractor).__name__ == "BlockwiseFeatureExtractor"
