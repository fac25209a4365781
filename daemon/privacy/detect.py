"""Presidio's analyzer on Minutes' spaCy pipeline: what in a line of transcript is personal.

The engine is built once per process and shared (about 2 s to import Presidio, the first time a
redacting summary needs it). It uses the verified ``en_core_web_sm`` pipeline of
``daemon.nlp`` itself (Presidio's default would load or even download ``en_core_web_lg``), and a
registry of exactly the recognizers Minutes wants: spaCy's PERSON and LOCATION, Presidio's
pattern recognizers for numbers and addresses, and Minutes' own (``daemon.privacy.recognizers``,
``daemon.privacy.name_recognizers``)
for spoken forms and known names. Nothing reaches the network: the e-mail check uses the suffix
list bundled with ``tldextract``.

Overlapping findings are resolved here, best score first and then longest, so one stretch of
text is one placeholder.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from presidio_analyzer import AnalyzerEngine, EntityRecognizer
    from spacy.tokens import Doc

__all__ = ["DENIED", "Detector", "Finding", "detector"]

log = logging.getLogger("daemon.privacy.detect")

DENIED = "PRIVATE"  # the entity type of ``privacy.deny`` words
SCORE_THRESHOLD = 0.35
BATCH_SIZE = 64
# Words before and after a finding where Presidio looks for its context words: after too, for
# "Diego, could you..." and "555 0132 is my cell".
CONTEXT_BEFORE, CONTEXT_AFTER = 5, 3
# spaCy's labels as Presidio entities; every other label (DATE, CARDINAL, ORG...) is dropped.
SPACY_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION",
                "ORG": "ORGANIZATION", "NORP": "NRP"}  # fmt: skip
_IGNORED_LABELS = ("DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT",
                   "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")  # fmt: skip

# Which finding keeps an overlapping stretch: validated identifiers first (an e-mail address
# holds a name; an account number read out is not a phone number), then the score.
PRIORITY = {"EMAIL_ADDRESS": 4, "CREDIT_CARD": 4, "IBAN_CODE": 4, "US_SSN": 4, "IP_ADDRESS": 4,
            DENIED: 3, "US_BANK_NUMBER": 2}  # fmt: skip

_lock = threading.Lock()
_engine: AnalyzerEngine | None = None


@dataclass(frozen=True)
class Finding:
    """``text[start:end]`` is a value of ``entity``."""

    entity: str
    start: int
    end: int
    score: float


class Detector:
    """Finds the configured entities in one text at a time."""

    def __init__(self, entities: Sequence[str], allow: Sequence[str], deny: Sequence[str]) -> None:
        self.entities = list(dict.fromkeys(entities))
        self.allow = list(allow)
        self.deny = list(deny)
        self.engine = _shared_engine()

    def find(self, text: str, known: Iterable[tuple[str, str]] = ()) -> list[Finding]:
        """What is personal in ``text``; ``known`` are (entity, word) pairs to find for sure."""
        return self.find_all([text], known)[0]

    def find_all(
        self, texts: Sequence[str], known: Iterable[tuple[str, str]] = ()
    ) -> list[list[Finding]]:
        """``find`` for many texts; spaCy reads them in batches, which is several times faster."""
        from daemon.privacy.name_recognizers import UNCASED, KnownWordsRecognizer
        from daemon.privacy.recase import is_uncased, recased

        by_type: dict[str, list[str]] = {}
        for entity, word in known:
            by_type.setdefault(entity, []).append(word)
        if self.deny:
            by_type.setdefault(DENIED, []).extend(self.deny)
        ad_hoc: list[EntityRecognizer] = [
            KnownWordsRecognizer(entity, words, name=f"Known{entity.title()}")
            for entity, words in by_type.items()
        ]
        wanted = self.entities + [e for e in by_type if e not in self.entities]
        nlp = self.engine.nlp_engine
        # Text written without capitals is read with capitals on the words that can only be
        # names (``daemon.privacy.recase``); offsets are the same in both.
        read = nlp.process_batch([recased(t) for t in texts], "en", batch_size=BATCH_SIZE)
        out: list[list[Finding]] = []
        for text, (cased, artifacts) in zip(texts, read, strict=True):
            artifacts.tokens.user_data[UNCASED] = is_uncased(text)
            results = self.engine.analyze(
                text=cased,
                language="en",
                entities=wanted,
                score_threshold=SCORE_THRESHOLD,
                ad_hoc_recognizers=ad_hoc,
                allow_list=self.allow or None,
                nlp_artifacts=artifacts,
            )
            found = [Finding(r.entity_type, r.start, r.end, r.score) for r in results]
            found = _spelled_names(text, _with_particles(text, _trimmed(text, found)))
            out.append(_without_overlaps(_joined(text, found)))
        return out


def detector(entities: Sequence[str], allow: Sequence[str], deny: Sequence[str]) -> Detector:
    return Detector(entities, allow, deny)


def _trimmed(text: str, findings: list[Finding]) -> list[Finding]:
    """Findings without the spaces and punctuation NER sometimes takes along ("Maria,")."""
    out = []
    for f in findings:
        start, end = f.start, f.end
        while start < end and not text[start].isalnum() and text[start] not in "+(":
            start += 1
        while end > start and not text[end - 1].isalnum():
            end -= 1
        if end > start:
            out.append(Finding(f.entity, start, end, f.score))
    return out


def _with_particles(text: str, findings: list[Finding]) -> list[Finding]:
    """Names with a particle said as a word of its own ("o connor", "van der berg", "Hugo de
    Sousa", "al sayed") or joined by a hyphen ("Ji-woo"): NER and the casing table often see
    only the name on one side of it."""
    from daemon.privacy.recase import could_be_name

    out = []
    for f in findings:
        start, end = f.start, f.end
        if f.entity == "PERSON":
            while (m := _PARTICLE_BEFORE.search(text, 0, start)) is not None:
                start = m.start(1)
            while (m := _PARTICLE_AFTER.match(text, end)) is not None and could_be_name(m[2]):
                end = m.end()
            # A hyphenated name the tokenizer split: "Ji-woo", "Jean-Luc" found as "Ji", "Luc".
            if (m := _HYPHEN_AFTER.match(text, end)) is not None:
                end = m.end()
            if (m := _HYPHEN_BEFORE.search(text, 0, start)) is not None:
                start = m.start()
        out.append(Finding(f.entity, start, end, f.score))
    return out


# Surname particles of Irish, Scottish, Dutch, German, Romance and Arabic names, as speech
# recognisers write them: apart from the name, a space between.
_PARTICLES = "o|mc|mac|van|von|der|den|de|da|di|du|del|della|la|le|al|el|bin|ibn"
_PARTICLE_BEFORE = re.compile(rf"(?<![\w'])({_PARTICLES})\s$", re.IGNORECASE)
_HYPHEN_AFTER = re.compile(r"-[^\W\d_]+")
_HYPHEN_BEFORE = re.compile(r"(?<![\w-])[^\W\d_]+-$")
_PARTICLE_AFTER = re.compile(rf"\s((?:(?:{_PARTICLES})\s)+)([^\W\d_]+)", re.IGNORECASE)


# Letters said one by one: "D-A-W-S-O-N", "d a w s o n", "K. O. V. A. C."
_SPELLED = re.compile(r"(?<![\w-])[^\W\d_](?:(?:-|\.? )[^\W\d_]){2,}\.?(?![\w-])")
_LETTERS = re.compile(r"[^\W\d_]+")


def _spelled_names(text: str, findings: list[Finding]) -> list[Finding]:
    """A name spelled out letter by letter for the record ("the file's under Dawson,
    D-A-W-S-O-N") is the person found by name in the same text."""
    names = {
        word.casefold()
        for f in findings
        if f.entity == "PERSON"
        for word in _LETTERS.findall(text[f.start : f.end])
    }
    spelled = [
        Finding("PERSON", m.start(), m.end(), 1.0)
        for m in _SPELLED.finditer(text)
        if "".join(_LETTERS.findall(m[0])).casefold() in names
    ]
    return findings + spelled


def _joined(text: str, findings: list[Finding]) -> list[Finding]:
    """Findings of one type that overlap, and names side by side, as one finding.

    "Tomasz" (a speaker's name) inside spaCy's "Tomasz Nowak" is the one name "Tomasz Nowak";
    "Priya" and "Raghunathan" found apart are one person.
    """
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.entity, f.start)):
        last = out[-1] if out and out[-1].entity == f.entity else None
        touching = last is not None and (
            f.start < last.end or (f.entity == "PERSON" and not text[last.end : f.start].strip(" "))
        )
        if last is not None and touching:
            out[-1] = Finding(f.entity, last.start, max(last.end, f.end), max(last.score, f.score))
        else:
            out.append(f)
    return out


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    kept: list[Finding] = []
    ranked = sorted(
        findings, key=lambda f: (-PRIORITY.get(f.entity, 1), -f.score, f.start - f.end, f.start)
    )
    for f in ranked:
        if all(f.end <= k.start or f.start >= k.end for k in kept):
            kept.append(f)
    return sorted(kept, key=lambda f: f.start)


def _shared_engine() -> AnalyzerEngine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = _build_engine()
        return _engine


def _build_engine() -> AnalyzerEngine:
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer
    from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from daemon.nlp import MODEL_PACKAGE, english
    from daemon.privacy.name_recognizers import GivenNameWordRecognizer, ProperNameRecognizer
    from daemon.privacy.recognizers import number_recognizers, spoken_form_recognizer

    class SharedSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine on the pipeline ``daemon.nlp`` loaded and verified."""

        def load(self) -> None:
            self.nlp = {"en": english()}  # type: ignore[assignment]

        def process_batch(  # type: ignore[override]
            self, texts: Iterable[str], language: str, batch_size: int = 1, **kwargs: Any
        ) -> Iterator[tuple[str, NlpArtifacts]]:
            # Presidio needs tags and entities, not the dependency parse: a third less work.
            nlp: Any = self.nlp
            docs = nlp[language].pipe(
                [str(t) for t in texts], batch_size=batch_size, disable=["parser"]
            )
            for doc in docs:
                yield doc.text, self._doc_to_nlp_artifact(doc, language)

        def _doc_to_nlp_artifact(self, doc: Doc, language: str) -> Any:
            # The shared pipeline has no lemmatizer (``daemon.nlp`` leaves it out), so Presidio's
            # context words ("phone", "card", "account") are matched on lower-case words instead.
            entities, scores = self._get_updated_entities(
                self._get_entities(doc), self._get_scores_for_entities(doc)
            )
            return NlpArtifacts(
                entities=entities,
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.lower_ for t in doc],
                nlp_engine=self,
                language=language,
                scores=scores,
            )

    configuration = NerModelConfiguration(
        model_to_presidio_entity_mapping=SPACY_LABELS, labels_to_ignore=list(_IGNORED_LABELS)
    )
    engine = SharedSpacyEngine(
        models=[{"lang_code": "en", "model_name": MODEL_PACKAGE}],
        ner_model_configuration=configuration,
    )
    engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(SpacyRecognizer(supported_entities=sorted(set(SPACY_LABELS.values()))))
    for recognizer in [
        *number_recognizers(),
        spoken_form_recognizer(),
        ProperNameRecognizer(),
        GivenNameWordRecognizer(),
    ]:
        registry.add_recognizer(recognizer)
    enhancer = LemmaContextAwareEnhancer(
        context_prefix_count=CONTEXT_BEFORE, context_suffix_count=CONTEXT_AFTER
    )
    analyzer = AnalyzerEngine(
        registry=registry,
        nlp_engine=engine,
        supported_languages=["en"],
        context_aware_enhancer=enhancer,
    )
    log.info("Presidio analyzer ready (%d recognizers)", len(list(registry.recognizers)))
    return analyzer
