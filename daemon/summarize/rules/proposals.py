"""Proposals and the answers to them: the decision shapes that need the next speaker.

"Let's X" proposes; "Why don't we X?", "I'd propose we X" and "The proposal is to X" are
decisions only when the next speaker agrees (``requests.accepts``), and not when they object.
``decisions.py`` asks these questions; this module answers them from the parse.
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.outcomes import outcome
from daemon.summarize.rules.parse import Meeting, Said, first_word, subject_of
from daemon.summarize.rules.requests import accepts

PROPOSING = frozenset({"think", "thinking", "propose", "suggest", "recommend", "say"})
ASKING_GROUP = frozenset({"why", "should", "shall", "how", "can", "could", "what"})
PROPOSALS = frozenset({"proposal", "suggestion", "plan", "motion", "recommendation"})


def lets(root: Token) -> Token | None:
    """The verb after "let's"."""
    if root.lower_ != "let":
        # "Let's leave X out": the parser may take "Let" for an auxiliary of the verb
        helped = any(c.lower_ == "let" and c.dep_ == "aux" for c in root.children)
        said_us = any(c.lower_ in ("'s", "us") and c.dep_ == "nsubj" for c in root.children)
        negated = any(c.dep_ == "neg" for c in root.children)
        return root if helped and said_us and not negated else None
    for child in root.children:
        if child.dep_ in ("ccomp", "xcomp") and any(
            c.lower_ in ("'s", "us") for c in child.children
        ):
            if any(c.dep_ == "neg" for c in child.children):
                return None
            return child
    return None


def lets_after_agreeing(said: Said) -> Token | None:
    """ "Agreed, let's do that": the parser may hang "let's" on the agreement."""
    opener = first_word(said)
    if opener is None or opener.lower_ not in ("agreed", "fine", "good", "great"):
        return None
    return next((found for t in said.span if t.lower_ == "let" and (found := lets(t))), None)


def proposed_we(said: Said, meeting: Meeting) -> str | None:
    """ "I was thinking we skip the site visit" / "I'd propose we move it", if someone agrees."""
    for token in said.span:
        head = token.head
        if token.dep_ == "ccomp" and head.lower_ in PROPOSING:
            subject = subject_of(token)
            if subject is not None and subject.lower_ == "we" and agreed(said, meeting):
                return outcome(said, meeting, start=token)
    return None


def adopted_question(said: Said, meeting: Meeting) -> str | None:
    """ "Why don't we skip the site visit this week?" counts when the next speaker agrees."""
    root = said.root
    subject = subject_of(root)
    opener = first_word(said)
    if subject is None or subject.lower_ != "we" or opener is None:
        return None
    if opener.lower_ not in ASKING_GROUP or not agreed(said, meeting):
        return None
    return outcome(said, meeting, start=root)


def proposal_agreed(said: Said, meeting: Meeting) -> bool:
    subject = subject_of(said.root)
    return subject is not None and subject.lower_ == "we" and agreed(said, meeting)


def agreed(said: Said, meeting: Meeting) -> bool:
    turn = meeting.turns[said.turn]
    if said.span.end < turn.sentences[-1].span.end and not turn.sentences[-1].question:
        return False  # the speaker went on; the proposal is not the question put
    answer = meeting.next_turn(said.turn, other_than=said.speaker)
    return answer is not None and accepts(answer, meeting) is True


def objected(said: Said, meeting: Meeting) -> bool:
    answer = meeting.next_turn(said.turn, other_than=said.speaker)
    return answer is not None and accepts(answer, meeting) is False


def proposal_is(root: Token) -> Token | None:
    """ "The proposal is to approve the new rota": a proposal put to the room."""
    subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
    if root.lower_ not in ("is", "'s") or subject is None or subject.lower_ not in PROPOSALS:
        return None
    return next((c for c in root.children if c.dep_ == "xcomp"), None)
