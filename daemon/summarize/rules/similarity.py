"""One notion of "same task", used wherever two task or decision texts are compared.

Issue 10 found four similarity routines with four thresholds; this is the only one here. Two
texts are the same when their content stems overlap by at least half of the smaller set, with at
least two stems shared (one shared noun, "report", is not enough to merge "file the report" and
"read the report" — the verbs differ, so they share one stem only).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+")
# Words that carry no content in a task: determiners, light verbs, fillers.
_STOP = frozenset(
    """
    a an the to of for on in at by with from and or but into onto about over up out it its
    this that these those them they their our my your his her him me us we you i all any some
    get make do have take give put let need want go one ones new just also too then there
    """.split()
)
MIN_OVERLAP = 0.5


def stems(text: str) -> frozenset[str]:
    """Content words of ``text``, lower case, with plural and verb endings stripped."""
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 2:
            continue
        for suffix in ("ing", "ies", "es", "ed", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                if suffix in ("ing", "ed") and word[-1] == word[-2] and word[-1] not in "lsz":
                    word = word[:-1]  # "skipping" is "skip"
                break
        found.add(word.rstrip("e"))
    return frozenset(found)


def overlap(first: str, second: str) -> float:
    """Shared stems over the smaller set of stems (0 when either has none)."""
    a, b = stems(first), stems(second)
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def same_task(first: str, second: str) -> bool:
    a, b = stems(first), stems(second)
    shared = len(a & b)
    return shared >= min(2, len(a), len(b)) and overlap(first, second) >= MIN_OVERLAP
