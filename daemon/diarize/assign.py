"""Give every Whisper word a speaker and split segments where the speaker changes.

Whisper segments can run 20 s across two or three speakers, so one label per segment is
wrong by construction (issue "Who said it"). Each word takes the speaker of the turn it
overlaps most, or of the nearest turn when it falls in a gap between turns. Runs of words
shorter than `min_run_s` ("yes", "sure") are near chance for a 1.5 s embedding window, so
they join their context: the neighbouring run that is closer in time, or the one both sides
agree on. A segment is then cut wherever the speaker changes between two words.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from daemon.diarize import SpeakerTurn


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str  # as Whisper gives it, with its leading space


@dataclass(frozen=True)
class WordSegment:
    start: float
    end: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class SpeakerSegment:
    start: float
    end: float
    text: str
    speaker: str | None
    words: tuple[Word, ...]
    source: int = 0  # index of the segment this piece was cut from


def speaker_of(word: Word, turns: Sequence[SpeakerTurn], starts: Sequence[float]) -> str | None:
    """The turn overlapping the word most; failing that, the nearest turn in time."""
    if not turns:
        return None
    index = bisect.bisect_right(starts, word.end)
    best, best_overlap = None, 0.0
    for turn in turns[max(0, index - 4) : index + 1]:
        overlap = min(turn.end, word.end) - max(turn.start, word.start)
        if overlap > best_overlap:
            best, best_overlap = turn.speaker, overlap
    if best is not None:
        return best
    middle = (word.start + word.end) / 2
    near = turns[max(0, index - 2) : index + 2]
    return min(near, key=lambda t: max(t.start - middle, middle - t.end, 0.0)).speaker


def _runs(labels: list[str | None]) -> list[tuple[int, int]]:
    runs, first = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[first]:
            runs.append((first, i))
            first = i
    return runs


def attach_short_runs(words: Sequence[Word], labels: list[str | None], min_run_s: float) -> None:
    """Relabel, in place, runs of words shorter than min_run_s with a neighbouring run's label.

    In passes over the runs, left to right, reading labels as they are changed: every relabel
    joins a run to a neighbour, so the number of runs falls and the passes end. One pass is
    linear in the words, which matters on a three-hour recording (30,000 words).
    """
    changed = True
    while changed:
        changed = False
        runs = _runs(labels)
        if len(runs) < 2:
            return
        for k, (a, b) in enumerate(runs):
            if words[b - 1].end - words[a].start >= min_run_s:
                continue
            before = runs[k - 1] if k > 0 else None
            after = runs[k + 1] if k + 1 < len(runs) else None
            gap_before = words[a].start - words[before[1] - 1].end if before else float("inf")
            gap_after = words[after[0]].start - words[b - 1].end if after else float("inf")
            source = before if before and (gap_before <= gap_after or not after) else after
            assert source is not None
            label = labels[source[0]] if source is after else labels[source[1] - 1]
            if label != labels[a]:
                labels[a:b] = [label] * (b - a)
                changed = True


def assign_speakers(
    segments: Sequence[WordSegment], turns: Sequence[SpeakerTurn], min_run_s: float = 1.0
) -> list[SpeakerSegment]:
    """Segments split at speaker changes, each with its speaker (None if there are no turns)."""
    ordered = sorted(turns, key=lambda t: t.start)
    starts = [t.start for t in ordered]
    words = [w for s in segments for w in s.words]
    labels = [speaker_of(w, ordered, starts) for w in words]
    attach_short_runs(words, labels, min_run_s)
    out: list[SpeakerSegment] = []
    position = 0
    for index, segment in enumerate(segments):
        count = len(segment.words)
        if count == 0:
            out.append(SpeakerSegment(segment.start, segment.end, "", None, (), index))
            continue
        mine = labels[position : position + count]
        for a, b in _runs(mine):
            part = segment.words[a:b]
            start = segment.start if a == 0 else part[0].start
            end = segment.end if b == count else part[-1].end
            text = "".join(w.word for w in part).strip()
            out.append(SpeakerSegment(start, end, text, mine[a], part, index))
        position += count
    return out
