"""A decision's text: the outcome in a few words, with its anaphors named.

The README asks for "a short paraphrase of the outcome, about 4 to 10 content words, without
the reasoning": the deciding clause without fillers ("so", "okay"), reasons ("because ..."),
"let's", vocatives, and with "it" or "that rewrite" replaced by what they refer to.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from daemon.summarize.dates import MONTHS
from daemon.summarize.rules.anaphora import resolve
from daemon.summarize.rules.parse import Meeting, Said, join_tokens

FILLERS = frozenset(
    "so then okay ok alright right well oh um uh and but yeah yes yep fine great good "
    "perfect cool just really".split()
)
MAX_WORDS = 12


def outcome(said: Said, meeting: Meeting, start: Token | None = None) -> str | None:
    """The outcome in a few words: the clause without fillers, reasons or "let's"."""
    tokens = list(start.subtree) if start is not None else list(said.span)
    skip: set[int] = set()
    for t in tokens:
        if t.is_punct or t.dep_ in ("intj", "discourse"):
            skip.add(t.i)
        if t.dep_ == "advcl" or (t.dep_ == "mark" and t.lower_ in ("because", "since")):
            skip.update(s.i for s in t.subtree)
        clause = t.dep_ in ("ccomp", "parataxis") and t.i < t.head.i
        if clause and any(c.dep_ == "nsubj" for c in t.children):
            skip.update(s.i for s in t.subtree)  # "They won't budge, so we're dropping X"
        if start is not None and t.head.i == start.i and t.dep_ in ("nsubj", "aux", "neg"):
            skip.add(t.i)
        if t.lower_ in ("'s", "let") and t.dep_ in ("nsubj", "ROOT"):
            skip.add(t.i)
        if meeting.person(t) and t.dep_ in ("npadvmod", "intj", "dep", "appos", "ROOT"):
            skip.add(t.i)  # a vocative: "Well done, Ada, the plan is approved"
    kept = [t for t in tokens if t.i not in skip]
    while kept and kept[0].lower_ in FILLERS:
        kept.pop(0)
    while kept and kept[-1].lower_ in FILLERS:
        kept.pop()
    kept = kept[:MAX_WORDS]
    text = _resolved(kept, said, meeting)
    named = any(t.pos_ in ("NOUN", "PROPN", "NUM") for t in kept) or len(text.split()) > len(kept)
    if len(kept) < 2 or not named:
        return None  # "we're rejecting it" names its object only once "it" is resolved
    text = _dates_as_dates(text, said, meeting)
    return text[0].upper() + text[1:]


def _dates_as_dates(text: str, said: Said, meeting: Meeting) -> str:
    """ "June third" becomes "May 21": the resolved date, as a reader wants it."""
    for time in meeting.times(said):
        spoken = time.phrase.lower()
        if time.date is None or not any(month in spoken for month in MONTHS):
            continue
        written = f"{time.date:%B} {time.date.day}"
        for form in (time.phrase, time.phrase.replace("-", " ")):
            text = re.sub(re.escape(form), written, text, flags=re.IGNORECASE)
    return text


def _resolved(kept: list[Token], said: Said, meeting: Meeting) -> str:
    """The outcome with "it" and "that rewrite" named: "keep the party in June"."""
    pieces: list[Token | str] = []
    skip: set[int] = set()
    for token in kept:
        if token.i in skip:
            continue
        dating = token.head.lower_ in ("make", "say")  # "let's make it Tuesday": a date
        if (
            token.lower_ in ("it", "that", "this")
            and token.dep_ in ("dobj", "nsubjpass", "pobj")
            and not dating
        ):
            antecedent = resolve(said, meeting, before=token.i)
            pieces.append(antecedent or token)
        elif token.dep_ == "det" and token.lower_ in ("that", "this") and token.head.pos_ == "NOUN":
            fuller = _fuller(token.head, said, meeting)
            if fuller:
                pieces.append(fuller)
                skip.update(t.i for t in token.head.subtree if t.i >= token.i)
                skip.add(token.head.i)
            else:
                pieces.append(token)
        else:
            pieces.append(token)
    return _join(pieces)


def _fuller(head: Token, said: Said, meeting: Meeting) -> str | None:
    """ "that rewrite": the earlier phrase with the same head ("the regression suite rewrite")."""
    for earlier in meeting.previous_sentences(said, limit=12):
        for token in earlier.span:
            if token.lower_ == head.lower_ and token.pos_ == "NOUN":
                phrase = [t for t in token.subtree if t.dep_ not in ("relcl", "punct")]
                if len(phrase) > 2:
                    return " ".join(t.text for t in phrase)
    return None


def _join(pieces: list[Token | str]) -> str:
    """Runs of tokens as written ("we're"), antecedent phrases set in with spaces."""
    words: list[str] = []
    run: list[Token] = []
    for piece in pieces:
        if isinstance(piece, str):
            if run:
                words.append(join_tokens(run))
                run = []
            words.append(piece)
        else:
            run.append(piece)
    if run:
        words.append(join_tokens(run))
    return " ".join(words)
