"""Requests and acceptances: "Ben, can you do the banners by next Friday?" - "Sure."

Three kinds of sentence hand someone a task:
- a request: "can/could/would/will you ...?", "would you mind ...?", "I need you to ...",
  or an imperative that calls its addressee by name ("Gil, send me the deck");
- an assignment: an attendee's name (or "you" after their name) with a present or future
  verb ("Cleo sends you the figures by Tuesday", "Dan, you own the report");
- a counter-offer in the answer ("Can I make it Wednesday?") is an acceptance with a date.

A request becomes an item only if the addressee's answer accepts it: an acceptance word, a
first-person "I can/I'll", or a date. An answer that opens with a refusal or says "I can't" is
a decline, and the request is dropped. An assignment stands unless its owner declines. The
item's date is the last one the answer gives, else the request's own.
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.dates import TimeExpression
from daemon.summarize.rules.commitments import NOT_DELIVERABLES, conditional
from daemon.summarize.rules.followups import earlier_task, refers_back, takes_over
from daemon.summarize.rules.parse import Meeting, Said, Turn, first_word, subject_of
from daemon.summarize.rules.reducer import Finding
from daemon.summarize.rules.tasks import base, coordinated, deadline, task_text

ASKING = frozenset({"can", "could", "would", "will"})
WANTING = frozenset({"need", "want", "like"})  # "I need you to ...", "I'd like you to ..."
ACCEPT = frozenset(
    "yes yeah yep yup sure okay ok absolutely definitely certainly fine gladly happy done "
    "course consider will can alright right deal agreed agree works good great perfect "
    "sounds".split()
)
REFUSE = frozenset({"no", "nope", "sorry", "unfortunately", "afraid"})
NOT_REFUSALS = frozenset({"problem", "worries", "question", "objection", "objections"})
# Things asked of someone in the meeting itself, not deliverables.
IN_MEETING = NOT_DELIVERABLES | frozenset(
    "walk explain remind hear share tell give update introduce repeat clarify start begin".split()
)


def find(meeting: Meeting) -> list[Finding]:
    findings: list[Finding] = []
    for said in meeting.sentences():
        for verb, owner in _asked(said, meeting):
            findings.extend(_answered(verb, owner, said, meeting))
    return findings


def _asked(said: Said, meeting: Meeting) -> list[tuple[Token, str | None]]:
    """Verbs whose doer is someone other than the speaker, with that someone (if named)."""
    found: list[tuple[Token, str | None]] = []
    called = meeting.vocative(said)
    for verb in said.span:
        if verb.pos_ != "VERB" or (
            verb.dep_ == "conj" and not any(c.dep_ == "nsubj" for c in verb.children)
        ):
            continue
        subject = subject_of(verb)
        aux = {c.lower_ for c in verb.children if c.dep_ == "aux"}
        negated = any(c.dep_ == "neg" for c in verb.children)
        if negated or base(verb) in IN_MEETING or conditional(verb):
            continue  # "I can draft it if Eve sends me the numbers" asks nothing
        if any(c.dep_ in ("dobj", "dative") and c.lower_ == "us" for c in verb.children):
            continue  # "take us through detection" is asked of the meeting itself
        if subject is not None and subject.lower_ == "you":
            if (said.question and aux & ASKING) or (
                verb.head.lower_ in WANTING and verb.dep_ in ("ccomp", "xcomp")
            ):
                found.append((verb, called))
            elif called and not said.question and verb.tag_ == "VBP" and not aux - {"will", "'ll"}:
                found.append((verb, called))  # "Dan, you own the report"
        elif subject is not None and said.speaker and not said.question:
            named = meeting.person(subject)
            present = verb.tag_ == "VBZ" or (verb.tag_ == "VB" and bool(aux & {"will", "'ll"}))
            if named and named != said.speaker and present:
                found.append((verb, named))  # "Cleo sends you the figures"
        elif subject is None and verb.dep_ == "ROOT" and verb.tag_ == "VB" and called:
            found.extend([] if said.question or aux else [(verb, called)])  # "Gil, send it"
    return found


def _answered(verb: Token, owner: str | None, said: Said, meeting: Meeting) -> list[Finding]:
    asker = said.speaker
    assigned = owner is not None and not said.question and subject_of(verb) is not None
    answer = _answer(meeting, said, owner)
    if answer is None and not assigned:
        return []
    verdict = None
    if answer is not None:
        verdict = accepts(answer, meeting, strict=not assigned)
        if verdict is False or (verdict is None and not assigned):
            return []
        owner = owner or answer.speaker
    if owner is None or owner == asker:
        return []
    # An assignment's answer may be about something else; a request's answer is about it.
    later = _answer_date(answer, meeting) if answer is not None and said.question else None
    if takes_over(verb):
        # "Could you take that?" hands over the task just discussed.
        due = later or deadline(verb, said, meeting)
        return [Finding("assign", said, owner, earlier_task(said, meeting), due, True)]
    verbs = coordinated(verb)
    tasks = [(v, task_text(v, said, meeting, me=asker, you=owner)) for v in verbs]
    texts = [t for _, t in tasks if t]
    if not texts:
        return []
    task = " and ".join([texts[0], *(t[0].lower() + t[1:] for t in texts[1:])])
    due = next((d for d in (deadline(v, said, meeting, verbs) for v in verbs) if d), None)
    anaphoric = refers_back(verb)
    return [Finding("assign", said, owner, task, later or due, anaphoric)]


def _answer(meeting: Meeting, said: Said, owner: str | None) -> Turn | None:
    """The addressee's next turn (or the next other speaker's, when nobody was named)."""
    for turn in meeting.turns[said.turn + 1 : said.turn + 4]:
        if turn.speaker == said.speaker:
            continue
        if owner is None or turn.speaker == owner:
            return turn
    return None


def accepts(turn: Turn, meeting: Meeting, strict: bool = True) -> bool | None:
    """True for an acceptance, False for a refusal, None when the answer says neither.

    ``strict``: an "I can't" in the answer's first sentence refuses too. An assignment is
    refused only by an answer that opens with a refusal, since the answer may go on to
    something else ("I can't do Friday for the slides" after being given another task).
    """
    if not turn.sentences:
        return None
    opening = turn.sentences[0]
    word = first_word(opening)
    tokens = [t for t in opening.span if not t.is_punct]
    if word is not None and word.lower_ in REFUSE:
        following = (
            tokens[tokens.index(word) + 1 : tokens.index(word) + 2] if word in tokens else []
        )
        # "No problem", "No objection" accept
        return any(t.lower_ in NOT_REFUSALS for t in following)
    if strict and any(t.lower_ in ("sorry", "unfortunately", "afraid") for t in opening.span):
        return False  # "Tuesday I'm at a conference, sorry."
    for said in turn.sentences[:1] if strict else ():
        for token in said.span:
            if token.lower_ == "i" and token.dep_ == "nsubj":
                head = token.head
                negated = any(c.dep_ == "neg" for c in head.children)
                # "I can't, ..." leaves the modal as the head itself
                modal = {head.lower_} | {c.lower_ for c in head.children if c.dep_ == "aux"}
                if negated and modal & {"can", "ca", "will", "wo", "could"}:
                    return False  # "I can't take that on"
    for token in opening.span:
        if token.is_punct:
            continue
        if token.lower_ in ACCEPT:
            return True
        if token.lower_ in ("i", "we"):
            # "I can do that", "I'll take it"; not "I don't have budget for that"
            head = token.head
            modal = {c.lower_ for c in head.children if c.dep_ == "aux"} | {head.lower_}
            negated = any(c.dep_ == "neg" for c in head.children)
            if negated:
                return False if strict else None
            return True if modal & {"can", "will", "'ll", "shall"} else None
        break
    if _answer_date(turn, meeting) is not None:
        return True  # a date is an answer: "Tomorrow, yes." / "Tuesday?"
    return None


def _answer_date(turn: Turn, meeting: Meeting) -> TimeExpression | None:
    found = None
    for said in turn.sentences:
        for time in meeting.times(said):
            if time.date is not None:
                found = time
    return found
