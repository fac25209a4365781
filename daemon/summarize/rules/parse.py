"""The meeting as the rule families read it: turns, their spaCy sentences, and small questions.

Every family asks the same few things of a sentence (who said it, who it addresses, is it a
question, what came just before), so they are answered once here rather than by regexes in each
family. The parse comes from `daemon.nlp.english()`; its lemmatizer is not loaded, so verbs are
compared by their lower-case form and Penn tag, never by lemma.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from spacy.tokens import Span, Token

from daemon.nlp import english
from daemon.summarize.dates import TimeExpression, find_times
from daemon.summarize.text import Utterance

# Words a speaker says to hold or take the floor; they open a turn without adding content.
OPENERS = frozenset(
    "so then okay ok alright right well oh um uh and but yeah yes yep fine great good sure "
    "perfect cool".split()
)
_DUE = re.compile(r"\bdue the\b", re.IGNORECASE)
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl"})
OBJECT_DEPS = frozenset({"dobj", "obj", "attr", "oprd", "dative"})


@dataclass(frozen=True)
class Said:
    """One parsed sentence with its place in the meeting."""

    turn: int  # index into Meeting.turns
    span: Span
    speaker: str | None

    @property
    def text(self) -> str:
        return self.span.text.strip()

    @property
    def question(self) -> bool:
        return self.text.endswith("?")

    @property
    def root(self) -> Token:
        return self.span.root


@dataclass(frozen=True)
class Turn:
    index: int
    utterance: Utterance
    sentences: tuple[Said, ...]

    @property
    def speaker(self) -> str | None:
        return self.utterance.speaker

    @property
    def text(self) -> str:
        return self.utterance.text


class Meeting:
    """Parsed turns of one meeting and the meeting date that relative dates resolve against."""

    def __init__(self, utterances: Sequence[Utterance], meeting_date: date) -> None:
        self.date = meeting_date
        docs = english().pipe(u.text for u in utterances)
        self.turns: list[Turn] = []
        for index, (utterance, doc) in enumerate(zip(utterances, docs, strict=True)):
            said = tuple(Said(index, s, utterance.speaker) for s in doc.sents if s.text.strip())
            self.turns.append(Turn(index, utterance, said))
        self._times: dict[tuple[int, int], list[TimeExpression]] = {}
        self.speakers: list[str] = []
        for turn in self.turns:
            if turn.speaker and turn.speaker not in self.speakers:
                self.speakers.append(turn.speaker)

    def sentences(self) -> Iterator[Said]:
        for turn in self.turns:
            yield from turn.sentences

    def next_turn(self, turn: int, other_than: str | None = None) -> Turn | None:
        """The next turn, by someone other than ``other_than`` when that is known."""
        for candidate in self.turns[turn + 1 : turn + 4]:
            if other_than is None or candidate.speaker != other_than:
                return candidate
        return None

    def previous_sentences(self, said: Said, limit: int = 12) -> list[Said]:
        """Sentences before ``said``, nearest first."""
        found: list[Said] = []
        for turn in reversed(self.turns[max(0, said.turn - 6) : said.turn + 1]):
            for other in reversed(turn.sentences):
                if turn.index == said.turn and other.span.start >= said.span.start:
                    continue
                found.append(other)
                if len(found) >= limit:
                    return found
        return found

    def times(self, said: Said) -> list[TimeExpression]:
        """Time expressions of a sentence (cached: every family asks for them)."""
        key = (said.turn, said.span.start)
        if key not in self._times:
            self._times[key] = _times_by_clause(said.text, self.date)
        return self._times[key]

    def vocative(self, said: Said) -> str | None:
        """The attendee a sentence addresses by name: "Ada, can you ...", "..., Ada?"."""
        tokens = [t for t in said.span if not t.is_punct]
        if not tokens:
            return None
        for token in (tokens[0], tokens[-1]):
            name = self.person(token)
            if name and _set_off(token):
                return name
        return None

    def addressee(self, said: Said) -> str | None:
        """Who a sentence is said to: the name it calls, else the last other speaker."""
        called = self.vocative(said)
        if called:
            return called
        for turn in reversed(self.turns[max(0, said.turn - 3) : said.turn]):
            if turn.speaker and turn.speaker != said.speaker:
                return turn.speaker
        return None

    def person(self, token: Token) -> str | None:
        """The speaker label ``token`` names, if it names one."""
        if token.text in self.speakers:
            return token.text
        return None


def _times_by_clause(text: str, meeting: date) -> list[TimeExpression]:
    """`find_times` clause by clause, with offsets into the whole sentence.

    The resolver will not read "by the twentieth" when a word follows the ordinal ("by the
    twentieth or we lose the deposit"), to keep "on the first day" out; a time never spans a
    clause boundary, so each clause is read on its own. "due the twelfth" is read as "by the
    twelfth" (same length, same offsets).
    """
    text = _DUE.sub(" by the", text)
    found: dict[int, TimeExpression] = {}
    start = 0
    for boundary in [*(m.start() for m in _CLAUSE.finditer(text)), len(text)]:
        for time in find_times(text[start:boundary], meeting):
            shifted = TimeExpression(time.phrase, time.start + start, time.end + start, time.date)
            found.setdefault(shifted.start, shifted)
        start = boundary
    for time in find_times(text, meeting):  # whole-sentence matches the clauses may have cut
        if not any(t.start <= time.start < t.end for t in found.values()):
            found.setdefault(time.start, time)
    return sorted(found.values(), key=lambda t: t.start)


_CLAUSE = re.compile(r",|;|\b(?:and|or|but|so)\b")


def _set_off(token: Token) -> bool:
    """A name set off by a comma or standing at the sentence's edge, as vocatives are."""
    doc = token.doc
    before = doc[token.i - 1].text if token.i > 0 else ""
    after = doc[token.i + 1].text if token.i + 1 < len(doc) else ""
    return before in ("", ",", ".", "?") or after in (",", "?", ".", "!", "")


def content(token: Token) -> bool:
    return not (token.is_punct or token.is_space or token.lower_ in OPENERS)


def first_word(said: Said) -> Token | None:
    for token in said.span:
        if content(token):
            return token
    return None


def subject_of(verb: Token) -> Token | None:
    subjects = [c for c in verb.children if c.dep_ in SUBJECT_DEPS]
    # "Finn, can you call ...": the parser may take the vocative for a second subject
    spoken = [c for c in subjects if not (c.pos_ == "PROPN" and _set_off(c))]
    for child in spoken or subjects:
        return child
    if verb.dep_ in ("conj", "xcomp") and verb.head.i != verb.i:
        return subject_of(verb.head)
    return None


def has_child(verb: Token, deps: frozenset[str] | set[str], words: frozenset[str]) -> bool:
    return any(c.dep_ in deps and c.lower_ in words for c in verb.children)


def join_tokens(tokens: list[Token]) -> str:
    """Tokens as they were written: no space where the text had none ("three-year", "we'll")."""
    text = ""
    for position, token in enumerate(tokens):
        text += token.text
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        if following is None:
            break
        glued = following.i == token.i + 1 and not token.whitespace_
        text += "" if glued else " "
    return text
