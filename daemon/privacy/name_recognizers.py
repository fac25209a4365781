"""Minutes' Presidio recognizers of people's names, beside spaCy's own PERSON entities.

- ``ProperNameRecognizer``: the small spaCy model misses many names it has not seen
  ("Siobhan", "Emeka", "Tomasz"), or calls them organisations. Capitalised nouns that could be
  names and are used the way names are ("thanks, Siobhan", "ask Tomasz", "Emeka and Ngozi",
  "Diego, could you") are PERSONs.
- ``GivenNameWordRecognizer``: in lower-case text, common given names that are also words
  ("sandy", "bill"), where a name is said.
- ``KnownWordsRecognizer``: words known to be of a type, matched as whole words and with their
  case (speaker names and the roster are PERSONs; ``privacy.deny`` words are always redacted):
  "Will" the speaker is a name, "will" the verb is not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from presidio_analyzer import LocalRecognizer, RecognizerResult

from daemon.privacy.name_cues import (
    ADDRESS_WORDS,
    SHORT_TITLES,
    SPEECH,
    TITLES,
    acts,
    after_title,
    asked_for,
    is_dated,
    listed_with_a_person,
    modal_that_is_a_name,
    said_as_name,
)
from daemon.privacy.recognizers import presidio_result

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = ["UNCASED", "GivenNameWordRecognizer", "KnownWordsRecognizer", "ProperNameRecognizer"]


class _PersonRecognizer(LocalRecognizer):
    """A recognizer of PERSONs that reads spaCy's tokens and has nothing to load."""

    def load(self) -> None:
        pass

    @staticmethod
    def tokens(entities: list[str], nlp_artifacts: NlpArtifacts | None) -> Any:
        """The text's spaCy ``Doc``, or None when PERSONs are not asked for."""
        if "PERSON" not in entities or nlp_artifacts is None:
            return None
        return nlp_artifacts.tokens


class ProperNameRecognizer(_PersonRecognizer):
    """Capitalised nouns that could be names, used the way names are: PERSONs.

    spaCy tags unseen names PROPN or NOUN, sometimes with the entity GPE ("Thanks, Siobhan").
    A candidate is a word writers mostly capitalise, or no English word at all
    (``daemon.privacy.recase.could_be_name``); a capital its writer gave mid-sentence, or to a
    name addressed at the start ("Dawn, can you"), lowers that bar to words such as "Bill" and
    "Rose", and a common given name ("Precious") always passes it. A candidate needs a cue next
    to it: a greeting, verb of speech, title or inverted modal before ("thanks", "ask", "told",
    "with", "for", "and", "Dr", "can"), or a comma, "and", "will", "said", "can" or a verb in
    the past or third person after ("Mikko agreed"). A month or season that is a given name
    needs a cue of its own ("ask for June", "Summer from marketing"; ``said_as_name``); a given
    name spaCy read as a modal verb is a name before a finite verb ("Will is covering").
    Presidio's context words cannot express these (it drops stop words such as "and"
    and "will"), so the cues are checked here and Presidio's context words only add to the
    score. A word spaCy calls a place is taken as a name only with a cue of address or speech
    ("Thanks, Siobhan"; not "from Lagos") or listed with a person ("Oksana and Bilal"), and
    then outranks the place.
    """

    SCORE_WITH_CUE = 0.6
    SCORE_OVER_PLACE = 0.9  # above spaCy's 0.85 for the LOCATION it replaces
    SCORE = 0.3  # without a cue: below the threshold unless Presidio's context lifts it
    CONTEXT: ClassVar[list[str]] = (
        "thanks thank hi hello hey ask asked tell told said says mentioned talked spoke ping "
        "pinged cc loop sorry"
    ).split()
    CUES_BEFORE: ClassVar[frozenset[str]] = (
        TITLES
        | ADDRESS_WORDS
        | frozenset(
            "with and to from for by call can could would should did does".split()
        )  # "Can Mateus share ...?"
    )
    CUES_AFTER: ClassVar[frozenset[str]] = frozenset(
        ", and will said says is was has had can could would should mentioned 's \u2019s "
        "already here from".split()
    )
    ADDRESS_BEFORE: ClassVar[frozenset[str]] = ADDRESS_WORDS | TITLES  # "Mr Adeyemi"
    ADDRESS_AFTER: ClassVar[frozenset[str]] = frozenset(
        ", said says will can could mentioned 's \u2019s".split()
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], context=self.CONTEXT, name="ProperName")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        doc = self.tokens(entities, nlp_artifacts)
        if doc is None:
            return []
        results = []
        run: list[Any] = []
        for token in [*doc, None]:
            if token is not None and (_name_like(token) or _joins_a_name(token, run, doc)):
                run.append(token)
                continue
            if run and any(_candidate(t, doc) for t in run):
                before = doc[run[0].i - 1].lower_ if run[0].i > 0 else ""
                after = doc[run[-1].i + 1].lower_ if run[-1].i + 1 < len(doc) else ""
                place = any(t.ent_type_ in _PLACES for t in run)
                if any(is_dated(t) for t in run):
                    score = self.SCORE_WITH_CUE if said_as_name(run, doc) else 0.0
                elif place:
                    addressed = (
                        before in self.ADDRESS_BEFORE
                        or after_title(run, doc)
                        or asked_for(run[0], doc)
                        or after in self.ADDRESS_AFTER
                        or listed_with_a_person(run, doc)
                    )
                    score = self.SCORE_OVER_PLACE if addressed else 0.0
                elif before in self.CUES_BEFORE or after in self.CUES_AFTER or acts(doc, run):
                    score = self.SCORE_WITH_CUE
                else:
                    score = self.SCORE
                if score:
                    start, end = run[0].idx, run[-1].idx + len(run[-1].text)
                    results.append(presidio_result(self, "PERSON", start, end, score))
            run = []
        return results


_PLACES = ("GPE", "LOC", "FAC")
# What may stand before the first word of a sentence, which is capitalised whatever it is.
_SENTENCE_STARTS = frozenset('.!?:;"\u201c(\u2014-')
# After a name and a comma at the start of a sentence, what is said to the one named: "Dawn,
# can you check ...", "Jack, please ...".
_ADDRESSED = frozenset("can could would will please you your do did are have".split())


def _candidate(token: Any, doc: Any) -> bool:
    """Whether a capitalised token could be a name; a common given name ("Precious", "Hope")
    is one wherever its writer, not the start of a sentence, gave it its capital, and where
    grammar allows nothing else ("Will is covering")."""
    from daemon.privacy.casing import is_given_name
    from daemon.privacy.recase import could_be_name

    if token.tag_ == "HYPH":
        return False
    writers = _capital_is_the_writers(token, doc)
    return (
        could_be_name(token.text, capitalised_by_writer=writers)
        or (writers and is_given_name(token.text))
        or modal_that_is_a_name(token, doc)
    )


def _joins_a_name(token: Any, run: list[Any], doc: Any) -> bool:
    """A hyphen inside a run of name words ("Osei-Bonsu", which spaCy splits in three)."""
    after = token.i + 1
    return (
        token.tag_ == "HYPH"
        and bool(run)
        and after < len(doc)
        and not token.whitespace_
        and _name_like(doc[after])
    )


def _capital_is_the_writers(token: Any, doc: Any) -> bool:
    """Whether the token's capital says its writer took it for a name: it does not start a
    sentence, or it does and is a proper noun or a given name addressed ("Dawn, can you ...",
    "Grace, can you ..."), or a given name speaking or listed with a name ("Destiny
    confirmed", "Grant and Rose are covering")."""
    from daemon.privacy.casing import is_given_name

    if token.i > 0 and doc[token.i - 1].text not in _SENTENCE_STARTS:
        return True
    following = [t.lower_ for t in doc[token.i + 1 : token.i + 3]]
    addressed = len(following) == 2 and following[0] == "," and following[1] in _ADDRESSED
    if token.pos_ == "PROPN" and addressed:
        return True
    if not is_given_name(token.text):
        return False
    # "Grace, can you", "Destiny confirmed", "Grant and Rose are covering".
    listed = (
        len(following) == 2
        and following[0] == "and"
        and _name_like(doc[token.i + 2])
        and _candidate(doc[token.i + 2], doc)
    )
    speaking = bool(following) and following[0] in SPEECH
    return addressed or listed or speaking


def _name_like(token: Any) -> bool:
    from daemon.privacy.casing import is_given_name

    text = str(token.text)
    return (
        (token.pos_ in ("PROPN", "NOUN") or modal_that_is_a_name(token, token.doc))
        and (not is_dated(token) or is_given_name(text))  # "June" may be a name; "Friday" not
        and text[:1].isupper()
        and not text.isupper()  # "SSN", "API": acronyms
        and text.replace("-", "").replace("'", "").isalpha()
    )


# Before a noun, not a name: "the bill has", "your hope was".
_DETERMINERS = ("DT", "PRP$", "POS", "JJ", "CD")
UNCASED = "minutes.uncased"  # Doc.user_data key: the text was written without capitals


class GivenNameWordRecognizer(_PersonRecognizer):
    """In text written without capitals, a common given name that is also a word ("bill",
    "sandy", "dawn"), where a name is said: after a greeting or a verb of address ("thanks
    bill", "ask for sandy", "this is dawn", "mrs rose"), before a verb of speech or any verb in
    the past or third person or "from" with no determiner before it ("jack said", "rob has",
    "bill from accounts"), first and
    followed by "can you" ("grace can you"), beside another name ("tom and jack") or before a
    surname ("bill okafor", which recasing has capitalised). With capitals the writer's case
    decides instead (``ProperNameRecognizer``); a function word ("will", "may") is a name here
    only where grammar allows nothing else ("will is covering"). Any word after a short title
    is a surname ("ms tran")."""

    SCORE = 0.6
    BEFORE: ClassVar[frozenset[str]] = ADDRESS_WORDS
    BEFORE_TWO: ClassVar[frozenset[tuple[str, str]]] = frozenset(
        {("ask", "for"), ("thank", "you"), ("this", "is"), ("name", "is"), ("loop", "in")}
    )
    AFTER: ClassVar[frozenset[str]] = SPEECH
    ADDRESSED: ClassVar[frozenset[str]] = frozenset("can could would please".split())
    LISTS: ClassVar[frozenset[str]] = frozenset({"and", "or", ","})

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="GivenNameWord")

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        from spacy.lang.en.stop_words import STOP_WORDS

        from daemon.privacy.casing import is_given_name
        from daemon.privacy.recase import could_be_name

        doc = self.tokens(entities, nlp_artifacts)
        if doc is None or not doc.user_data.get(UNCASED):
            return []
        words = [t.lower_ for t in doc]

        def other_name(i: int) -> bool:
            return 0 <= i < len(doc) and (
                could_be_name(doc[i].text) or (doc[i].is_lower and is_given_name(words[i]))
            )

        results = []
        for t in doc:
            i = t.i
            before = words[i - 1] if i > 0 else ""
            if before in SHORT_TITLES and t.is_alpha and words[i] not in STOP_WORDS:
                # A surname after "ms", "dr": "ms tran", whatever else the word may be.
                results.append(
                    presidio_result(self, "PERSON", t.idx, t.idx + len(t.text), self.SCORE)
                )
                continue
            modal_name = modal_that_is_a_name(t, doc)  # "will is covering"
            if not t.is_lower or not is_given_name(words[i]):
                continue
            if words[i] in STOP_WORDS and not modal_name:
                continue
            after = words[i + 1] if i + 1 < len(doc) else ""
            bare = i == 0 or doc[i - 1].tag_ not in _DETERMINERS  # not "the bill"
            said = (
                modal_name
                or before in self.BEFORE
                or before in TITLES
                or (acts(doc, [t]) and bare)
                or (after == "from" and bare)  # "bill from accounts"
                or (i > 1 and (words[i - 2], before) in self.BEFORE_TWO)
                or after in self.AFTER
                or (i == 0 and after in self.ADDRESSED)
                or (before in self.LISTS and other_name(i - 2))
                or (after in self.LISTS and other_name(i + 2))
                or (other_name(i + 1) and not doc[i + 1].is_lower)  # and a surname: "bill Okafor"
            )
            if said:
                results.append(
                    presidio_result(self, "PERSON", t.idx, t.idx + len(t.text), self.SCORE)
                )
        return results


class KnownWordsRecognizer(LocalRecognizer):
    """Whole-word, case-sensitive matches of known words, as one entity type."""

    def __init__(self, entity: str, words: Iterable[str], name: str) -> None:
        self.words = sorted({w.strip() for w in words if w.strip()}, key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in self.words)
        self.pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if self.words else None
        super().__init__(supported_entities=[entity], name=name)

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if self.pattern is None or self.supported_entities[0] not in entities:
            return []
        return [
            presidio_result(self, self.supported_entities[0], m.start(), m.end(), 1.0)
            for m in self.pattern.finditer(text)
        ]
