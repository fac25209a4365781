"""Minutes' own Presidio recognizers, registered in Presidio's registry beside its built-in ones.

- ``OfflineEmailRecognizer``: Presidio's e-mail recognizer checks the domain with ``tldextract``,
  whose default extractor downloads the public suffix list on first use. This one reads the
  snapshot that ships inside ``tldextract`` and never opens a socket or writes a cache.
- ``SpokenFormRecognizer``: runs Presidio's own recognizers (phone, card, SSN, IBAN, bank
  account, IP, e-mail) on the text with spoken forms written out (``daemon.privacy.spoken``), and
  maps what they find back to the words that were said. Validation stays theirs: Luhn for cards,
  the IBAN checksum, ``phonenumbers`` for phones, a real top-level domain for e-mail.
- ``PossiblePhoneRecognizer``: Presidio's phone recognizer accepts only numbers
  ``phonenumbers`` calls *valid*, so "555 123 4567" (the 555 exchange) is missed. This one takes
  *possible* numbers, but only grouped ones of at least seven digits, which dates and amounts
  are not.
- ``ProperNameRecognizer``: the small spaCy model misses many names it has not seen
  ("Siobhan", "Emeka", "Tomasz"), or calls them organisations. A proper noun (spaCy's tag) that
  is capitalised and could be a name (``daemon.privacy.recase.could_be_name``: writers mostly
  capitalise it, or it is no English word) is a candidate
  PERSON with a score below the threshold; Presidio's context words lift it when it is used the
  way names are ("thanks, Siobhan", "ask Tomasz", "Emeka and Ngozi", "Diego, could you").
- ``KnownWordsRecognizer``: words known to be of a type, matched as whole words and with their
  case (speaker names and the roster are PERSONs; ``privacy.deny`` words are always redacted):
  "Will" the speaker is a name, "will" the verb is not.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from presidio_analyzer import (
    AnalysisExplanation,
    EntityRecognizer,
    LocalRecognizer,
    Pattern,
    RecognizerResult,
)
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    UsBankRecognizer,
    UsSsnRecognizer,
)

from daemon.privacy.spoken import rewrite

if TYPE_CHECKING:
    import tldextract
    from presidio_analyzer.nlp_engine import NlpArtifacts

__all__ = [
    "KnownWordsRecognizer",
    "OfflineEmailRecognizer",
    "PossiblePhoneRecognizer",
    "ProperNameRecognizer",
    "SpokenFormRecognizer",
    "bank_recognizer",
    "number_recognizers",
    "spoken_form_recognizer",
]

_lock = threading.Lock()
# Regions whose numbering plans decide what a "possible" phone number looks like.
PHONE_REGIONS = ("US", "GB", "DE")
MIN_PHONE_DIGITS = 7
SPOKEN_SCORE = 0.6  # a spoken number that a validator accepted
WEAK = 0.3  # a pattern this weak needs its recognizer's context words nearby
CONTEXT_BOOST = 0.35  # what Presidio's context enhancer adds


@lru_cache(maxsize=1)
def _offline_extractor() -> tldextract.TLDExtract:
    import tldextract

    # No URLs: the bundled public suffix snapshot only. No cache_dir: nothing is written.
    with _lock:
        return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern, with the domain checked against the offline suffix list."""

    def validate_result(self, pattern_text: str) -> bool:
        return bool(_offline_extractor()(pattern_text).fqdn)


class PossiblePhoneRecognizer(PhoneRecognizer):
    """Possible (not only valid) phone numbers, when written in groups."""

    SCORE = 0.4

    def __init__(self) -> None:
        super().__init__(
            supported_regions=PHONE_REGIONS, leniency=0, name="PossiblePhoneRecognizer"
        )

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        results: list[RecognizerResult] = []
        if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
            return results
        for result in super().analyze(text, entities, nlp_artifacts):  # type: ignore[arg-type]
            said = text[result.start : result.end]
            digits = sum(c.isdigit() for c in said)
            grouped = bool(re.search(r"\d[\s\-.)]+\(?\d", said)) or said.startswith("+")
            if digits >= MIN_PHONE_DIGITS and grouped:
                results.append(result)
        return list(results)


class DigitGatedPhoneRecognizer(PhoneRecognizer):
    """Presidio's phone recognizer, skipped on text with too few digits to hold a number."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if sum(c.isdigit() for c in text) < MIN_PHONE_DIGITS:
            return []
        return list(super().analyze(text, entities, nlp_artifacts))  # type: ignore[arg-type]


class ProperNameRecognizer(LocalRecognizer):
    """Capitalised nouns that could be names, used the way names are: PERSONs.

    spaCy tags unseen names PROPN or NOUN, sometimes with the entity GPE ("Thanks, Siobhan").
    A candidate is a word writers mostly capitalise, or no English word at all
    (``daemon.privacy.recase.could_be_name``); a capital its writer gave mid-sentence, or to a
    name addressed at the start ("Dawn, can you"), lowers that bar to words such as "Bill" and
    "Rose". Days and months are never candidates. A candidate needs a cue next to it: a
    greeting or verb of speech before ("thanks", "ask", "told", "with", "for", "and"), or a
    comma, "and", "will", "said", "can" or a verb in the past or third person after ("Mikko
    agreed"). Presidio's context
    words cannot express these (it drops stop words such as "and" and "will"), so the cues are
    checked here and Presidio's context words only add to the score. A word spaCy calls a place
    is taken as a name only with a cue of address or speech ("Thanks, Siobhan"; not
    "from Lagos"), and then outranks the place.
    """

    SCORE_WITH_CUE = 0.6
    SCORE_OVER_PLACE = 0.9  # above spaCy's 0.85 for the LOCATION it replaces
    SCORE = 0.3  # without a cue: below the threshold unless Presidio's context lifts it
    CONTEXT: ClassVar[list[str]] = (
        "thanks thank hi hello hey ask asked tell told said says mentioned talked spoke ping "
        "pinged cc loop sorry"
    ).split()
    CUES_BEFORE: ClassVar[frozenset[str]] = frozenset(
        "thanks thank hi hello hey ask asked tell told with and to from for cc ping pinged dear "
        "by call".split()
    )
    CUES_AFTER: ClassVar[frozenset[str]] = frozenset(
        ", and will said says is was has had can could would should mentioned 's \u2019s "
        "already here from".split()
    )
    ADDRESS_BEFORE: ClassVar[frozenset[str]] = frozenset(
        "thanks thank hi hello hey ask asked tell told cc ping pinged dear".split()
    )
    ADDRESS_AFTER: ClassVar[frozenset[str]] = frozenset(
        ", said says will can could mentioned 's \u2019s".split()
    )

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], context=self.CONTEXT, name="ProperName")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        from daemon.privacy.recase import could_be_name

        if "PERSON" not in entities or nlp_artifacts is None:
            return []
        doc = nlp_artifacts.tokens
        results = []
        run: list[Any] = []
        for token in [*doc, None]:
            if token is not None and _name_like(token):
                run.append(token)
                continue
            if run and any(
                could_be_name(t.text, capitalised_by_writer=_capital_is_the_writers(t, doc))
                for t in run
            ):
                before = doc[run[0].i - 1].lower_ if run[0].i > 0 else ""
                after = doc[run[-1].i + 1].lower_ if run[-1].i + 1 < len(doc) else ""
                place = any(t.ent_type_ in _PLACES for t in run)
                if place:
                    addressed = before in self.ADDRESS_BEFORE or after in self.ADDRESS_AFTER
                    score = self.SCORE_OVER_PLACE if addressed else 0.0
                elif before in self.CUES_BEFORE or after in self.CUES_AFTER or _acts(doc, run):
                    score = self.SCORE_WITH_CUE
                else:
                    score = self.SCORE
                if score:
                    start, end = run[0].idx, run[-1].idx + len(run[-1].text)
                    results.append(_result(self, "PERSON", start, end, score))
            run = []
        return results


_PLACES = ("GPE", "LOC", "FAC")
# What may stand before the first word of a sentence, which is capitalised whatever it is.
_SENTENCE_STARTS = frozenset('.!?:;"\u201c(\u2014-')
# After a name and a comma at the start of a sentence, what is said to the one named: "Dawn,
# can you check ...", "Jack, please ...".
_ADDRESSED = frozenset("can could would will please you do did are have".split())


def _acts(doc: Any, run: list[Any]) -> bool:
    """Whether the run is the subject of a verb said right after it: "Oluwaseun raised the
    point", "Mikko agreed"."""
    after = run[-1].i + 1
    return after < len(doc) and doc[after].tag_ in ("VBD", "VBZ", "MD")


def _capital_is_the_writers(token: Any, doc: Any) -> bool:
    """Whether the token's capital says its writer took it for a name: it does not start a
    sentence, or it does and is a proper noun addressed ("Dawn, can you ...")."""
    if token.i > 0 and doc[token.i - 1].text not in _SENTENCE_STARTS:
        return True
    following = [t.lower_ for t in doc[token.i + 1 : token.i + 3]]
    return (
        token.pos_ == "PROPN"
        and len(following) == 2
        and following[0] == ","
        and following[1] in _ADDRESSED
    )


# Days and months are capitalised like names and said where names are ("by Friday"): spaCy's
# DATE entity, or the calendar's own words when spaCy misses the date.
_CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december".split()
)


def _name_like(token: Any) -> bool:
    text = str(token.text)
    return (
        token.pos_ in ("PROPN", "NOUN")
        and token.ent_type_ not in ("DATE", "TIME")
        and text.lower() not in _CALENDAR
        and text[:1].isupper()
        and not text.isupper()  # "SSN", "API": acronyms
        and text.replace("-", "").replace("'", "").isalpha()
    )


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
            _result(self, self.supported_entities[0], m.start(), m.end(), 1.0)
            for m in self.pattern.finditer(text)
        ]


class SpokenFormRecognizer(LocalRecognizer):
    """Presidio's recognizers, run on the text with its spoken forms written out."""

    def __init__(self, inner: Sequence[EntityRecognizer]) -> None:
        self.inner = list(inner)
        entities = sorted({e for r in self.inner for e in r.supported_entities})
        # No context words of its own: each inner recognizer's are checked against its own
        # findings below ("number" lifts a phone number, not an account number).
        super().__init__(supported_entities=entities, context=[], name="SpokenForm")

    def load(self) -> None:
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        written = rewrite(text)
        if not written.rewrites:
            return []
        results: list[RecognizerResult] = []
        for recognizer in self.inner:
            wanted = [e for e in entities if e in recognizer.supported_entities]
            if not wanted:
                continue
            # Pattern recognizers read no NLP artifacts; Presidio types the argument as required.
            for found in recognizer.analyze(written.text, wanted, None):  # type: ignore[arg-type]
                span = written.original_span(found.start, found.end)
                if span is None:  # written in the original too: the built-in one has it
                    continue
                score = found.score
                if score < WEAK and _has_context(text, recognizer.context or []):
                    score += CONTEXT_BOOST
                score = max(score, SPOKEN_SCORE) if score >= WEAK else score
                results.append(_result(self, found.entity_type, span[0], span[1], score))
        return results


def _has_context(text: str, words: Sequence[str]) -> bool:
    said = set(re.findall(r"[a-z]+", text.lower()))
    return any(w.strip() in said for w in words)


def _result(
    recognizer: EntityRecognizer, entity: str, start: int, end: int, score: float
) -> RecognizerResult:
    """A result as Presidio's own recognizers make them (the context enhancer needs all of it)."""
    name: str = getattr(recognizer, "name", type(recognizer).__name__)
    explanation = AnalysisExplanation(
        recognizer=name, original_score=score, textual_explanation=name
    )
    metadata: dict[str, Any] = {
        RecognizerResult.RECOGNIZER_NAME_KEY: name,
        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
    }
    return RecognizerResult(entity, start, end, score, explanation, metadata)


def bank_recognizer() -> UsBankRecognizer:
    """Account numbers: Presidio's unbroken 8-17 digits, and the grouped way people say them."""
    grouped = Pattern("Bank Account (grouped, weak)", r"\b\d{2,6}(?:[ \-]\d{2,6}){1,4}\b", 0.05)
    recognizer = UsBankRecognizer(
        patterns=[*UsBankRecognizer.PATTERNS, grouped],
        context=[*UsBankRecognizer.CONTEXT, "sort", "routing", "iban", "transfer", "wire"],
    )
    return recognizer


def card_recognizer() -> CreditCardRecognizer:
    """Presidio's card patterns and Luhn check, and Mastercard's 2221-2720 range (issued since
    2017), which Presidio's patterns leave out."""
    two_series = Pattern(
        "Mastercard 2-series",
        r"\b(?:222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)[- ]?\d{4}[- ]?\d{4}[- ]?\d{4}\b",
        0.3,
    )
    return CreditCardRecognizer(patterns=[*CreditCardRecognizer.PATTERNS, two_series])


def number_recognizers() -> list[EntityRecognizer]:
    """The recognizers for numbers and addresses, as Presidio ships them (e-mail offline)."""
    return [
        OfflineEmailRecognizer(),
        DigitGatedPhoneRecognizer(),
        PossiblePhoneRecognizer(),
        card_recognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        IpRecognizer(),
        bank_recognizer(),
    ]


def spoken_form_recognizer() -> SpokenFormRecognizer:
    return SpokenFormRecognizer(number_recognizers())
