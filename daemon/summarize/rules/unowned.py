"""Tasks the group agrees must happen but nobody takes: they are items with no owner.

Three shapes:
- the task is put on the list: "let's put X on the list", "X goes on the action list";
- the task is a need with no doer: "someone needs to X", "it has to be booked by Friday",
  "it still needs fixing by the end of the month";
- a request with no addressee ("just send me the timing") is NOT one of these (README).
A later "I'll do it" from someone makes the item theirs (see the reducer).
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.nlp import lexicon
from daemon.summarize.dates import TimeExpression
from daemon.summarize.rules.anaphora import ANAPHORS, resolve
from daemon.summarize.rules.parse import Meeting, Said, subject_of
from daemon.summarize.rules.reducer import Finding
from daemon.summarize.rules.tasks import base, deadline, task_text

NOBODY = frozenset({"someone", "somebody", "anyone", "anybody"})
NEEDING = frozenset({"need", "needs", "has", "have"})
PLACING = frozenset({"put", "add", "goes", "go", "stays", "gets"})


def find(meeting: Meeting) -> list[Finding]:
    findings: list[Finding] = []
    for said in meeting.sentences():
        if said.question or _conditional(said):
            continue
        for token in said.span:
            task = _needed(token, said, meeting) or _listed(token, said, meeting)
            if task:
                due = deadline(token, said, meeting) or _due(said, meeting, token)
                findings.append(Finding("assign", said, None, task, due))
                break  # "it needs fixing, so that goes on the list": one task, said twice
    return findings


def _listed(verb: Token, said: Said, meeting: Meeting) -> str | None:
    """ "X goes on the list" / "let's put X on the list": X is the task."""
    if verb.lower_ not in PLACING or not _onto_list(verb):
        return None
    ranked = sorted(
        (c for c in verb.children if c.dep_ in ("dobj", "nsubj", "nsubjpass")),
        key=lambda c: c.dep_ != "dobj",  # "let's put X": X, not "'s"
    )
    thing = ranked[0] if ranked else None
    if thing is None or thing.lower_ in ("i", "you", "we", "'s", "us"):
        return None
    if thing.lower_ in ANAPHORS:
        return _earlier_need(said, meeting) or _handle(resolve(said, meeting))
    return _as_task(thing)


def _onto_list(verb: Token) -> bool:
    for prep in verb.children:
        onto = prep.dep_ == "prep" and prep.lower_ in ("on", "onto", "to")
        if onto and any(o.lower_ == "list" for o in prep.children if o.dep_ == "pobj"):
            return True
    return False


def _needed(verb: Token, said: Said, meeting: Meeting) -> str | None:
    """ "Someone needs to check that", "it has to be booked", "it needs fixing"."""
    if verb.lower_ not in NEEDING:
        return None
    subject = subject_of(verb)
    work = next((c for c in verb.children if c.dep_ == "xcomp" and c.pos_ == "VERB"), None)
    if subject is None or work is None or any(c.dep_ == "neg" for c in verb.children):
        return None
    if verb.dep_ == "relcl" or subject.tag_ in ("WDT", "WP"):
        return None  # "the figures that need checking" describes, it asks nothing
    if subject.lower_ in NOBODY:
        return task_text(work, said, meeting)
    passive = any(c.dep_ == "auxpass" for c in work.children)
    # "it needs fixing" asks for work; "the staff need training" may describe them.
    gerund = work.tag_ == "VBG" and subject.lower_ in ANAPHORS
    if not (passive or gerund) or subject.lower_ in ("i", "you", "we", "he", "she", "they"):
        return None
    thing = resolve(said, meeting) if subject.lower_ in ANAPHORS else _noun(subject)
    if not thing:
        return None
    return f"{base(work).capitalize()} {thing[0].lower()}{thing[1:]}"  # "Book the coach"


def _earlier_need(said: Said, meeting: Meeting) -> str | None:
    """ "Let's put it on the list": "it" is the need said just before."""
    for earlier in meeting.previous_sentences(said, limit=6):
        for token in earlier.span:
            subject = subject_of(token) if token.pos_ == "VERB" else None
            aux = {c.lower_ for c in token.children if c.dep_ == "aux"}
            if subject is not None and subject.lower_ in NOBODY and aux & {"should", "must"}:
                return task_text(token, earlier, meeting)
            needed = _needed(token, earlier, meeting) if token.lower_ in NEEDING else None
            if needed:
                return needed  # "It has to be booked by Friday. Let's put it on the list."
    return None


def _as_task(thing: Token) -> str | None:
    """A listed noun as an imperative: "the coach booking" is "Book the coach"."""
    words = lexicon()
    head = thing.lower_
    rest = _noun(thing, without_head=True)
    if head.endswith("ing") and len(head) > 5:
        for stem in (head[:-3], head[:-3] + "e", head[:-4]):
            if stem in words.base["verb"]:
                return f"{stem.capitalize()} the {rest}" if rest else None
    return _handle(_noun(thing))


def _handle(thing: str | None) -> str | None:
    return f"Handle {thing}" if thing else None


def _noun(head: Token, without_head: bool = False) -> str:
    """The noun phrase of ``head`` without its prepositions or clauses."""
    skip: set[int] = set()
    for child in head.children:
        if child.dep_ in ("prep", "relcl", "acl", "appos", "cc", "conj", "punct"):
            skip.update(t.i for t in child.subtree)
    tokens = [t for t in head.subtree if t.i not in skip]
    if without_head:
        tokens = [t for t in tokens if t.i != head.i and t.dep_ != "det"]
    return " ".join(t.text for t in tokens).replace(" '", "'")


def _due(said: Said, meeting: Meeting, verb: Token) -> TimeExpression | None:
    """A date of the sentence outside other doers' clauses ("..., and I'll do X on Monday")."""
    others = set()
    for token in said.span:
        subject = subject_of(token) if token.dep_ == "conj" and token.i != verb.i else None
        # "..., but it does have to go out by Wednesday" is still about the listed task
        if subject is not None and subject.lower_ not in ANAPHORS:
            others |= {t.i for t in token.subtree}
    start = said.span.start_char
    times = [
        t
        for t in meeting.times(said)
        if t.date is not None
        and not any(
            start + t.start <= tok.idx < start + t.end for tok in said.span if tok.i in others
        )
    ]
    return times[-1] if times else None


def _conditional(said: Said) -> bool:
    return any(t.dep_ == "mark" and t.lower_ in ("if", "unless") for t in said.span)
