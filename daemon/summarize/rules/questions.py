"""Open questions: asked in the meeting and still unresolved at its end (not scored; listed).

A question counts when the answers that follow say nobody knows ("I don't know", "not sure",
"no idea") or promise to find out. Requests ("can you ...?") and small talk (short questions)
are not questions about the work.
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.parse import Meeting, Said, subject_of
from daemon.summarize.rules.tasks import FINDING_OUT

MIN_WORDS = 5
KNOWING = frozenset({"know", "sure", "idea", "clue", "certain"})


def find(meeting: Meeting) -> list[str]:
    found: list[str] = []
    for said in meeting.sentences():
        if not said.question or len([t for t in said.span if t.is_alpha]) < MIN_WORDS:
            continue
        if _request(said.root):
            continue
        answers = [s for t in meeting.turns[said.turn + 1 : said.turn + 4] for s in t.sentences]
        if any(_unsure(s) for s in answers[:4] if s.speaker != said.speaker):
            found.append(said.text)
    return found


def _request(root: Token) -> bool:
    subject = subject_of(root)
    modal = {c.lower_ for c in root.children if c.dep_ == "aux"}
    return subject is not None and subject.lower_ == "you" and bool(modal)


def _unsure(said: Said) -> bool:
    """ "I don't know", "I'm honestly not sure", "No idea, sorry", "I'll find out"."""
    for token in said.span:
        if token.lower_ in KNOWING:
            negated = any(c.dep_ == "neg" or c.lower_ == "no" for c in token.children)
            if negated or (token.head.i != token.i and _negated(token.head)):
                return True
        if token.lower_ in FINDING_OUT and any(c.lower_ == "out" for c in token.children):
            return True
    return False


def _negated(token: Token) -> bool:
    return any(c.dep_ == "neg" for c in token.children)
