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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from daemon import nlp
from daemon.diarize import cues, spelling

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

__all__ = ["DEFAULT_MIN_CONFIDENCE", "SpeakerName", "Turn", "name_speakers"]

log = logging.getLogger("daemon.diarize.naming")

DEFAULT_MIN_CONFIDENCE = 0.35
ROSTER_CONFIDENCE = 0.5  # the last roster name for the last speaker: likely, not evidenced
MIN_LEFTOVER_SHARE, MIN_LEFTOVER_WORDS = 0.03, 15  # less may be a diarization fragment


@dataclass(frozen=True)
class Turn:
    """One speaker turn of the diarized transcript, in order."""

    label: str  # "S1", "S2", ...
    text: str
    start: float
    end: float


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
    names = _Names(turns, spelling.Roster(roster))
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


class _Mention(NamedTuple):
    turn: int
    key: str
    kind: str


class _Names:
    """Which words of one meeting are names, and what they stand for.

    Without a roster a name's key is its case-folded spelling and its display form the most
    frequent spelling; with one, both are the roster entry.
    """

    def __init__(self, turns: Sequence[Turn], roster: spelling.Roster) -> None:
        self.roster, self._stop, self._lexicon = (
            roster,
            nlp.english().Defaults.stop_words,
            nlp.lexicon(),
        )
        self._lower, self._inside = Counter[str](), Counter[str]()
        for turn in turns:
            for sentence in cues.SENTENCE.split(turn.text):
                for index, word in enumerate(cues.WORD.findall(sentence)):
                    if word.islower():
                        self._lower[word] += 1
                    elif index > 0 and word != "I":
                        self._inside[word.casefold()] += 1
        # Title Case Transcripts ("Great Work Today") make mid-sentence capitals meaningless.
        inside, lower = sum(self._inside.values()), sum(self._lower.values())
        self._capitals_mean_names = inside < 0.25 * (inside + lower)
        self._tagged: set[str] = set()  # tagged PROPN or PERSON somewhere
        self._tagged_inside: set[str] = set()  # ... and not as a sentence's first word
        self._person: set[str] = set()  # tagged PERSON somewhere
        self._spellings: dict[str, Counter[str]] = defaultdict(Counter)
        self.could_be = cache(self._could_be)

    def _could_be(self, word: str) -> bool:
        """Cheap test before spaCy: might this word be a name in this meeting?"""
        if self.roster:
            return self.roster.match(word) is not None
        folded = word.casefold()
        if not word[:1].isupper() or len(word) < 2 or word.isupper():  # not "I", "SAML", "HR"
            return False
        if (
            folded in cues.NOT_NAMES
            or folded in self._stop
            or self._lower[folded] > self._inside[folded]
        ):
            return False
        # "Sounds good", "Barely": an English verb, adjective or adverb is a name only where
        # spaCy says so in mid-sentence ("thanks, Mark"), so sentence-initial ones need no tags.
        return (self._inside[folded] > 0 and self._capitals_mean_names) or not self._common(folded)

    def _common(self, folded: str) -> bool:
        return any(self._lexicon.has(folded, part) for part in ("adj", "adv", "verb"))

    def mentions(self, turns: Sequence[Turn]) -> Iterator[_Mention]:
        """Every name said, with the kind of utterance it was said in."""
        batch = [
            (index, number == 0, sentence)
            for index, turn in enumerate(turns)
            for number, sentence in enumerate(cues.SENTENCE.split(turn.text.strip()))
            if any(self.could_be(w) for w in cues.WORD.findall(sentence))
        ]
        docs = nlp.english().pipe((text for *_, text in batch), batch_size=64)
        for (index, first, _), doc in zip(batch, docs, strict=True):
            found = {t.i: key for t in doc if (key := self._key(doc, t.i)) is not None}
            for i, key in found.items():
                if i - 1 not in found:  # "Ines Garcia" is one mention
                    yield _Mention(index, key, _kind(doc, i, set(found), first))

    def _key(self, doc: Doc, i: int) -> str | None:
        token = doc[i]
        if not cues.WORD.fullmatch(token.text) or token.ent_type_ in cues.NOT_PEOPLE:
            return None
        if not self.could_be(token.text):
            return None
        tagged = _is_name(token)
        if self.roster:
            # A roster name in lower case that is also a function word ("will", "may") counts
            # only where spaCy tags it a name; "dev" tagged VERB still counts.
            return (
                None
                if token.is_lower and token.is_stop and not tagged
                else self.roster.match(token.text)
            )
        key = token.text.casefold()
        self._spellings[key][token.text] += 1
        if token.ent_type_ == "PERSON":
            self._person.add(key)
        if tagged:
            self._tagged.add(key)
            if i > 0 and doc[i - 1].text not in cues.END:
                self._tagged_inside.add(key)
        return key

    def qualified(self, mentions: Sequence[_Mention]) -> set[str]:
        """The keys that are names (see the module docstring)."""
        keys = {m.key for m in mentions}
        if self.roster:
            return keys
        addressed = Counter(m.key for m in mentions if m.kind != "mention")
        english = {k for k in keys if self._common(k)}
        noun = {k for k in keys if self._lexicon.has(k, "noun")}
        # Tagged a name in mid-sentence; or at a sentence's start and no English word, or a
        # noun ("Ops, you there?") that is a PERSON to spaCy or addressed more than once.
        good = self._tagged_inside & keys if self._capitals_mean_names else set()
        good |= {
            k
            for k in (keys & self._tagged) - english
            if k in self._person or addressed[k] > 1 or k not in noun
        }
        unknown = sorted(keys - good - english - noun)
        probes = nlp.english().pipe(f"I asked {self.display(k)} about it." for k in unknown)
        good |= {k for k, doc in zip(unknown, probes, strict=True) if _is_name(doc[2])}
        return good

    def display(self, key: str) -> str:
        return key if self.roster else self._spellings[key].most_common(1)[0][0]

    def key_of(self, name: str) -> str:
        """The key a name from outside (a fixed name) has in this meeting."""
        if self.roster:
            return self.roster.match(name) or name
        words: list[str] = cues.WORD.findall(name)
        return (words[0] if words else name).casefold()


def _is_name(token: Token) -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ == "PERSON"


def _kind(doc: Doc, i: int, names: set[int], first_sentence: bool) -> str:
    """How the name at ``doc[i]`` was used (see the module docstring)."""
    start, end = i, i
    while start > 0 and doc[start - 1].text not in cues.END:
        start -= 1
    while end < len(doc) - 1 and doc[end].text not in cues.END:
        end += 1
    before = [t.lower_ for t in doc[start:i] if not t.is_punct]
    after = [t.lower_ for t in doc[i + 1 : end + 1] if not t.is_punct]
    following = doc[i + 1].text if i + 1 < len(doc) else ""
    if following == "'s" and after[1:2] != ["joining"]:
        return "mention"  # "Jen's dashboard"
    # Leading interjections and other names ("Luca, Thanh, Beatriz, thanks for coming").
    at_start = all(t.lower_ in cues.LEAD or t.i in names for t in doc[start:i] if not t.is_punct)
    with_me = after[:2] in (["with", "me"], ["with", "us"])  # "I have (ASR: I'm) Sam with me"
    if (tuple(before[-2:]) in cues.SELF or before[-3:] == ["i", "'m", "called"]) and not with_me:
        return "intro"
    if tuple(before[-2:]) in {("this", "is"), ("it", "'s")} and all(
        w in cues.LEAD for w in before[:-2]
    ):
        # Opening one's turn on a call; later in a turn it presents someone else.
        return "intro" if first_sentence and not cues.THIRD & set(after) else "present"
    if at_start and after[:1] in (["here"], ["speaking"]):
        return "intro"
    if (
        before[-1:] in (["introduce"], ["meet"])
        or with_me
        or before[-2:] == ["joined", "by"]
        or after[:2] in (["is", "joining"], ["'s", "joining"], ["joined", "us"], ["is", "with"])
    ):
        return "present"
    if (before[-1:] and before[-1] in cues.GREET) or before[-2:] == ["good", "morning"]:
        return "greet"
    if (before[-1:] and before[-1] in cues.THANK) or before[-2:] in (
        ["thank", "you"],
        ["you", "too"],
    ):
        return "thank"
    if any(tuple(before[-len(p) :]) == p for p in cues.HANDOVER_BEFORE) or any(
        tuple(after[: len(p)]) == p for p in cues.HANDOVER_AFTER
    ):
        return "ask"
    question = "?" in {t.text for t in doc[i : end + 1]} or bool(
        cues.REQUEST.search(doc.text.lower())
    )
    # "Jen, can you ...", "Jen?" - but not "Understood." or "Experts. We have two".
    # Unpunctuated ASR: "tomasz where are we on discovery", "jen can you take it".
    addressed = following in (",", "?", "!") or bool(after[:1] and after[0] in cues.TO_YOU)
    to_you = after[:1] in (["you"], ["your"]) or (
        bool(after[:1]) and after[0] in cues.MODALS and after[1:2] == ["you"]
    )
    # Without any punctuation sentence starts are unknown: a name then "can you" will do.
    unpunctuated = not any(t.is_punct for t in doc)
    if (at_start or unpunctuated) and (addressed or to_you):
        return "ask" if question else "vocative"
    # Unpunctuated, only a question ends on a name by address: "are you ok with that chidi".
    last = i > start and (doc[i - 1].text == "," or (unpunctuated and question))
    last = last and following in ("", *cues.END)
    if last:  # "Any thoughts, Ines?", "Fair point, Ines.", "are you happy with that ines"
        return "ask" if question else "reply"
    return "mention"


def _scores(
    turns: Sequence[Turn], mentions: Sequence[_Mention]
) -> tuple[dict[tuple[str, str], float], set[tuple[str, str]]]:
    """The evidence as a score per (label, name key), and the pairs with an introduction."""
    scores: dict[tuple[str, str], float] = defaultdict(float)
    introduced = {(turns[m.turn].label, m.key) for m in mentions if m.kind == "intro"}
    by_turn: dict[int, list[_Mention]] = defaultdict(list)
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
    names: _Names,
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
    names: _Names,
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
