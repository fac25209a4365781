"""Derive Minutes' casing table from the English word probabilities of `spacy-lookups-data`.

Dev-time only; the runtime reads the table this writes, never the 98 MB wheel.

    pip download --no-deps -d /tmp/lookups spacy-lookups-data==1.0.5
    .venv/bin/python scripts/convert_casing.py /tmp/lookups/spacy_lookups_data-1.0.5-*.whl

``en_lexeme_prob`` holds the log probability of about a million tokens, *with their case*, as
spaCy's English vocabulary counted them in a large web corpus. For a word, the log probability
of "Maria" less that of "maria" says how much more often writers capitalise it: names and places
come out well above zero, words below it ("mark" -0.7, "the" -2.4, "mockups" -3.4). That is the
statistic a truecaser uses, and what ``daemon.privacy.recase`` reads to give lower-case
transcripts their names back. The table keeps words of letters (inner apostrophes and hyphens
allowed) seen often enough in either case (log probability at least FLOOR); a form never seen
counts as seen at the corpus's rarest. Written deterministically: the same wheel gives the
same bytes. The script prints the SHA-256 and size to paste into daemon/privacy/casing.py.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

WHEEL_SHA256 = "466f21f087e4144bc93800679437ec5a17be7d0888734b1ba880b3ecb0978bc6"
PROBS = "spacy_lookups_data/data/en_lexeme_prob.json.gz"
LICENCE = "spacy_lookups_data-1.0.5.dist-info/LICENSE"
OUT_DIR = Path(__file__).resolve().parents[1] / "daemon" / "privacy" / "casing"
FLOOR = -18.0  # about the 2,000,000th most likely token: rarer words say little about case
_WORD = re.compile(r"^[^\W\d_]+(?:['-][^\W\d_]+)*$")


def main(wheel: str) -> None:
    digest = hashlib.sha256(Path(wheel).read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel} has SHA-256 {digest}, expected {WHEEL_SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        probs: dict[str, float] = json.loads(gzip.decompress(zf.read(PROBS)))
        licence = zf.read(LICENCE)
    rarest = min(probs.values())
    table: dict[str, float] = {}
    for token in probs:
        lower = token.lower()
        if len(lower) < 2 or not _WORD.match(lower) or lower in table:
            continue
        said = probs.get(lower, rarest)
        capitalised = probs.get(lower[0].upper() + lower[1:], rarest)
        if max(said, capitalised) >= FLOOR:
            table[lower] = capitalised - said
    lines = "".join(f"{word}\t{ratio:.1f}\n" for word, ratio in sorted(table.items()))
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, filename="") as out:
        out.write(lines.encode())
    data = buffer.getvalue()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "casing.tsv.gz").write_bytes(data)
    (OUT_DIR / "LICENSE-spacy-lookups-data.txt").write_bytes(
        b"The casing table casing.tsv.gz is derived (scripts/convert_casing.py) from\n"
        b"en_lexeme_prob.json.gz of spacy-lookups-data 1.0.5 (PyPI), under this licence:\n\n"
        + licence
    )
    print(f"{len(table)} words; size {len(data)}; sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
