"""Attendees: the speakers, plus people addressed by name who answer (issue 10).

A capitalised word is not a name: "Wonderful", "Normally" or "Bye" open sentences all the time.
A name is a speaker label, or a token the parser tags PERSON or PROPN that is no English
adjective, adverb or verb, used as a vocative (set off by a comma at either end of a sentence)
and followed by a turn of someone else, the person answering. Said once, the vocative must
be in a question or the word a PERSON somewhere in the meeting ("Ugh, sorry." calls nobody).
With speakers labelled by name, the people who answer are speakers already.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from daemon.nlp import lexicon
from daemon.summarize.rules.parse import Meeting, Said

UNNAMED = re.compile(r"Speaker \d+")


def find(meeting: Meeting) -> list[str]:
    people = list(meeting.speakers)
    persons = frozenset(
        t.text for said in meeting.sentences() for t in said.span if t.ent_type_ == "PERSON"
    )
    called: dict[str, int] = {}
    for turn in meeting.turns:
        answer = meeting.next_turn(turn.index, other_than=turn.speaker)
        if answer is None or (answer.speaker and not UNNAMED.fullmatch(answer.speaker)):
            continue  # a labelled answer is a speaker already
        for said in turn.sentences:
            name = addressed(said, persons)
            if name:
                called[name] = called.get(name, 0) + 1
                # said once, a name must at least be asking something ("Tobias, anything
                # from the warehouse?"); "Ugh, sorry." asks nothing of anyone
                sure = name in persons or called[name] > 1 or said.question
                if sure and name not in people:
                    people.append(name)
    return people


def addressed(said: Said, persons: frozenset[str] = frozenset()) -> str | None:
    """A name the sentence calls, set off by a comma, that the parser takes for a name.

    "Tobias, anything from the warehouse?" and "..., Ivy?" call someone; "than Spring."
    does not. The word must be PERSON somewhere in the meeting, or a PROPN that WordNet does not
    know as an English word; a PROPN that is also an English noun ("Ivy", "Rose") counts
    only where it closes a question, the one place a noun is so clearly a vocative.
    """
    tokens = [t for t in said.span if not t.is_punct]
    if not tokens:
        return None
    first, last = tokens[0], tokens[-1]
    doc = said.span.doc
    if first.i + 1 < len(doc) and doc[first.i + 1].text == "," and _name_like(first, persons):
        return first.text
    before = doc[last.i - 1].text if last.i > 0 else ""
    if before == "," and _name_like(last, persons, closing=said.question):
        return last.text
    return None


def _name_like(token: Token, persons: frozenset[str], closing: bool = False) -> bool:
    if not token.text.istitle() or not token.is_alpha:
        return False
    words = lexicon()
    word = token.lower_
    if any(words.has(word, pos) for pos in ("adj", "adv", "verb")):
        return False  # "Wonderful", "Normally", "Understood"
    if token.text in persons:
        return True
    if token.pos_ != "PROPN":
        return False
    return closing or not words.has(word, "noun")
