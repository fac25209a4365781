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
- The recognizers of names are in ``daemon.privacy.name_recognizers``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

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
    "OfflineEmailRecognizer",
    "PossiblePhoneRecognizer",
    "SpokenFormRecognizer",
    "bank_recognizer",
    "number_recognizers",
    "presidio_result",
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
                results.append(presidio_result(self, found.entity_type, span[0], span[1], score))
        return results


def _has_context(text: str, words: Sequence[str]) -> bool:
    said = set(re.findall(r"[a-z]+", text.lower()))
    return any(w.strip() in said for w in words)


def presidio_result(
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
