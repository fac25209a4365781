"""Speaker diarization: real espeak-ng voices, the real CAM++ graph, no mocks.

Fixtures come from tests/fixtures/make_diarize_fixtures.py (turn times in the .tsv beside each
FLAC).
"""

from __future__ import annotations

import itertools
from functools import cache
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest

from daemon.diarize import (
    ChunkEmbeddings,
    LocalDiarizer,
    SpeakerHints,
    SpeakerTurn,
    create_diarizer,
)
from daemon.diarize.assign import Word, WordSegment, assign_speakers
from daemon.diarize.embeddings import verify_model
from daemon.errors import ModelError

FIXTURES = Path(__file__).parent / "fixtures"
Ref = list[tuple[float, float, str]]


@cache
def clip(name: str) -> tuple[npt.NDArray[np.float32], Ref]:
    resampler = av.AudioResampler(format="flt", layout="mono", rate=16_000)
    parts = []
    with av.open(str(FIXTURES / f"{name}.flac")) as container:
        for frame in container.decode(container.streams.audio[0]):
            parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    rows = [line.split("\t") for line in (FIXTURES / f"{name}.tsv").read_text().splitlines()[1:]]
    return np.concatenate(parts).astype(np.float32), [
        (float(a), float(b), s) for a, b, s, _ in rows
    ]


@cache
def embedded(name: str) -> ChunkEmbeddings:
    samples, _ = clip(name)
    return LocalDiarizer().embed_chunk(samples, 0.0)


def correct_share(ref: Ref, turns: list[SpeakerTurn]) -> float:
    """Share of reference speech time labelled right under the best speaker mapping."""
    step = 0.01
    grid = np.arange(0, max(t[1] for t in ref), step) + step / 2
    truth = np.full(grid.size, "", dtype=object)
    for a, b, s in ref:
        truth[(grid >= a) & (grid < b)] = s
    guess = np.full(grid.size, "", dtype=object)
    for t in turns:
        guess[(grid >= t.start) & (grid < t.end)] = t.speaker
    refs, hyps = sorted({r[2] for r in ref}), sorted({t.speaker for t in turns})
    best = 0
    for perm in itertools.permutations(hyps, min(len(hyps), len(refs))):
        hits = sum(
            int(((truth == r) & (guess == h)).sum()) for r, h in zip(refs, perm, strict=False)
        )
        best = max(best, hits)
    return best / int((truth != "").sum())


class TestLocalDiarizer:
    @pytest.mark.parametrize(("name", "speakers"), [("diarize_two", 2), ("diarize_three", 3)])
    def test_finds_the_speakers_and_labels_their_speech(self, name: str, speakers: int) -> None:
        turns = LocalDiarizer().cluster([embedded(name)])
        assert len({t.speaker for t in turns}) == speakers
        assert correct_share(clip(name)[1], turns) >= 0.9

    def test_obeys_the_speaker_count_hint(self) -> None:
        turns = LocalDiarizer().cluster([embedded("diarize_three")], SpeakerHints(num_speakers=2))
        assert len({t.speaker for t in turns}) == 2

    def test_chunks_embedded_apart_and_checkpointed_cluster_like_one(self) -> None:
        samples, ref = clip("diarize_three")
        diarizer = LocalDiarizer()
        cut = samples.size // 2
        chunks = [
            diarizer.embed_chunk(samples[:cut], 0.0),
            diarizer.embed_chunk(samples[cut:], cut / 16_000),
        ]
        restored = [ChunkEmbeddings.from_bytes(c.to_bytes()) for c in chunks]
        assert all(len(c.to_bytes()) < 100_000 for c in chunks)
        turns = diarizer.cluster(restored)
        assert len({t.speaker for t in turns}) == 3
        assert correct_share(ref, turns) >= 0.9

    def test_a_recording_with_only_a_few_windows_still_clusters(self) -> None:
        full = embedded("diarize_two")
        few = ChunkEmbeddings(full.starts[:3], full.ends[:3], full.vectors[:3], full.regions[:1])
        turns = LocalDiarizer().cluster([few])
        assert len({t.speaker for t in turns}) == 1

    def test_none_diarizer_gives_no_turns(self) -> None:
        diarizer = create_diarizer("none")
        samples, _ = clip("diarize_two")
        assert diarizer.cluster([diarizer.embed_chunk(samples, 0.0)]) == []

    def test_unknown_diarizer_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown diarizer"):
            create_diarizer("pyannote")

    def test_a_model_file_that_is_not_the_converted_graph_is_refused(self, tmp_path: Path) -> None:
        fake = tmp_path / "campplus.onnx"
        fake.write_bytes(b"\0" * 1000)
        with pytest.raises(ModelError, match="is 1000 bytes, expected 28283940"):
            verify_model(fake)


def words_in(start: float, end: float, text: str) -> tuple[Word, ...]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return tuple(
        Word(start + i * step, start + (i + 1) * step - 0.02, " " + w) for i, w in enumerate(tokens)
    )


class TestAssignSpeakers:
    def test_a_segment_spanning_a_speaker_change_is_split_there(self) -> None:
        first = words_in(0.0, 3.0, "shall we go through the plan")
        second = words_in(3.4, 6.0, "yes the window seems too short")
        segment = WordSegment(0.0, 6.0, first + second)
        turns = [SpeakerTurn(0.0, 3.1, "S1"), SpeakerTurn(3.3, 6.0, "S2")]
        out = assign_speakers([segment], turns)
        assert [(s.speaker, s.text) for s in out] == [
            ("S1", "shall we go through the plan"),
            ("S2", "yes the window seems too short"),
        ]
        assert out[0].start == 0.0 and out[1].end == 6.0

    def test_real_turns_split_a_segment_covering_two_voices(self) -> None:
        _, ref = clip("diarize_two")
        turns = LocalDiarizer().cluster([embedded("diarize_two")])
        (a0, a1, _), (b0, b1, _) = ref[0], ref[1]
        segment = WordSegment(a0, b1, words_in(a0, a1, "good morning thanks for joining")
                              + words_in(b0, b1, "yes I looked at it last night"))  # fmt: skip
        out = assign_speakers([segment], turns)
        assert [s.text for s in out] == ["good morning thanks for joining",
                                        "yes I looked at it last night"]  # fmt: skip
        assert out[0].speaker != out[1].speaker

    def test_a_sub_second_turn_joins_its_context(self) -> None:
        words = words_in(0.0, 2.0, "we will ship it") + words_in(2.05, 2.4, "sure")
        words += words_in(2.45, 4.0, "on monday then")
        turns = [
            SpeakerTurn(0.0, 2.02, "S1"),
            SpeakerTurn(2.02, 2.42, "S2"),
            SpeakerTurn(2.42, 4.0, "S1"),
        ]
        out = assign_speakers([WordSegment(0.0, 4.0, words)], turns)
        assert [s.speaker for s in out] == ["S1"]

    def test_without_turns_segments_keep_no_speaker(self) -> None:
        segment = WordSegment(0.0, 1.0, words_in(0.0, 1.0, "hello there"))
        assert [s.speaker for s in assign_speakers([segment], [])] == [None]


class TestLinkingPerChunkLabels:
    """gpt-4o-transcribe-diarize labels each chunk afresh; voices link the labels across chunks."""

    @staticmethod
    def voice(seed: int) -> npt.NDArray[np.float32]:
        vector = np.random.default_rng(seed).normal(size=192).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def chunk(self, index: int, turns: list[tuple[float, float, str, int]]) -> Any:
        from daemon.models import ChunkTranscript, Segment

        segments = tuple(Segment(a, b, f"words {label}", speaker=label) for a, b, label, _ in turns)
        embedded = ChunkEmbeddings(
            np.array([a for a, _, _, _ in turns], dtype=np.float64),
            np.array([b for _, b, _, _ in turns], dtype=np.float64),
            np.stack([self.voice(v) for _, _, _, v in turns]),
        )
        start, end = turns[0][0], turns[-1][1]
        return ChunkTranscript(index, start, end, 0.0, "en", segments, 0.0, embedded.to_bytes())

    def test_the_same_voice_keeps_its_label_when_the_backend_swaps_letters(self) -> None:
        from daemon.diarize.linking import link_chunk_labels

        first = self.chunk(0, [(0, 5, "A", 1), (5, 10, "B", 2), (10, 15, "A", 1)])
        second = self.chunk(1, [(15, 20, "A", 2), (20, 25, "B", 1), (25, 30, "C", 3)])
        segments = [*first.segments, *second.segments]

        linked = link_chunk_labels(segments, [first, second])

        assert linked == ["G1", "G2", "G1", "G2", "G1", "G3"]

    def test_two_labels_of_one_chunk_stay_two_people_however_alike(self) -> None:
        from daemon.diarize.linking import link_chunk_labels

        only = self.chunk(0, [(0, 5, "A", 1), (5, 10, "B", 1)])
        assert link_chunk_labels(list(only.segments), [only]) == ["G1", "G2"]
