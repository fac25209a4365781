"""The embedded transcriber: the real whisper-base model on real speech."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from conftest import fixture_text, word_error_rate

from daemon.audio import decode_blocks, probe, split_at_pauses
from daemon.models import Chunk
from daemon.sections import ChunkingSettings, TranscriberSettings
from daemon.transcribe.local import LocalTranscriber
from daemon.transcribe.speech import VadOptions, speech_probabilities, speech_regions


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


def _samples(clip: Path) -> np.ndarray:
    return np.concatenate(list(decode_blocks(probe(clip)))).astype(np.float32) / 32768


def _chunk(samples: np.ndarray, start: float = 0.0) -> Chunk:
    return Chunk(
        index=0, start=start, end=start + samples.size / 16000, overlap=0.0, samples=samples
    )


def test_a_silent_chunk_gives_no_segments_instead_of_hallucinations(
    transcriber: LocalTranscriber,
) -> None:
    silent = _chunk(np.zeros(90 * 16000, np.float32))
    result = transcriber.transcribe(silent, language=None, prompt="")
    assert result.segments == ()


def test_vad_skips_a_long_pause_and_keeps_times_absolute(
    transcriber: LocalTranscriber, meeting_clip: Path
) -> None:
    speech = _samples(meeting_clip)
    pause = np.zeros(45 * 16000, np.float32)
    chunk = _chunk(np.concatenate([speech, pause, speech]), start=100.0)
    result = transcriber.transcribe(chunk, language="en", prompt="")
    first, second = 100.0 + speech.size / 16000, 100.0 + (speech.size + pause.size) / 16000
    assert not [s for s in result.segments if first + 1 < s.start and s.end < second - 1]
    before = [s.text for s in result.segments if s.end <= first + 1]
    after = [s.text for s in result.segments if s.start >= second - 1]
    for said in (before, after):
        text = " ".join(said)
        assert word_error_rate(fixture_text("meeting"), text) < 0.25, text


def test_vad_finds_the_same_speech_as_faster_whispers_filter(meeting_clip: Path) -> None:
    from faster_whisper.vad import VadOptions as WhisperVadOptions
    from faster_whisper.vad import get_speech_timestamps, get_vad_model

    speech = _samples(meeting_clip)
    lead_in, pause = np.zeros(5 * 16000, np.float32), np.zeros(40 * 16000 + 77, np.float32)
    audio = np.concatenate([lead_in, speech, pause, speech])
    padded = np.pad(audio, (0, 512 - audio.size % 512))
    assert np.array_equal(speech_probabilities(audio), get_vad_model()(padded).reshape(-1))
    theirs = get_speech_timestamps(audio, WhisperVadOptions(min_silence_duration_ms=2000))
    ours = speech_regions(audio, VadOptions(min_silence_ms=2000, merge_gap_s=0.0))
    assert ours == [(r["start"] / 16000, r["end"] / 16000) for r in theirs]
    assert len(ours) == 2


def test_a_chunks_speech_is_scored_once_for_the_transcriber_and_the_diarizer(
    meeting_clip: Path,
) -> None:
    speech = _samples(meeting_clip)
    first = speech_probabilities(speech)
    assert speech_probabilities(speech) is first  # the diarizer's call reuses the model's pass
    assert not first.flags.writeable  # shared, so nobody may change it
    # Another array, even with the same samples, is scored afresh (and alike).
    copy = speech.copy()
    again = speech_probabilities(copy)
    assert again is not first
    assert np.array_equal(again, first)
    # A chunk that is gone is not remembered as the next one.
    del speech, copy
    other = np.zeros(16000, np.float32)
    assert speech_probabilities(other) is not first
    assert float(speech_probabilities(other).max()) < 0.5


def test_checkpoints_with_and_without_vad_have_different_provenance() -> None:
    with_vad = LocalTranscriber(TranscriberSettings(vad=True)).provenance()
    without = LocalTranscriber(TranscriberSettings(vad=False)).provenance()
    assert with_vad.options["vad"] is True and without.options["vad"] is False
    assert with_vad.options != without.options


def test_feature_blocks_read_the_padded_signal_without_building_it() -> None:
    from daemon.transcribe.features import _piece

    rng = np.random.default_rng(8)
    for size in (201, 1000, 16000):
        samples = rng.standard_normal(size).astype(np.float32)
        expected = np.pad(np.pad(samples, (0, 160)), (200, 200), mode="reflect")
        for start, stop in (
            (0, 400),
            (0, expected.size),
            (300, 700),
            (expected.size - 500, expected.size),
        ):
            piece = _piece(samples, 160, 200, max(start, 0), stop)
            assert np.array_equal(piece, expected[max(start, 0) : stop]), (size, start, stop)
