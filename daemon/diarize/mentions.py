"""Which words of a meeting are people's names, and what kind of utterance each is said in.

``naming.py`` turns these mentions into evidence about who each speaker is; this module only
finds them. The rules for what counts as a name and for each kind of mention are in
``naming.py``'s docstring, which is the one place they are described.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from daemon import nlp
from daemon.diarize import cues, spelling

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token


@dataclass(frozen=True)
class Turn:
    """One speaker turn of the diarized transcript, in order."""

    label: str  # "S1", "S2", ...
    text: str
    start: float
    end: float


class Mention(NamedTuple):
    turn: int
    key: str
    kind: str


class Names:
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

    def mentions(self, turns: Sequence[Turn]) -> Iterator[Mention]:
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
                    yield Mention(index, key, kind_of(doc, i, set(found), first))

    def _key(self, doc: Doc, i: int) -> str | None:
        token = doc[i]
        if not cues.WORD.fullmatch(token.text) or token.ent_type_ in cues.NOT_PEOPLE:
            return None
        if not self.could_be(token.text):
            return None
        tagged = is_name(token)
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

    def qualified(self, mentions: Sequence[Mention]) -> set[str]:
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
        good |= {k for k, doc in zip(unknown, probes, strict=True) if is_name(doc[2])}
        return good

    def display(self, key: str) -> str:
        return key if self.roster else self._spellings[key].most_common(1)[0][0]

    def key_of(self, name: str) -> str:
        """The key a name from outside (a fixed name) has in this meeting."""
        if self.roster:
            return self.roster.match(name) or name
        words: list[str] = cues.WORD.findall(name)
        return (words[0] if words else name).casefold()


def is_name(token: Token) -> bool:
    return token.pos_ == "PROPN" or token.ent_type_ == "PERSON"


def kind_of(doc: Doc, i: int, names: set[int], first_sentence: bool) -> str:
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
    # A name set off by commas and then asked something: ASR often joins the sentence before
    # to the address ("oh, that reminds me, Jen, can you own the alert rules too?").
    if i > start and doc[i - 1].text == "," and following == "," and to_you:
        return "ask" if question else "vocative"
    # Unpunctuated, only a question ends on a name by address: "are you ok with that chidi".
    last = i > start and (doc[i - 1].text == "," or (unpunctuated and question))
    last = last and following in ("", *cues.END)
    if last:  # "Any thoughts, Ines?", "Fair point, Ines.", "are you happy with that ines"
        return "ask" if question else "reply"
    return "mention"
