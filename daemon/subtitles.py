"""The timed sidecars of a report: .srt and .vtt subtitles, and .rttm speaker turns.

Every cue is plain text made safe for its format: control characters go (a terminal `cat`ing the
file would act on them, issue 8), a blank line or "-->" cannot end a cue early, and "<", ">", "&"
are entities so that spoken "<script>" or "<b>" is never a tag. The speaker, when diarization
named one, shows the way each format knows: a ``Name:`` prefix in SRT, which has no notion of
speakers, and a WebVTT voice span ``<v Name>`` in VTT, which players style and screen readers
announce (issue 9).

The .rttm is NIST's Rich Transcription Time Marked format, the one diarization scorers
(pyannote.metrics, dscore, md-eval) read: one ``SPEAKER`` line per turn.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from daemon.models import Segment
from daemon.terminal import CONTROL

_LAYOUT = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")
_WHITESPACE = re.compile(r"\s+")

TURN_GAP_S = 2.0
"""Consecutive segments of one speaker join into one turn unless this much silence parts them:
a scorer counts a turn's inside as speech, so a long silence kept inside one is a false alarm."""


def without_controls(text: str) -> str:
    """Outside text with its control characters gone; those that break lines become spaces."""
    return CONTROL.sub(lambda m: " " if m.group() in _LAYOUT else "", text)


def one_line(text: str) -> str:
    """Outside text without controls, on one line, runs of white space made one space."""
    return " ".join(without_controls(text).split())


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _timing(segment: Segment, separator: str) -> str:
    return f"{_clock(segment.start, separator)} --> {_clock(segment.end, separator)}"


def _entities(text: str) -> str:
    # WebVTT defines these entities. SRT defines none, yet players (VLC, mpv, ffmpeg) render its
    # <b>, <i>, <font> tags, so spoken "<script>" must not be a tag there either. Players that
    # know HTML entities (VLC, most web players) show "&lt;" as "<"; the rest show it literally,
    # which is still better than a tag that hides or restyles what was said (issue 8).
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _spoken(segment: Segment) -> str:
    # A blank line or "-->" inside a cue would end it early in every player.
    return _entities(one_line(segment.text).replace("-->", "->"))


def _speaker(segment: Segment) -> str:
    """The segment's speaker as one escaped line; empty when none, or nothing printable, is left."""
    return _entities(one_line(segment.speaker or ""))


def to_srt(segments: Sequence[Segment]) -> str:
    blocks = []
    for number, segment in enumerate(segments, start=1):
        speaker = _speaker(segment)
        text = f"{speaker}: {_spoken(segment)}" if speaker else _spoken(segment)
        blocks.append(f"{number}\n{_timing(segment, ',')}\n{text}\n")
    return "\n".join(blocks)


def to_vtt(segments: Sequence[Segment]) -> str:
    cues = []
    for segment in segments:
        # The voice name is a start tag's annotation: the spec allows neither a line break nor
        # ">" nor a bare "&" in it, and _speaker leaves it one line with those as entities.
        speaker = _speaker(segment)
        text = f"<v {speaker}>{_spoken(segment)}" if speaker else _spoken(segment)
        cues.append(f"{_timing(segment, '.')}\n{text}\n")
    return "WEBVTT\n\n" + "\n".join(cues)


@dataclass(frozen=True)
class Turn:
    """A stretch of one speaker's speech: consecutive segments of theirs joined."""

    start: float
    end: float
    speaker: str


def speaker_turns(segments: Sequence[Segment], gap: float = TURN_GAP_S) -> list[Turn]:
    """The speakers' turns, in order; segments without a speaker belong to no turn."""
    turns: list[Turn] = []
    for segment in segments:
        if segment.speaker is None:
            # Nobody is known to speak here: it ends the turn around it, like another voice.
            turns.append(Turn(segment.start, segment.end, ""))
            continue
        last = turns[-1] if turns else None
        if last is not None and last.speaker == segment.speaker and segment.start - last.end < gap:
            turns[-1] = Turn(last.start, max(last.end, segment.end), last.speaker)
        else:
            turns.append(Turn(segment.start, segment.end, segment.speaker))
    return [t for t in turns if t.speaker]


def rttm_field(text: str) -> str:
    """A token of an RTTM line: fields are split on white space, so none may be inside one."""
    return _WHITESPACE.sub("_", one_line(text)) or "unknown"


def to_rttm(segments: Sequence[Segment], file_id: str) -> str:
    """``SPEAKER <file> 1 <onset> <duration> <NA> <NA> <name> <NA> <NA>``, one line per turn."""
    file_field = rttm_field(file_id)
    lines = [
        f"SPEAKER {file_field} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> "
        f"{rttm_field(t.speaker)} <NA> <NA>\n"
        for t in speaker_turns(segments)
        # A turn of no length holds no speech, and scorers reject it.
        if round(t.end - t.start, 3) > 0
    ]
    return "".join(lines)
