"""Audio: probing rejects what cannot be used; decoding streams; chunks end at pauses."""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from conftest import RATE, silence, tone, write_wav

from daemon.audio import decode_blocks, probe, split_at_pauses
from daemon.errors import InputError
from daemon.sections import ChunkingSettings


def chunking(**values: float) -> ChunkingSettings:
    return ChunkingSettings(**values)  # type: ignore[arg-type]


class TestProbe:
    def test_reads_duration_format_and_channels(self, meeting_clip: Path) -> None:
        info = probe(meeting_clip)
        assert info.format == "flac"
        assert info.duration == pytest.approx(33.6, abs=0.1)
        assert info.channels == 1
        assert info.sample_rate == RATE

    def test_reads_the_creation_time_from_container_metadata(self, tmp_path: Path) -> None:
        path = tmp_path / "dated.m4a"
        with av.open(str(path), "w") as container:
            container.metadata["creation_time"] = "2026-03-11T14:30:00Z"
            stream = container.add_stream("aac", rate=RATE, layout="mono")
            frame = av.AudioFrame.from_ndarray(
                tone(1.0).reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = RATE
            for packet in [*stream.encode(frame), *stream.encode(None)]:
                container.mux(packet)
        info = probe(path)
        assert info.creation_time is not None
        assert info.creation_time.isoformat() == "2026-03-11T14:30:00+00:00"

    def test_an_empty_file_is_rejected(self, tmp_path: Path) -> None:
        empty = tmp_path / "empty.wav"
        empty.touch()
        with pytest.raises(InputError, match=r"is empty \(0 bytes\)"):
            probe(empty)

    def test_random_bytes_named_mp3_are_rejected(self, tmp_path: Path) -> None:
        noise = tmp_path / "noise.mp3"
        noise.write_bytes(np.random.default_rng(1).bytes(50_000))
        with pytest.raises(
            InputError, match=r"not a readable audio|cannot be decoded|no decodable"
        ):
            info = probe(noise)
            list(decode_blocks(info))

    def test_a_folder_named_like_audio_is_rejected(self, tmp_path: Path) -> None:
        folder = tmp_path / "x.wav"
        folder.mkdir()
        with pytest.raises(InputError, match="is a folder"):
            probe(folder)

    def test_a_file_over_the_size_cap_is_rejected(self, meeting_clip: Path) -> None:
        with pytest.raises(InputError, match="too large"):
            probe(meeting_clip, max_bytes=1000)

    def test_a_video_without_sound_is_rejected(self, tmp_path: Path) -> None:
        path = tmp_path / "silent-film.mp4"
        with av.open(str(path), "w") as container:
            stream = container.add_stream("mpeg4", rate=5)
            stream.width, stream.height = 64, 48
            for _ in range(5):
                image = np.zeros((48, 64, 3), dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(image, format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode(None):
                container.mux(packet)
        with pytest.raises(InputError, match="has no audio stream"):
            probe(path)


def silent_opus(path: Path, hours: float) -> Path:
    """Hours of silence as low-bitrate Opus, the shape of issue 8's audio bomb (~0.9 MB/h).

    One minute is encoded, then looped by stream copy: encoding nine hours would take minutes.
    """
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    minute = path.with_name("minute.opus")
    quiet = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(
        [*quiet, "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "60",
         "-c:a", "libopus", "-b:a", "6k", "-frame_duration", "120", str(minute)],
        check=True,
    )  # fmt: skip
    loops = round(hours * 60) - 1
    subprocess.run(
        [*quiet, "-stream_loop", str(loops), "-i", str(minute), "-c", "copy", str(path)],
        check=True,
    )
    return path


class TestDurationCap:
    def test_hours_of_silent_opus_are_rejected_at_probe_without_decoding(
        self, tmp_path: Path
    ) -> None:
        bomb = silent_opus(tmp_path / "bomb.opus", hours=9)
        assert bomb.stat().st_size < 10 * 2**20
        with pytest.raises(
            InputError, match=r"too long: it lasts 9\.0 h; the limit max_duration_hours is 8\.0 h"
        ):
            probe(bomb, max_seconds=8 * 3600)

    def test_a_header_that_understates_the_length_is_stopped_at_the_cap(
        self, tmp_path: Path
    ) -> None:
        bomb = silent_opus(tmp_path / "bomb.opus", hours=0.2)
        # What probe returns for a file that claims 5 minutes: the cap travels with it.
        info = dataclasses.replace(probe(bomb), duration=300.0, max_seconds=360.0)
        decoded = 0
        with pytest.raises(InputError, match=r"too long: it decodes to more than 360 s"):
            for block in decode_blocks(info):
                decoded += block.size
        assert 359 * RATE < decoded <= 360 * RATE  # nothing past the cap was handed on

    def test_a_recording_under_the_cap_decodes_in_full(self, meeting_clip: Path) -> None:
        info = probe(meeting_clip, max_seconds=34.0)
        assert sum(b.size for b in decode_blocks(info)) == pytest.approx(33.6 * RATE, abs=800)


class TestDecode:
    def test_a_truncated_wav_is_rejected_with_both_lengths(self, tmp_path: Path) -> None:
        path = write_wav(tmp_path / "cut.wav", tone(10.0))
        with path.open("r+b") as handle:
            handle.truncate(os.path.getsize(path) // 2)
        info = probe(path)
        with pytest.raises(
            InputError, match=r"truncated: its header promises 10.0 s but only 5.0 s"
        ):
            list(decode_blocks(info))

    def test_decoding_yields_small_blocks_that_add_up_to_the_recording(
        self, meeting_clip: Path
    ) -> None:
        blocks = list(decode_blocks(probe(meeting_clip)))
        assert max(b.size for b in blocks) <= RATE  # never more than a second at once
        assert sum(b.size for b in blocks) == pytest.approx(33.6 * RATE, abs=RATE * 0.05)
        assert all(b.dtype == np.int16 for b in blocks)

    def test_decoding_matches_faster_whisper_sample_for_sample(self, meeting_clip: Path) -> None:
        from faster_whisper.audio import decode_audio

        ours = np.concatenate(list(decode_blocks(probe(meeting_clip)))).astype(np.float32) / 32768
        theirs = decode_audio(str(meeting_clip))
        assert ours.shape == theirs.shape
        assert np.array_equal(ours, theirs)


def blocks_of(samples: np.ndarray, size: int = 4000) -> Iterator[np.ndarray]:
    for start in range(0, samples.size, size):
        yield samples[start : start + size]


class TestSplit:
    def test_a_short_recording_is_one_chunk(self) -> None:
        chunks = list(
            split_at_pauses(blocks_of(tone(4.0)), chunking(max_seconds=10, search_seconds=4))
        )
        assert [(c.start, c.end, c.overlap) for c in chunks] == [(0.0, 4.0, 0.0)]

    def test_chunks_end_inside_the_pause_nearest_the_limit(self) -> None:
        # Speech 0-6 s, pause 6-7 s, speech 7-13 s, pause 13-14 s, speech 14-20 s.
        audio = np.concatenate([tone(6), silence(1), tone(6), silence(1), tone(6)])
        chunks = list(split_at_pauses(blocks_of(audio), chunking(max_seconds=10, search_seconds=5)))
        assert 6.0 < chunks[0].end < 7.0
        assert all(c.overlap == 0 for c in chunks)
        assert 13.0 < chunks[1].end < 14.0
        assert chunks[-1].end == pytest.approx(20.0)
        for before, after in itertools.pairwise(chunks):
            assert after.start == before.end  # no gap, no overlap

    def test_the_longest_pause_in_the_window_wins(self) -> None:
        # A short pause at 7 s and a long one at 8.5-9.5 s: the cut goes into the long one.
        audio = np.concatenate([tone(7), silence(0.5), tone(1), silence(1.0), tone(5)])
        chunks = list(split_at_pauses(blocks_of(audio), chunking(max_seconds=10, search_seconds=5)))
        assert 8.5 < chunks[0].end < 9.5

    def test_without_a_pause_the_cut_is_forced_with_an_overlap(self) -> None:
        audio = tone(25.0)
        settings = chunking(max_seconds=10, search_seconds=4, overlap_seconds=1.0)
        chunks = list(split_at_pauses(blocks_of(audio), settings))
        assert [(c.start, c.end, c.overlap) for c in chunks] == [
            (0.0, 10.0, 0.0),
            (9.0, 19.0, 1.0),
            (18.0, 25.0, 1.0),
        ]
        assert all(c.samples.size == round(c.duration * RATE) for c in chunks)

    def test_no_chunk_exceeds_the_maximum(self, meeting_clip: Path) -> None:
        settings = chunking(max_seconds=8, search_seconds=3)
        chunks = list(split_at_pauses(decode_blocks(probe(meeting_clip)), settings))
        assert len(chunks) >= 4
        assert all(c.duration <= 8.0 for c in chunks)
        assert chunks[-1].end == pytest.approx(33.6, abs=0.1)

    def test_memory_is_bounded_by_the_chunk_not_the_recording(self) -> None:
        twenty_minutes = 20 * 60
        minute = np.concatenate([tone(50), silence(1), tone(9)])

        def endless() -> Iterator[np.ndarray]:
            for _ in range(twenty_minutes // 60):
                yield from blocks_of(minute)

        tracemalloc.start()
        try:
            total = 0.0
            for chunk in split_at_pauses(endless(), chunking(max_seconds=60, search_seconds=15)):
                total += chunk.duration - chunk.overlap
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert total == pytest.approx(twenty_minutes)
        # Twenty minutes would be 38 MB as int16 and 77 MB as float32; one chunk is 4 MB.
        assert peak < 24 * 2**20, f"peak {peak / 2**20:.1f} MB"
