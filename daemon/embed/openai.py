"""Embeddings from an OpenAI-compatible `/v1/embeddings` endpoint (`search.embedder = "openai"`).

Every request goes through ``ApiClient.call``, so it is retried, costed (input tokens at the
model's price in ``openai.prices``) and held to the daily and monthly budgets like every other
call. Texts go in batches of ``search.batch_size``; the answer's rows are put back in input
order by their ``index`` (the API does not promise order) and normalised, since compatible
servers do not all return unit vectors.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from daemon.api.client import ApiClient
from daemon.api.costs import Metered
from daemon.embed import Vectors, normalised

log = logging.getLogger("daemon.embed.openai")

ENDPOINT = "embeddings"
KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    name = "openai"
    remote = True

    def __init__(self, api: ApiClient, model: str, batch_size: int = 64) -> None:
        self.api = api
        self.model = model
        self.batch_size = batch_size
        self._dimensions = KNOWN_DIMENSIONS.get(model, 0)

    @property
    def identity(self) -> str:
        return f"openai:{self.model}"

    @property
    def dimensions(self) -> int:
        """Known for OpenAI's models; for another server's, once it has answered."""
        return self._dimensions

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[Vectors] = []
        for first in range(0, len(texts), self.batch_size):
            rows.append(self._batch(list(texts[first : first + self.batch_size])))
        if not rows:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        return np.concatenate(rows)

    def _batch(self, texts: list[str]) -> Vectors:
        # Characters / 4 is the usual estimate of tokens in English; only the budget check sees it.
        estimate = Metered(tokens_in=sum(len(t) // 4 + 1 for t in texts))

        def send(sdk: Any) -> Any:
            return sdk.embeddings.with_raw_response.create(
                model=self.model, input=texts, encoding_format="float"
            )

        def read(raw: Any) -> tuple[Vectors, int]:
            answer = raw.parse()
            data = sorted(answer.data, key=lambda d: d.index)
            if len(data) != len(texts):
                raise ValueError(f"{len(data)} embeddings for {len(texts)} inputs")
            vectors = np.asarray([d.embedding for d in data], dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[1] == 0:
                raise ValueError("the embeddings have no dimensions")
            used = int(answer.usage.prompt_tokens) if answer.usage else 0
            return normalised(vectors), used

        def meter(value: tuple[Vectors, int]) -> Metered:
            return Metered(tokens_in=value[1])

        vectors, _ = self.api.call(ENDPOINT, self.model, send, read, meter, estimate=estimate)
        self._dimensions = int(vectors.shape[1])
        return vectors
