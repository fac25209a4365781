"""What a passage is: the unit that semantic search and ``minutes ask`` retrieve and cite.

A transcript passage is a few consecutive sentences (``SENTENCES``, or up to six short ones
until they make ``MIN_WORDS`` words; fewer once they reach ``WORDS`` words), written as
``Speaker: text`` lines, with the time the first one was said. Short enough that an embedding
stays about one thing and a citation points somewhere precise; long enough that a question's
answer and its context land in the same passage.
Decisions and action items are passages of their own ("Decision: ...", "Action item (Jen, due
2026-03-05): ..."), at the time of their evidence.
"""

from __future__ import annotations

from daemon.ledger.passages import NewPassage
from daemon.models import Transcript
from daemon.summarize.schema import Summary
from daemon.summarize.text import Sentence, from_transcript, sentences

SENTENCES = 3
WORDS = 60
MIN_WORDS = 20


def passages_of(transcript: Transcript, summary: Summary | None) -> list[NewPassage]:
    said = sentences(from_transcript(transcript))
    groups: list[list[Sentence]] = []
    for sentence in said:
        current = groups[-1] if groups else None
        if current is None or _full(current):
            groups.append([sentence])
        else:
            current.append(sentence)
    result: list[NewPassage] = []
    for number, group in enumerate(groups):
        following = groups[number + 1][0].start if number + 1 < len(groups) else None
        result.append(
            NewPassage(
                kind="transcript",
                text=_lines(group),
                speaker=", ".join(dict.fromkeys(s.speaker for s in group if s.speaker)) or None,
                start=group[0].start,
                end=following if following is not None else transcript.duration,
            )
        )
    if summary is not None:
        for decision in summary.decisions:
            result.append(
                NewPassage("decision", f"Decision: {decision.text}", decision.evidence.speaker,
                           decision.evidence.start)
            )  # fmt: skip
        for item in summary.action_items:
            detail = ", ".join(
                x for x in (item.owner or "unassigned", item.due and f"due {item.due}") if x
            )
            result.append(
                NewPassage("action item", f"Action item ({detail}): {item.task}", item.owner,
                           item.evidence.start)
            )  # fmt: skip
    return result


def _full(group: list[Sentence]) -> bool:
    """Three sentences, unless they are short ("Sure." "Works for me."): then up to six."""
    words = _words(group)
    return words >= WORDS or (len(group) >= SENTENCES and words >= MIN_WORDS) or len(group) >= 6


def _words(group: list[Sentence]) -> int:
    return sum(len(s.text.split()) for s in group)


def _lines(group: list[Sentence]) -> str:
    lines: list[tuple[str | None, str]] = []
    for s in group:
        if lines and lines[-1][0] == s.speaker:
            lines[-1] = (s.speaker, f"{lines[-1][1]} {s.text}")
        else:
            lines.append((s.speaker, s.text))
    return "\n".join(f"{who}: {text}" if who else text for who, text in lines)
