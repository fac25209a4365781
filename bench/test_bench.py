"""Tests for the benchmark helpers, outside the package suite: ``pytest bench/test_bench.py``."""

from __future__ import annotations

import random
import sys
import wave
from pathlib import Path

import audio
import measure
import pytest
import wer


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (40, "forty"),
        (99, "ninety nine"),
        (100, "one hundred"),
        (105, "one hundred five"),
        (1000, "one thousand"),
        (1961, "one thousand nine hundred sixty one"),
        (20_017, "twenty thousand seventeen"),
        (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
    ],
)
def test_int_to_words(n: int, words: str) -> None:
    assert wer.int_to_words(n) == words


def test_int_to_words_rejects_out_of_range() -> None:
    with pytest.raises(ValueError):
        wer.int_to_words(1_000_000)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Beauty\u2019s rose", "beauty's rose"),
        ("\u2019This fair child of mine", "this fair child of mine"),
        ("tatter\u2019d weed", "tatter'd weed"),
        ("self-substantial fuel; all\u2014eating", "self substantial fuel all eating"),
        ("It costs 1,000 dollars.", "it costs one thousand dollars"),
        ("the 21st of May, 2.5 km", "the twenty first of may two point five km"),
        ("the 3rd and 12th", "the third and twelfth"),
        ("mp3 files", "mp three files"),
        ("\u201cAsk not\u201d  \u2013  she said!", "ask not she said"),
        ("\uff21\uff22\uff23", "abc"),  # full-width letters, folded by NFKC
        ("007 and 1234567", "zero zero seven and one two three four five six seven"),
    ],
)
def test_normalise(text: str, words: str) -> None:
    assert wer.normalise(text) == words.split()


def _naive_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, start=1):
        row = [i]
        for j, h in enumerate(hyp, start=1):
            row.append(min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = row
    return prev[-1]


def test_edit_distance_matches_naive_dp() -> None:
    rng = random.Random(1)
    for _ in range(300):
        ref = rng.choices("abcd", k=rng.randint(0, 12))
        hyp = rng.choices("abcd", k=rng.randint(0, 12))
        assert wer.edit_distance(ref, hyp) == _naive_distance(ref, hyp)


def test_score_counts_edits_after_normalisation() -> None:
    result = wer.score("Ask not what your country can do", "ask not what the country can do for")
    assert (result.edits, result.ref_words, result.hyp_words) == (2, 7, 8)
    assert result.wer == pytest.approx(2 / 7)


def test_corpus_score_pools_edits() -> None:
    pooled = wer.corpus_score([wer.WerResult(1, 10, 10), wer.WerResult(3, 30, 30)])
    assert pooled.wer == pytest.approx(4 / 40)


def _tone(path: Path, seconds: float, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(b"\x10\x00" * 2 * int(seconds * rate))


def test_build_long_file_cycles_clips_with_gaps(tmp_path: Path) -> None:
    clips = []
    for name, seconds in (("a", 2.0), ("b", 3.0)):
        _tone(tmp_path / f"{name}.wav", seconds)
        (tmp_path / f"{name}.txt").write_text(f"clip {name}\n", encoding="utf-8")
        clips.append(audio.Clip(tmp_path / f"{name}.wav", tmp_path / f"{name}.txt"))
    built = audio.build_long_file(clips, hours=10 / 3600, cache_dir=tmp_path / "cache")
    # a(2) + 1 + b(3) + 1 + a(2) = 9 s < 10 s, so one more clip: + 1 + b(3) = 13 s.
    assert built.clips == 4
    assert built.duration_s == pytest.approx(13.0, abs=0.05)
    assert audio.duration_seconds(built.audio) == pytest.approx(built.duration_s)
    reference = built.reference.read_text(encoding="utf-8")
    assert reference == "clip a\nclip b\nclip a\nclip b\n"
    with wave.open(str(built.audio), "rb") as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (1, 16000, 2)
    again = audio.build_long_file(clips, hours=10 / 3600, cache_dir=tmp_path / "cache")
    assert again == built


def test_build_paused_file_surrounds_each_clip_with_the_pauses(tmp_path: Path) -> None:
    clips = []
    for name, seconds in (("a", 2.0), ("b", 3.0)):
        _tone(tmp_path / f"{name}.wav", seconds)
        (tmp_path / f"{name}.txt").write_text(f"clip {name}\n", encoding="utf-8")
        clips.append(audio.Clip(tmp_path / f"{name}.wav", tmp_path / f"{name}.txt"))
    built = audio.build_paused_file(clips, cache_dir=tmp_path / "cache")
    pauses = sum(audio.PAUSES_S[:3])  # before a, between a and b, after b
    assert built.duration_s == pytest.approx(5.0 + pauses, abs=0.05)
    assert built.reference.read_text(encoding="utf-8") == "clip a\nclip b\n"
    assert audio.build_paused_file(clips, cache_dir=tmp_path / "cache") == built


def test_measure_reports_child_peak_memory() -> None:
    # The child holds ~200 MB; the measuring process itself is far smaller.
    code = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    result = measure.measure([sys.executable, "-c", code])
    assert result.returncode == 0
    assert result.peak_rss_kib > 190 * 1024
    assert result.wall_s > 0
