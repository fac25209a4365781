"""Give diarized speakers ("S1", "S2", ...) the names people call each other by (issue 9).

People rarely say their own name in a meeting but often say each other's, and who speaks next
tells who was meant. Each name said is classified by the words around it:

- self-introduction ("I'm Tomasz", "my name is ...", "Ines here", "this is Ines from
  procurement" opening a turn): the speaker is that person;
- greeting, question, request, hand-over ("Hi Ines", "Ines, can you ...?", "Over to you, Ines",
  "Jen?"): not the speaker, usually the next one, more so when the next one answers ("Sure").
  Of several people addressed in a turn, the one asked last is expected first;
- thanks or a reply ("Thanks, Tomasz", "Fair point, Ines"): usually who just spoke;
- presenting someone ("I have Sam with me"): not the speaker, likely the next;
- any other mention ("I'll defer to Nadia"): only that the speaker is someone else.

Evidence is summed over the meeting per label and name; names go out greedily from the highest
score, one per label and one label per name. Confidence grows with the score and shrinks with
the best rival still open. With a roster, names nobody earned are handed out by elimination.

A capitalised word is not a name. Without a roster a candidate needs spaCy's ``PROPN`` or
``PERSON`` (in the meeting; for a word in no English word list, in a probe sentence), must not
be a greeting, interjection, title, date or stop word, nor occur in lower case in the meeting,
nor be an English adjective, adverb or verb ("Brilliant", "Understood", "Normally") unless
spaCy tags it a name mid-sentence ("thanks, Mark"). With a roster only its names count, and
misheard ones map to the nearest by spelling or a rough phonetic key ("Shivon" -> "Siobhan").

spaCy reads only the sentences that hold a candidate: an hour of speech takes well under a
second once the model is loaded (bench/bench_naming.py measures it).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from daemon.diarize import cues, spelling
from daemon.diarize.mentions import Mention, Names, Turn

__all__ = ["DEFAULT_MIN_CONFIDENCE", "SpeakerName", "Turn", "name_speakers"]

log = logging.getLogger("daemon.diarize.naming")

DEFAULT_MIN_CONFIDENCE = 0.35
ROSTER_CONFIDENCE = 0.5  # the last roster name for the last speaker: likely, not evidenced
MIN_LEFTOVER_SHARE, MIN_LEFTOVER_WORDS = 0.03, 15  # less may be a diarization fragment


@dataclass(frozen=True)
class SpeakerName:
    label: str
    name: str | None
    confidence: float  # 0..1
    source: str  # "introduction" | "address" | "roster" | "profile" | "user" | "none"


# What a mention says about (the speaker, the previous speaker, the next speaker). A mention
# in the third person says nothing of who speaks next ("Tom did it last year").
_WEIGHTS = {
    "intro": (3.0, 0.0, 0.0), "present": (-1.0, 0.0, 1.0), "greet": (-1.5, 0.3, 1.0),
    "ask": (-1.5, 0.2, 1.2), "vocative": (-1.5, 0.4, 0.8), "thank": (-1.5, 1.0, 0.3),
    "reply": (-1.5, 0.8, 0.4), "mention": (-0.5, 0.0, 0.0),
}  # fmt: skip
_ANSWER_BONUS = 0.3
_FIRST_SHARE = 0.8  # of several people addressed in a turn, the share of the expected one
_CLEAR_MARGIN = 0.2  # between the best and second-best way to hand out the last roster names
_STRENGTH_SCALE = 1.5  # one clear address gives about 0.5 before competition

_NOT_AHEAD = frozenset({"intro", "mention"})  # kinds that say nothing of who speaks next


def name_speakers(
    turns: Sequence[Turn],
    roster: Sequence[str] = (),
    fixed: Mapping[str, str | SpeakerName] = {},  # read only, never mutated
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
) -> dict[str, SpeakerName]:
    """A name (or none) for every label in ``turns`` and in ``fixed``, in order of first turn.

    ``fixed`` holds names already known for labels, from a voice profile or the user: they are
    kept as they are (a plain string counts as the user's, confidence 1), and no other label
    may take those names. ``roster`` restricts names to the expected attendees.
    """
    labels = list(dict.fromkeys([t.label for t in turns] + list(fixed)))
    # Whisper writes typographic apostrophes as often as plain ones ("I\u2019m").
    turns = [Turn(t.label, t.text.replace("\u2019", "'"), t.start, t.end) for t in turns]
    known = {
        label: v if isinstance(v, SpeakerName) else SpeakerName(label, v, 1.0, "user")
        for label, v in fixed.items()
    }
    names = Names(turns, spelling.Roster(roster))
    mentions = list(names.mentions(turns))
    good = names.qualified(mentions)
    scores, introduced = _scores(turns, [m for m in mentions if m.key in good])
    taken = {names.key_of(n.name) for n in known.values() if n.name}
    result = _assign(scores, introduced, names, labels, known, taken, min_confidence)
    if names.roster and min_confidence <= ROSTER_CONFIDENCE:
        _give_roster_leftovers(result, names, scores, turns)
    sources = ", ".join(f"{s.label}:{s.source}" for s in result.values())
    log.info(
        "named %d of %d speakers (%s)",
        sum(bool(s.name) for s in result.values()),
        len(labels),
        sources,
    )
    return result


def _scores(
    turns: Sequence[Turn], mentions: Sequence[Mention]
) -> tuple[dict[tuple[str, str], float], set[tuple[str, str]]]:
    """The evidence as a score per (label, name key), and the pairs with an introduction."""
    scores: dict[tuple[str, str], float] = defaultdict(float)
    introduced = {(turns[m.turn].label, m.key) for m in mentions if m.kind == "intro"}
    by_turn: dict[int, list[Mention]] = defaultdict(list)
    for mention in dict.fromkeys(mentions):
        by_turn[mention.turn].append(mention)
    for index, group in sorted(by_turn.items()):
        label = turns[index].label
        # Who answers first: the one asked the last question, then the others in order.
        asked = [m.key for m in group if m.kind == "ask"][-1:]
        forward = list(dict.fromkeys(asked + [m.key for m in group if m.kind not in _NOT_AHEAD]))
        following = _next_speakers(turns, index, max(1, len(forward)))
        previous = _previous_speaker(turns, index)
        for mention in group:
            own, back, ahead = _WEIGHTS[mention.kind]
            scores[label, mention.key] += own
            if previous is not None and back:
                scores[previous, mention.key] += back
            if not following or not ahead:
                continue
            place, count = min(forward.index(mention.key), len(following) - 1), len(following)
            for n, speaker in enumerate(following):
                share = (
                    1.0
                    if count == 1
                    else _FIRST_SHARE
                    if n == place
                    else (1 - _FIRST_SHARE) / (count - 1)
                )
                scores[speaker, mention.key] += ahead * share
            if mention.kind == "ask" and _answers(turns, index, following[0]):
                scores[following[0], mention.key] += _ANSWER_BONUS
    return dict(scores), introduced


def _next_speakers(turns: Sequence[Turn], index: int, count: int) -> list[str]:
    """The first ``count`` other labels to speak after turn ``index`` (within a few turns)."""
    found: list[str] = []
    for turn in turns[index + 1 : index + 4 + 3 * count]:
        if turn.label != turns[index].label and turn.label not in found:
            found.append(turn.label)
    return found[:count]


def _previous_speaker(turns: Sequence[Turn], index: int) -> str | None:
    earlier = (t.label for t in reversed(turns[max(0, index - 4) : index]))
    return next((label for label in earlier if label != turns[index].label), None)


def _answers(turns: Sequence[Turn], index: int, label: str) -> bool:
    reply = next((t for t in turns[index + 1 :] if t.label == label), None)
    return reply is not None and bool(cues.ANSWER.match(reply.text))


def _assign(
    scores: Mapping[tuple[str, str], float],
    introduced: set[tuple[str, str]],
    names: Names,
    labels: Sequence[str],
    known: Mapping[str, SpeakerName],
    taken: set[str],
    min_confidence: float,
) -> dict[str, SpeakerName]:
    """One name per label and one label per name, highest score first."""
    result = {label: known.get(label) or SpeakerName(label, None, 0.0, "none") for label in labels}
    open_labels = {label for label in labels if label not in known}
    pairs = sorted(
        ((s, lb, k) for (lb, k), s in scores.items() if s > 0), key=lambda p: (-p[0], p[1:])
    )
    for score, label, key in pairs:
        if label not in open_labels or key in taken:
            continue
        # Rivals: this label's other open names, this name's other open labels. A name given
        # to a stronger label already casts no doubt.
        rivals = [
            s
            for (lb, k), s in scores.items()
            if s > 0 and lb in open_labels and k not in taken and (lb == label) != (k == key)
        ]
        strength = 1 - math.exp(-score / _STRENGTH_SCALE)
        confidence = strength * score / (score + max(rivals, default=0.0))
        taken.add(key)  # even when too unsure to give: the name belongs to that label
        open_labels.discard(label)
        if confidence < min_confidence:
            log.debug("%s: best name below confidence (%.2f)", label, confidence)
            continue
        source = "introduction" if (label, key) in introduced else "address"
        result[label] = SpeakerName(label, names.display(key), round(confidence, 3), source)
    return result


def _give_roster_leftovers(
    result: dict[str, SpeakerName],
    names: Names,
    scores: Mapping[tuple[str, str], float],
    turns: Sequence[Turn],
) -> None:
    """Roster names nobody took, for the unnamed labels that spoke enough, by elimination.

    One name left for one label: given, unless the label itself addressed that name. More:
    what the remaining evidence clearly favours (negative evidence included: the chair who
    said "Hi Saoirse" is not Saoirse); a label the evidence cannot decide stays unnamed.
    """
    named = {names.key_of(s.name) for s in result.values() if s.name}
    left = [entry for entry in names.roster.entries if entry not in named]
    words = Counter[str]()
    for turn in turns:
        words[turn.label] += len(turn.text.split())
    total = sum(words.values()) or 1
    unnamed = [
        label
        for label, s in result.items()
        if s.name is None
        and words[label] >= MIN_LEFTOVER_WORDS
        and words[label] / total >= MIN_LEFTOVER_SHARE
    ]
    # Elimination among many names and labels would be guesswork, and slow to enumerate.
    if not unnamed or len(unnamed) > min(len(left), 4) or (len(unnamed) > 1 and len(left) > 8):
        return
    options = sorted(
        (
            (sum(scores.get(pair, 0.0) for pair in zip(unnamed, chosen, strict=True)), chosen)
            for chosen in itertools.permutations(left, len(unnamed))
        ),
        reverse=True,
    )
    best, chosen = options[0]
    if best <= -1.0:
        return
    # A label gets its name when every assignment nearly as good as the best agrees on it.
    close = [other for score, other in options if best - score < _CLEAR_MARGIN]
    confidence = ROSTER_CONFIDENCE if len(options) == 1 else 0.8 * ROSTER_CONFIDENCE
    for n, (label, name) in enumerate(zip(unnamed, chosen, strict=True)):
        if all(other[n] == name for other in close):
            result[label] = SpeakerName(label, name, confidence, "roster")
