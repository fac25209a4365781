"""Task texts from the parse: the verb, its object and its complements, as an imperative.

A task is built from one verb token of a sentence: the verb in its base form, then the words of
its subtree minus everything that is not part of the deliverable (the subject and auxiliaries,
the deadline, hedges and fillers, other coordinated verbs, subordinate clauses). A verb without
an object is not a task ("Survive", "Present"), and an object that is an anaphor ("that", "it")
is replaced by the noun phrase it refers to, or the task is not phrased at all (issue 10).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Token

from daemon.nlp import lexicon
from daemon.summarize.dates import TimeExpression
from daemon.summarize.rules.anaphora import ANAPHORS, resolve
from daemon.summarize.rules.parse import Meeting, Said

PARTICLES = frozenset("out up over down off in back round around through on away together".split())
_DROP_DEPS = frozenset(
    "nsubj nsubjpass aux auxpass neg punct cc conj advcl mark intj discourse parataxis "
    "expl meta dep csubj".split()
)
_OBJECT = frozenset({"dobj", "obj", "dative", "ccomp", "xcomp", "attr", "oprd", "acomp"})
_IRREGULAR = {"has": "have", "does": "do", "goes": "go", "is": "be", "'s": "be", "'ll": "will"}
MAX_WORDS = 14
INDEFINITE = frozenset("anything something everything nothing stuff".split())
# Verbs whose "them" is people ("call them", "meet them"), never a thing said before.
TALKING = frozenset(
    "tell ask call email ring remind let contact text message inform ping thank chase meet "
    "visit see join help brief train".split()
)


def base(verb: Token) -> str:
    """The verb's base form: the lemmatizer is not loaded, so WordNet's verb list decides."""
    word = verb.lower_
    if verb.tag_ in ("VB", "VBP") or not word.isalpha():
        return _IRREGULAR.get(word, word)
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    verbs = lexicon().base["verb"]
    for cut, add in _ENDINGS.get(verb.tag_, ()):
        candidate = word[: len(word) - cut] + add
        if len(candidate) > 1 and candidate in verbs:
            return candidate
    return word


_ENDINGS = {
    "VBZ": ((1, ""), (2, ""), (3, "y")),
    "VBD": ((2, ""), (1, ""), (3, ""), (3, "y")),
    "VBN": ((2, ""), (1, ""), (3, ""), (3, "y")),
    "VBG": ((3, ""), (3, "e"), (4, "")),
}


def deadline_tokens(said: Said, meeting: Meeting) -> set[int]:
    """Token indices (in the doc) inside a time expression or a DATE/TIME entity."""
    start = said.span.start_char
    spans = [(start + t.start, start + t.end) for t in meeting.times(said)]
    dropped = {
        token.i
        for token in said.span
        if any(a <= token.idx < b for a, b in spans) or token.ent_type_ in ("DATE", "TIME")
    }
    # "first thing" is a time of day even without "tomorrow" ("I can phone them first thing")
    dropped |= {
        t.i
        for t in said.span
        if (t.lower_ == "first" and t.head.lower_ == "thing")
        or (t.lower_ == "thing" and any(c.lower_ == "first" for c in t.children))
    }
    # "Monday's release": the possessive goes with the date; so does "due" in "due Friday".
    dropped |= {
        t.i
        for t in said.span
        if t.dep_ in ("case", "det", "amod", "nummod", "compound") and t.head.i in dropped
    }
    dropped |= {
        t.i for t in said.span if t.lower_ == "due" and any(c.i in dropped for c in t.children)
    }
    return dropped


def task_text(
    verb: Token, said: Said, meeting: Meeting, me: str | None = None, you: str | None = None
) -> str | None:
    """The imperative task of ``verb``, or None when it has no object or an unresolved one.

    "you" and "me" become the people they are (``you`` defaults to whoever the sentence
    addresses, ``me`` to its speaker): a task says "Send Ada the link", not "Send you the link".
    """
    if verb.pos_ not in ("VERB", "AUX") or verb.lower_ in ("be", "'m", "am", "is", "are"):
        return None
    if verb.lower_ in ("going", "gon"):
        return None  # "going to write it": the task is "write"
    people = {"me": me or said.speaker, "you": you or meeting.addressee(said)}
    dropped = deadline_tokens(said, meeting)
    pieces: list[tuple[int, list[str]]] = [(verb.i, [base(verb)])]
    has_object = False
    children = list(verb.children)
    known = next((c for c in children if c.dep_ == "ccomp" and c.lower_ == "know"), None)
    if verb.lower_ == "let" and known is not None:
        # "let you know about X" is "tell Ada about X"
        pieces = [(verb.i, ["tell"])]
        children = [c for c in children if c.i != known.i] + list(known.children)
        has_object = True
    if _delivered(verb):
        pieces = [(verb.i, ["send"])]  # "I'll have the new draft to everyone by Monday"
    caused = _causative(verb)
    as_object: set[int] = set()
    if caused is not None:
        # "have it signed and filed" is "print and post it"; "have the slides ready" is
        # "prepare the binder".
        state, thing = caused
        pieces = [(verb.i, [_RESULT_VERBS.get(state.lower_) or _with_conj(state)])]
        children = [thing] + [c for c in state.children if c.i != thing.i]
        as_object.add(thing.i)
        has_object = True
    for child in children:
        if child.dep_ == "nsubj" and known is not None and child.head.i == known.i:
            pieces.append((child.i, _people([child], people)))
            continue
        if child.i in as_object:
            words = _resolved(_phrase(child, dropped), said, meeting, people)
            if words is None:
                return None
            pieces.append((child.i, words))
            continue
        if child.dep_ in _DROP_DEPS:
            continue
        if child.i in dropped:
            # "call the printer first thing tomorrow": the parser hung the object on the time
            rest = [t for t in child.subtree if t.i not in dropped and not t.is_punct]
            if any(t.pos_ in ("NOUN", "PROPN") for t in rest):
                pieces.append((rest[0].i, [t.text for t in rest]))
                has_object = True
            continue
        if child.i < verb.i and child.dep_ in ("prep", "advcl", "npadvmod", "advmod", "agent"):
            continue  # "Given the rain, I'll check the roof": framing, not the task
        if child.dep_ in ("advmod", "npadvmod") and child.lower_ not in PARTICLES:
            continue
        if (
            child.dep_ == "prep"
            and child.lower_ in TIME_PREPS
            and any(o.lower_ in ANAPHORS for o in child.children)
        ):
            continue  # "before that" is a time, not a thing
        if child.dep_ in ("prep", "agent") and all(
            t.i in dropped for t in child.subtree if t.i != child.i
        ):
            continue  # "by Friday" once "Friday" went
        if meeting.person(child) and child.dep_ in ("npadvmod", "appos"):
            continue  # a vocative "..., Ada"
        if child.dep_ in _OBJECT and child.tag_ in ("WP", "WDT"):
            return None  # "what do you have?" asks, it names no task
        if child.dep_ in ("dobj", "attr") and child.lower_ in INDEFINITE:
            return None  # "sign anything", "do something quick": no deliverable named
        words = _resolved(_phrase(child, dropped), said, meeting, people)
        if words is None:
            if child.dep_ in _ANAPHOR_SLOTS:
                return None  # "Finish that" with nothing "that" can be
            continue
        if not words:
            continue
        if child.dep_ in _OBJECT:
            has_object = True
        elif child.dep_ == "prep" and child.lower_ not in TIME_PREPS:
            # "ping the ops lead about X" has an object; "finish before the audit" not
            has_object = has_object or any(t.dep_ == "pobj" for t in child.children)
        pieces.append((child.i, words))
    if not has_object:
        asked = _question_asked(verb, said, meeting)
        if asked is None:
            return None
        pieces.append((len(verb.doc) + 1, asked.split()))  # "find out whether X"
    pieces.sort(key=lambda p: p[0])
    text = [w for _, words in pieces for w in words]
    if len(text) < 2:
        return None
    return _tidy(" ".join(text[:MAX_WORDS]))


_RESULT_VERBS = {"ready": "prepare", "done": "finish", "finished": "finish"}


def _causative(verb: Token) -> tuple[Token, Token] | None:
    """(state, thing) of "have/get THING STATE": "have it signed", "get the slides ready"."""
    if base(verb) not in ("have", "get"):
        return None
    for child in verb.children:
        if child.dep_ == "ccomp" and (child.tag_ == "VBN" or child.lower_ in _RESULT_VERBS):
            thing = next((c for c in child.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if thing is not None:
                return child, thing
        if child.dep_ == "dobj":
            state = next((c for c in child.children if c.dep_ == "acl" and c.tag_ == "VBN"), None)
            if state is not None:
                return state, child
    return None


def _delivered(verb: Token) -> bool:
    """ "have X out", "have X to Ada": X is sent, whatever "have" says."""
    if base(verb) != "have" or not any(c.dep_ == "dobj" for c in verb.children):
        return False
    return any(
        (c.dep_ in ("prt", "advmod") and c.lower_ in ("out", "over", "round", "across"))
        or (c.dep_ == "prep" and c.lower_ == "to")
        for c in verb.children
    )


def _with_conj(state: Token) -> str:
    verbs = [base(state)] + [base(c) for c in state.children if c.dep_ == "conj"]
    return " and ".join(verbs)


_CAUSATIVE = frozenset({"let", "make", "have", "get", "help"})
TIME_PREPS = frozenset({"before", "after", "until", "since", "till"})
_ANAPHOR_SLOTS = frozenset({"dobj", "obj", "dative", "attr", "oprd", "nsubjpass"})


def _phrase(token: Token, dropped: set[int]) -> list[Token]:
    """The words of ``token``'s subtree, minus deadlines, fillers and clauses of their own."""
    skip: set[int] = set()
    for t in token.subtree:
        if t.i in dropped or t.is_punct or t.dep_ in ("intj", "discourse", "neg"):
            skip.add(t.i)
        if t.i != token.i and (
            t.dep_ in ("relcl", "advcl", "mark", "parataxis", "appos")
            or (t.dep_ == "acl" and t.tag_ == "VBN")
        ):
            skip.update(s.i for s in t.subtree)
        if t.i != token.i and t.dep_ == "advmod" and t.lower_ not in PARTICLES:
            skip.update(s.i for s in t.subtree)
        if t.dep_ in ("prep", "agent") and all(s.i in dropped for s in t.subtree if s.i != t.i):
            skip.add(t.i)  # "on call by Monday": "by" goes with "Monday"
    return [t for t in token.subtree if t.i not in skip]


def _named_person(said: Said, meeting: Meeting) -> str | None:
    """The attendee last named before ``said`` by someone else: who "her" or "him" is."""
    for earlier in meeting.previous_sentences(said, limit=6):
        for token in reversed(list(earlier.span)):
            name = meeting.person(token) or (token.text if token.ent_type_ == "PERSON" else None)
            if name and name != said.speaker:
                return name
    return None


def _people(tokens: list[Token], people: dict[str, str | None]) -> list[str]:
    words = []
    for token in tokens:
        name = people.get("you" if token.lower_ in ("you", "your") else token.lower_)
        if token.lower_ in ("you", "me") and name:
            words.append(name)
        elif token.lower_ in ("your", "my") and name:
            words.append(f"{name}'s")
        else:
            words.append(token.text)
    return words


def _resolved(
    tokens: list[Token], said: Said, meeting: Meeting, people: dict[str, str | None]
) -> list[str] | None:
    """Words of a phrase with each anaphor replaced by its antecedent; None if one has none.

    "them" after a verb of talking to someone ("tell them", "call them") means people, and a
    noun phrase said before would be the wrong antecedent: it stays.
    """
    words: list[str] = []
    for token in tokens:
        if token.lower_ in ("him", "her") and token.dep_ in ("dobj", "pobj", "dative"):
            words.append(_named_person(said, meeting) or token.text)  # "send it to her"
            continue
        if token.lower_ == "them" and token.head.lower_ in TALKING:
            words.append(resolve(said, meeting, before=token.i, people=True) or token.text)
            continue
        if token.lower_ in ("you", "me", "your", "my"):
            words.extend(_people([token], people))
            continue
        if token.lower_ in ANAPHORS and token.dep_ in (*_ANAPHOR_SLOTS, "pobj", "nsubj"):
            if token.dep_ == "dobj" and token.head.lower_ in TALKING:
                return None  # "let me put it another way": "it" is a question, not a task
            antecedent = resolve(said, meeting, before=token.i)
            if antecedent is None:
                return None
            words.extend(antecedent.split())
        else:
            words.append(token.text)
    return words


def _tidy(text: str) -> str:
    text = re.sub(r" (n't|'[a-z]+)\b", r"\1", text).replace(" - ", "-")
    text = text.replace("all of you", "everyone")
    return text[0].upper() + text[1:]


def deadline(
    verb: Token, said: Said, meeting: Meeting, siblings: Sequence[Token] = ()
) -> TimeExpression | None:
    """The last time expression inside ``verb``'s own words (not its coordinated verbs')."""
    own = clause_tokens(verb)
    for other in siblings:
        if other.i != verb.i and other.i in own:
            own -= {t.i for t in other.subtree}
    start = said.span.start_char
    found = None
    for time in meeting.times(said):
        tokens = [t for t in said.span if start + time.start <= t.idx < start + time.end]
        if tokens and all(t.i in own for t in tokens):
            found = time
    return found


def coordinated(verb: Token) -> list[Token]:
    """``verb`` and the verbs joined to it by "and": "file a bug and get you a timeline".

    A joined verb with a subject of its own is another clause ("I'll sign it, and you can
    serve it"), with another doer: it is not part of this task.
    """
    verbs = [verb]
    for child in verb.children:
        if child.dep_ == "conj" and child.pos_ in ("VERB", "AUX"):
            if any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children):
                continue
            if any(
                c.dep_ == "advcl" and any(m.lower_ in ("if", "unless") for m in c.children)
                for c in child.children
            ):
                continue  # "... and push it up the line if nothing's moved": conditional
            verbs.extend(coordinated(child))
    return verbs


def clause_tokens(verb: Token) -> set[int]:
    """Indices of ``verb``'s clause: its subtree minus clauses joined with their own subject."""
    own = {t.i for t in verb.subtree}
    for token in verb.subtree:
        if token.i == verb.i or token.dep_ not in ("conj", "advcl", "parataxis"):
            continue
        if token.dep_ == "ccomp" and base(token.head) in _CAUSATIVE:
            continue  # "let you know by Monday", "have it signed by Friday": one clause
        if any(c.dep_ in ("nsubj", "nsubjpass") for c in token.children):
            own -= {t.i for t in token.subtree}
    return own


# Verbs of finding something out: without an object they mean "the question just asked".
FINDING_OUT = frozenset({"find", "check", "ask", "figure", "confirm", "research"})


def _question_asked(verb: Token, said: Said, meeting: Meeting) -> str | None:
    """ "I'll find out and get back to you" after "Is X still current?": "whether X ..."."""
    if verb.lower_ not in FINDING_OUT:
        return None
    asked = [
        s
        for s in meeting.previous_sentences(said, limit=8)
        if s.question and s.speaker != said.speaker
    ]
    if not asked:
        return None
    # Of the questions of the turn that asked, the fullest: "Is there any way to get per-user
    # audit logs?" rather than its follow-up "Like, who changed what?".
    turn = [s for s in asked if s.turn == asked[0].turn]
    question = max(turn, key=lambda s: len(s.span))
    words = [t for t in question.span if not t.is_punct and meeting.person(t) is None]
    embedded = next((t for t in words if t.dep_ == "mark" and t.lower_ in ("if", "whether")), None)
    if embedded is not None:
        words = [t for t in embedded.head.subtree if not t.is_punct][1:]
    elif words and words[0].pos_ == "AUX":
        # "Is your licence still valid" -> "your licence is still valid"
        subject = next((t for t in words if t.dep_ in ("nsubj", "expl")), None)
        if subject is not None:
            moved = [t for t in subject.subtree]
            rest = [t for t in words[1:] if t not in moved]
            words = [*moved, words[0], *rest]
    if len(words) < 3:
        return None
    return "whether " + " ".join(t.lower_ if t.i == question.span.start else t.text for t in words)
