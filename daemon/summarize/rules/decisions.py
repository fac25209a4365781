"""Decisions: outcomes the meeting agreed on, found by the kind of sentence that states them.

Kinds (each a shape of the parse, not a phrase list):
- a group resolution: "let's X", "we'll X", "we're X-ing", "we go with X", "we decided X";
- a conclusion: a declarative sentence opened by "so"/"then" or closed by "then" ("Then the
  third cohort is off for this summer", "The blue logo it is, then");
- a change stated in the present: a plan noun with a verb of change ("Widgets go back to the
  backlog", "the new hire moves to next year", "the proposal is approved");
- a choice confirmed with "X it is", or refused with a bare "no X" ("No overtime");
- a proposal, even phrased as a question ("Why don't we skip the site visit?", "I'd propose we
  move it"), that the next speaker agrees to.
Not decisions: putting the decision itself off ("let's not decide that today"), hedged or
conditional ideas nobody took up, first-person commitments (action items) and assignments to
a person, questions that nobody agreed to, past-tense reports.
"""

from __future__ import annotations

from spacy.tokens import Token

from daemon.summarize.rules.outcomes import FILLERS, outcome
from daemon.summarize.rules.parse import Meeting, Said, first_word, subject_of
from daemon.summarize.rules.proposals import (
    adopted_question,
    agreed,
    lets,
    lets_after_agreeing,
    objected,
    proposal_agreed,
    proposal_is,
    proposed_we,
)
from daemon.summarize.rules.similarity import same_task
from daemon.summarize.rules.tasks import TALKING
from daemon.summarize.schema import Decision, Evidence

MARKERS = frozenset({"so", "then"})
HEDGES = frozenset({"should", "could", "might", "would", "may", "must", "'d"})
CONDITIONAL = frozenset({"if", "unless", "assuming", "whether"})
# Verbs that change a plan, a date, a scope or a budget when said of a plan in the present.
CHANGE = frozenset(
    """
    move go come slip shift push switch close replace cap get lead keep drop cancel skip
    approve reject freeze extend delay postpone scrap
    """.split()
)
# Things done in the meeting itself ("let's start", "let's talk about the budget").
PROCEDURE = frozenset(
    """
    start begin talk discuss go hear see look think say recap wrap finish continue check stay
    review circle revisit park table wait put break jump know try find get
    """.split()
)
# Imperatives that call planned work off decide something ("Fine, skip the brochure then").
CALLING_OFF = frozenset({"skip", "drop", "cancel", "scrap", "keep", "leave"})
STATES = frozenset("done finished ready covered sorted handled fine okay booked".split())
REPORTING = frozenset(
    "show shows showed say says said mean means look looks seem seems sound sounds feel feels "
    "mention mentions suggest suggests".split()
)
# Adverbs of a report on how things are, not of an outcome.
STATUS = frozenset({"still", "already", "never", "always", "usually", "normally"})
HABITUAL = frozenset(
    "do lose use get have need want know see think go come make take say try work".split()
)
FREQUENCY = frozenset("every each always usually often normally sometimes never ages".split())
PUT_OFF = frozenset({"decide", "decision", "deciding", "hold", "revisit", "park", "table"})
# Nouns of talk about the meeting itself ("Next steps.", "The long and short of it.").
NOT_OUTCOMES = frozenset(
    "problem problems worries idea objection objections promises rush need doubt question "
    "questions step steps version summary recap point points update updates agenda item items "
    "topic news thanks".split()
)
CONFIRMING = frozenset({"okay", "ok", "fine", "so", "then", "right", "alright", "great", "good"})


def find(meeting: Meeting) -> list[Decision]:
    found: list[tuple[Said, str]] = []
    for said in meeting.sentences():
        text = _decided(said, meeting)
        if not text:
            continue
        # The last statement of an outcome is its final state: it replaces earlier ones.
        found = [(s, t) for s, t in found if not same_task(t, text)]
        found.append((said, text))
    return [
        Decision(text=text, evidence=Evidence(quote=said.text, speaker=said.speaker))
        for said, text in found
    ]


def _decided(said: Said, meeting: Meeting) -> str | None:
    root = said.root
    if _put_off(said) or _conditional(said) or _listing(said):
        return None
    if said.question:
        return adopted_question(said, meeting)
    subject = subject_of(root) if root.pos_ in ("VERB", "AUX") else None
    aux = {c.lower_ for c in root.children if c.dep_ in ("aux", "auxpass")}
    if subject is not None and (
        subject.lower_ in ("i", "you", "he", "she", "they") or meeting.person(subject)
    ):
        # others' views and plans are not the meeting's, but "..., so we're rejecting it" is
        return proposed_we(said, meeting) or _we_clause(said, meeting)
    if aux & HEDGES and not proposal_agreed(said, meeting):
        return None
    proposed = proposal_is(root)
    if proposed is not None:
        return outcome(said, meeting, start=proposed) if agreed(said, meeting) else None
    if _undecided(said):
        return None
    let = lets(root) or lets_after_agreeing(said)
    if let is not None:
        if _procedure(let) or objected(said, meeting) or let.lower_ in TALKING:
            return None  # "let's ask the landlord" is work for someone: an action item
        if let.lower_ in ("do",) and any(c.lower_ in ("that", "it", "this") for c in let.children):
            return _previousoutcome(said, meeting)  # "A week's refund is fair. Let's do that."
        return outcome(said, meeting, start=let)
    if subject is not None and subject.lower_ == "we":
        return _group(root, said, meeting)
    if _it_is(root, said) or _no_thing(said) or _confirmed_choice(said, meeting):
        return outcome(said, meeting)
    if _status(root, subject, said, meeting):
        return None
    if subject is None and root.tag_ == "VB" and root.lower_ not in CALLING_OFF:
        return None  # an imperative to someone: an assignment, not a decision
    if _concluding(said) and root.tag_ != "VBD" and not any(c.dep_ == "neg" for c in root.children):
        return outcome(said, meeting)
    if _change(root, subject):
        return outcome(said, meeting)
    return None


def _acts_on_something(verb: Token) -> bool:
    """The verb has an object, or a prepositional object that is not a time."""
    for child in verb.children:
        if child.dep_ in ("dobj", "attr", "oprd", "ccomp", "xcomp"):
            return True
        if child.dep_ == "prep" and any(
            o.dep_ == "pobj" and o.ent_type_ not in ("DATE", "TIME") for o in child.children
        ):
            return True
    return False


def _procedure(verb: Token) -> bool:
    """Running the meeting: "let's start", "let's take a break"; not "let's go with X"."""
    if verb.lower_ == "go" and any(c.lower_ == "with" for c in verb.children):
        return False
    if verb.lower_ == "take":
        return any(
            c.dep_ == "dobj" and c.lower_ in ("look", "break", "minute") for c in verb.children
        )
    return verb.lower_ in PROCEDURE


def _ruling(root: Token, said: Said) -> bool:
    """ "We seal the entrance until ...", "We ship it": the group's act, said in the present.

    Present simple is also how habits are told ("we do it by hand every month", "we lose
    twelve percent"): verbs of habit and words of frequency rule a sentence out.
    """
    if root.tag_ != "VBP" or root.lower_ in HABITUAL:
        return False
    return not any(t.lower_ in FREQUENCY for t in said.span)


def _choosing(root: Token) -> bool:
    """ "we go with option three", "we switch to Caldera": a choice in the present."""
    if root.lower_ == "get":
        return False  # "we get twelve temporary workers" reports
    return _changes_plan(root) or (
        root.lower_ == "go" and any(c.lower_ == "with" for c in root.children)
    )


def _changes_plan(verb: Token) -> bool:
    word = verb.lower_
    forms = ("", "s", "es", "d", "ed")
    return any(word in (*(w + f for f in forms), w + w[-1] + "ed") for w in CHANGE)


def _undecided(said: Said) -> bool:
    """Alternatives still open ("either we X or we Y") or a need ("visitors need a badge")."""
    words = {t.lower_ for t in said.span}
    root = said.root
    return ("either" in words and "or" in words) or root.lower_ in ("need", "needs")


def _status(root: Token, subject: Token | None, said: Said, meeting: Meeting) -> bool:
    """Reports, not outcomes: "that part's done", "the key is Ada's", "my report slips"."""
    children = list(root.children)
    if any(c.dep_ in ("advmod", "neg") and c.lower_ in STATUS for c in children):
        return True  # "the results are still all over the place"
    if any(c.dep_ == "auxpass" and c.lower_ in ("was", "were") for c in children):
        return True  # "the minutes were approved last month": done elsewhere, before
    if any(c.dep_ == "acomp" and any(a.lower_ == "too" for a in c.children) for c in children):
        return True  # "Monday is too late" judges a date, it sets none
    content = [t for t in said.span if t.is_alpha and t.lower_ not in FILLERS and t.pos_ != "DET"]
    if content and all(t.ent_type_ in ("DATE", "TIME", "CARDINAL") for t in content):
        return True  # a bare date answers a question about a task
    if any(c.dep_ == "expl" for c in children) or any(c.dep_ == "xcomp" for c in children):
        return True  # "there are two ways", "the crews keep finding", "the idea is to ..."
    if subject is not None and any(
        c.dep_ == "poss" and c.lower_ in ("my", "your", "his", "her") for c in subject.children
    ):
        return True  # one person's own work moving is a re-date, not a meeting decision
    if root.lower_ in STATES or any(c.dep_ == "acomp" and c.lower_ in STATES for c in children):
        return True  # "that part's done", "lunch is covered"
    if root.lower_ in REPORTING:
        return True  # "the draft shows spending of ...", "tickets mention logins"
    if root.pos_ == "NOUN" and root.lower_ in NOT_OUTCOMES:
        return True  # "So, the long and short of it: ..."
    return any(c.dep_ == "attr" and meeting.person(c) for c in children) or any(
        t.dep_ == "poss" and meeting.person(t) for t in said.span if t.head.dep_ == "attr"
    )


def _group(root: Token, said: Said, meeting: Meeting) -> str | None:
    """ "we'll take the three-year term", "we're skipping the demo", "we go with SAML"."""
    if root.tag_ in ("VBD", "VBN"):
        return outcome(said, meeting) if root.lower_ in ("decided", "agreed", "chose") else None
    aux = {c.lower_ for c in root.children if c.dep_ == "aux"}
    if aux & {"can", "ca", "have", "'ve", "do"}:
        return None  # a possibility or a report ("we can cover it", "we've lost the pier")
    future = bool(aux & {"will", "'ll", "shall", "wo"}) or root.tag_ == "VBG"
    if not future and not _concluding(said) and not _choosing(root) and not _ruling(root, said):
        return None  # present simple is habit ("we do it by hand every month")
    if _procedure(root):
        return None
    if root.lower_ in ("have", "need", "want", "know", "be", "'re", "are", "got"):
        return None
    if not _acts_on_something(root):
        return None  # "we'll pick up the week after" decides nothing
    negated = any(c.dep_ == "neg" for c in root.children)
    if negated and not aux & {"wo", "will"} and not _changes_plan(root):
        return None  # "we won't renew" is a decision; "we don't have it" is not
    return outcome(said, meeting)


def _we_clause(said: Said, meeting: Meeting) -> str | None:
    """The group's own clause in another's sentence: "they won't, so we're rejecting it"."""
    for verb in said.span:
        subject = subject_of(verb) if verb.pos_ == "VERB" and verb.dep_ != "ROOT" else None
        if subject is None or subject.lower_ != "we" or subject.head.i != verb.i:
            continue
        aux = {c.lower_ for c in verb.children if c.dep_ == "aux"}
        if (aux & {"will", "'ll", "'re", "are"} or verb.tag_ == "VBG") and _acts_on_something(verb):
            return outcome(said, meeting, start=verb)
    return None


def _put_off(said: Said) -> bool:
    """ "Let's not decide that today", "let's hold off deciding": no outcome yet."""
    return any(t.lower_ in PUT_OFF and t.pos_ in ("VERB", "NOUN") for t in said.span)


def _listing(said: Said) -> bool:
    """ "X goes on the action list": assigning work, which is an action item only."""
    return any(t.lower_ == "list" and t.dep_ == "pobj" for t in said.span)


def _conditional(said: Said) -> bool:
    return any(t.dep_ == "mark" and t.lower_ in CONDITIONAL for t in said.span)


def _it_is(root: Token, said: Said) -> bool:
    """ "Tuesday at noon it is": a choice confirmed."""
    words = [t.lower_ for t in said.span if t.is_alpha and t.lower_ not in FILLERS]
    if len(words) >= 3 and words[-2:] == ["it", "is"]:
        return True  # however the parser attached the choice
    children = list(root.children)
    subject = next((c for c in children if c.dep_ == "nsubj"), None)
    attr = next((c for c in children if c.dep_ == "attr"), None)
    return (
        root.lower_ in ("is", "'s")
        and subject is not None
        and subject.lower_ == "it"
        and attr is not None
        and attr.i < subject.i
    )


def _no_thing(said: Said) -> bool:
    """ "No price rise", "From today, no visitors in the lab": a thing ruled out."""
    opener = first_word(said)
    if opener is not None and opener.lower_ == "no" and opener.dep_ == "det":
        return opener.head.pos_ == "NOUN" and opener.head.lower_ not in NOT_OUTCOMES
    root = said.root
    return (
        root.pos_ == "NOUN"
        and root.lower_ not in NOT_OUTCOMES
        and any(c.dep_ == "det" and c.lower_ == "no" for c in root.children)
    )


def _confirmed_choice(said: Said, meeting: Meeting) -> bool:
    """ "Okay, two-hour slots." / "Okay, Lisbon.": a bare choice after a marker."""
    tokens = [t for t in said.span if not t.is_punct]
    if not tokens or tokens[0].lower_ not in CONFIRMING or len(tokens) > 6:
        return False
    rest = [t for t in tokens[1:] if t.lower_ not in FILLERS]
    if not rest or any(t.pos_ in ("VERB", "AUX", "PRON") for t in rest):
        return False
    # the parser may hang the fragment on "Okay"; the choice is its first thing that is no date
    things = [
        t for t in rest if t.pos_ in ("NOUN", "PROPN") and t.ent_type_ not in ("DATE", "TIME")
    ]
    if not things:
        return False
    head = things[0]
    if meeting.person(head) or head.lower_ in NOT_OUTCOMES:
        return False
    modified = any(c.dep_ in ("compound", "amod", "nummod") for c in head.children)
    dated = any(t.ent_type_ == "DATE" for t in rest)  # "Great, open day on June third."
    return head.pos_ == "PROPN" or modified or dated


def _previousoutcome(said: Said, meeting: Meeting) -> str | None:
    for earlier in meeting.previous_sentences(said, limit=3):
        if not earlier.question:
            text = outcome(earlier, meeting)
            if text:
                return text
    return None


def _concluding(said: Said) -> bool:
    tokens = [t for t in said.span if not t.is_punct]
    if len(tokens) < 3:
        return False
    first = next((t for t in tokens if t.lower_ not in ("okay", "ok", "alright", "right")), None)
    starts = first is not None and first.lower_ in MARKERS and first.dep_ in ("advmod", "cc")
    return starts or tokens[-1].lower_ == "then"


def _change(root: Token, subject: Token | None) -> bool:
    """A plan with a verb of change in the present: "Dark mode goes back to the backlog"."""
    if not _changes_plan(root):
        return False
    if root.pos_ == "NOUN" and root.tag_ == "NNS":
        # "The staff party moves to September": the tagger took the verb for a plural noun.
        # "the auto-renewal goes": or took its subject for a compound
        subject = next((c for c in root.children if c.dep_ in ("nsubj", "compound")), None)
        return subject is not None and subject.pos_ == "NOUN"
    if subject is None or subject.pos_ not in ("NOUN", "PROPN") or subject.ent_type_ == "PERSON":
        return False
    # "the proposal is approved", and in headline style "Beta capped at five hundred users"
    passive = root.tag_ == "VBN" and (
        any(c.dep_ == "auxpass" for c in root.children) or root.dep_ == "ROOT"
    )
    return root.tag_ in ("VBZ", "VBP") or passive
