"""How much more often writers capitalise a word: the casing table, verified and loaded once.

The table (``casing/casing.tsv.gz``, 151,589 words) is derived by ``scripts/convert_casing.py``
from the word probabilities of the ``spacy-lookups-data`` wheel (MIT; the licence ships beside
it). For each word it holds log P("Maria") - log P("maria"): names and places well above zero,
ordinary words below. ``daemon.privacy.recase`` and the proper-name recognizer read it to tell
a name that is also a dictionary entry ("maria", "lucas", "schmidt": WordNet lists famous
bearers) from a word ("mark", "grace", "hope"). Beside it, a list of common given names: the
ones the table cannot tell from words ("bill", "sandy") are names only where a name is said.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Mapping
from pathlib import Path

__all__ = ["NAMES_PATH", "TABLE_PATH", "capital_weight", "is_given_name", "verify_table"]

TABLE_PATH = Path(__file__).resolve().parent / "casing" / "casing.tsv.gz"
TABLE_SIZE = 640822
TABLE_SHA256 = "62b7a8c59ad90a8072162042bf0d248e0b789bbb90b851b9cef1296dcf54a90c"

# Given names of the 1990 US census lists (``scripts/convert_given_names.py``, from the ``names``
# package, MIT; census data are public domain): 2,384 names borne by 0.005 % of either sex.
NAMES_PATH = TABLE_PATH.parent / "given_names.txt"
NAMES_SIZE = 16407
NAMES_SHA256 = "196410b90d8807b9133af58bd809ed25fedae6d344329fed4cf86273cd97e556"

_lock = threading.Lock()
_table: Mapping[str, float] | None = None
_names: frozenset[str] | None = None


def capital_weight(word: str) -> float | None:
    """log P(capitalised) - log P(lower case) of ``word`` (any case), None if it is too rare."""
    global _table
    if _table is None:  # every word of a transcript asks: the lock is for the first load only
        with _lock:
            if _table is None:
                _table = _load(TABLE_PATH)
    return _table.get(word.lower())


def is_given_name(word: str) -> bool:
    """Whether ``word`` (any case) is a common given name ("bill", "sandy", "priya" is not)."""
    global _names
    if _names is None:
        with _lock:
            if _names is None:
                from daemon.verified import read_verified

                data = read_verified(NAMES_PATH, NAMES_SIZE, NAMES_SHA256)
                _names = frozenset(data.decode().split())
    return word.lower() in _names


def verify_table(path: Path = TABLE_PATH) -> bytes:
    """The table's bytes, or `ModelError` unless they are the ones the script produced."""
    from daemon.verified import read_verified

    return read_verified(path, TABLE_SIZE, TABLE_SHA256)


def _load(path: Path) -> Mapping[str, float]:
    table: dict[str, float] = {}
    for line in gzip.decompress(verify_table(path)).decode().splitlines():
        word, _, weight = line.partition("\t")
        table[word] = float(weight)
    return table
