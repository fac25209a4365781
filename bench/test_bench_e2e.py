"""Tests for the end-to-end benchmark's scoring: ``pytest bench/test_bench_e2e.py``."""

from __future__ import annotations

import wave
from pathlib import Path

import bench_e2e
from pyannote.metrics.diarization import DiarizationErrorRate

TURNS = [(0.3, 5.0, "Dana"), (5.5, 9.0, "Leo"), (9.4, 12.0, "Dana")]


def _meeting(tmp_path: Path) -> bench_e2e.Meeting:
    wav = tmp_path / "m.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(b"\0\0" * 16_000 * 13)
    turns = tmp_path / "m.turns.tsv"
    rows = [f"{a:.3f}\t{b:.3f}\t{name}\thello" for a, b, name in TURNS]
    turns.write_text("start_s\tend_s\tspeaker\ttext\n" + "\n".join(rows) + "\n")
    script = tmp_path / "m.txt"
    script.write_text("# title: t\n# date: 2026-03-19\nDana: Hey Leo.\n")
    return bench_e2e.Meeting(
        "m", "shared", wav, turns, tmp_path / "m.gold.json", tmp_path / "m.ref.txt",
        bench_e2e.script_date(script), ("Dana", "Leo"),
    )  # fmt: skip


def _rttm(path: Path, turns: list[tuple[float, float, str]]) -> Path:
    path.write_text(
        "".join(f"SPEAKER m 1 {a:.3f} {b - a:.3f} <NA> <NA> {n} <NA> <NA>\n" for a, b, n in turns)
    )
    return path


def _scores(tmp_path: Path, turns: list[tuple[float, float, str]]) -> dict[str, object]:
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    return bench_e2e.speaker_scores(_meeting(tmp_path), _rttm(tmp_path / "h.rttm", turns), metric)


def test_the_date_comes_from_the_script_header(tmp_path: Path) -> None:
    assert _meeting(tmp_path).date == "2026-03-19"


def test_a_perfect_rttm_has_no_error_and_every_name_right(tmp_path: Path) -> None:
    scores = _scores(tmp_path, TURNS)
    assert scores["der"] == 0.0
    assert scores["naming"] == 1.0


def test_swapped_names_cost_no_der_but_all_of_naming(tmp_path: Path) -> None:
    swapped = {"Dana": "Leo", "Leo": "Dana"}
    scores = _scores(tmp_path, [(a, b, swapped[n]) for a, b, n in TURNS])
    assert scores["der"] == 0.0
    assert scores["naming"] == 0.0


def test_an_unnamed_speaker_counts_as_wrong(tmp_path: Path) -> None:
    scores = _scores(tmp_path, [(a, b, "Speaker_1" if n == "Leo" else n) for a, b, n in TURNS])
    assert scores["der"] == 0.0
    assert scores["naming"] == round((4.7 + 2.6) / (4.7 + 3.5 + 2.6), 4)


def test_a_missing_rttm_misses_all_speech(tmp_path: Path) -> None:
    metric = DiarizationErrorRate(collar=0.0, skip_overlap=False)
    scores = bench_e2e.speaker_scores(_meeting(tmp_path), tmp_path / "absent.rttm", metric)
    assert scores["der"] == 1.0
    assert scores["naming"] == 0.0


def test_predictions_and_the_owner_less_copies() -> None:
    report = {
        "summary": {
            "action_items": [{"owner": "Leo", "task": "Draft it", "due": "2026-03-31", "x": 1}],
            "decisions": [{"text": "Skip the demo", "evidence": {}}],
        }
    }
    predicted = bench_e2e.prediction(report)
    assert predicted == {
        "action_items": [{"owner": "Leo", "task": "Draft it", "due": "2026-03-31"}],
        "decisions": [{"text": "Skip the demo"}],
    }
    assert bench_e2e.without_owners(predicted)["action_items"][0]["owner"] is None
    assert predicted["action_items"][0]["owner"] == "Leo"  # the original is left alone


def test_splits_follow_splits_md() -> None:
    assert bench_e2e.split_of("m06_one_on_one") == "shared"
    assert bench_e2e.split_of("n01_board_budget") == "dev"
    assert bench_e2e.split_of("n03_support_escalation") == "blind"
    assert bench_e2e.split_of("n30_claims_huddle") == "blind"
