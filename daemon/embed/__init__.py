"""Text embeddings for semantic search and ``minutes ask`` (issue 13).

An ``Embedder`` turns passages into unit vectors; ``identity`` names the model exactly, so
vectors made by another model (or another version of it) are never compared with the query's:
``minutes reindex`` re-embeds them. Backends, chosen by ``search.embedder``:

- ``local``: all-MiniLM-L6-v2 (384-d) in NumPy, from weights shipped in the package
  (``daemon/embed/local.py``); offline, nothing downloaded, no torch.
- ``openai``: an OpenAI-compatible ``/v1/embeddings`` endpoint through the one API wrapper
  (``daemon/embed/openai.py``): batched, costed, budgeted.
- ``none``: keyword search (FTS5 BM25) only.

``remote`` is the capability that matters to callers: a remote embedder's failure must not fail
a recording (the report is made; ``minutes reindex`` catches up).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from daemon.config import Settings
    from daemon.ledger import Ledger

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    remote: bool  # sends text off the machine, costs money, may fail transiently

    @property
    def identity(self) -> str:
        """The exact model, e.g. ``openai:text-embedding-3-small`` or ``local:all-MiniLM-L6-v2``."""
        ...

    @property
    def dimensions(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """(len(texts), dimensions) float32 rows of unit length, in the order given."""
        ...


def embedder_for(settings: Settings, ledger: Ledger) -> Embedder | None:
    """The configured embedder, or None for keyword search only."""
    choice = settings.search.embedder
    if choice == "none":
        return None
    if choice == "local":
        from daemon.embed.local import LocalEmbedder

        return LocalEmbedder(batch_size=settings.search.batch_size)
    from daemon.api.audit import AuditLog
    from daemon.api.client import ApiClient
    from daemon.embed.openai import OpenAIEmbedder

    audit = AuditLog(settings.state_dir, settings.audit)
    api = ApiClient(settings.openai, ledger, audit=audit)
    return OpenAIEmbedder(api, settings.search.model, settings.search.batch_size)


def normalised(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result
