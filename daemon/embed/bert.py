"""A BERT encoder forward pass in NumPy, for MiniLM-L6 sentence embeddings.

Six layers of 384 wide are small enough that NumPy's BLAS does the work at a useful speed, and
torch never becomes a dependency. The layout follows Hugging Face's ``BertModel`` names
(``encoder.layer.N.attention.self.query.weight``...), so the converted file's tensors map one to
one. Linear weights and the word embeddings are stored as int8 with one float32 scale per output
row (``<name>_scale``); they are widened once at load time, except the word embeddings, which
stay int8 and are widened per looked-up row (45 MB less resident memory).

GELU is the exact (erf) form BERT was trained with; NumPy has no erf, so it is computed with
Abramowitz and Stegun's 7.1.26 (absolute error under 1.5e-7).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float32]

HIDDEN = 384
HEADS = 12
LAYERS = 6
_EPS = 1e-12


def _erf(x: Array) -> Array:
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    result: Array = (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)
    return result


def _gelu(x: Array) -> Array:
    result: Array = (0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32)
    return result


def _layer_norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    result: Array = ((x - mean) / np.sqrt(var + _EPS) * weight + bias).astype(np.float32)
    return result


def widen(tensors: Mapping[str, npt.NDArray[np.generic]]) -> dict[str, npt.NDArray[np.generic]]:
    """Float32 weights from a file whose int8 tensors carry ``_scale`` rows (word embeddings
    excepted); float32 tensors pass unchanged, so the unconverted original loads too."""
    out: dict[str, npt.NDArray[np.generic]] = {}
    for name, array in tensors.items():
        if name.endswith("_scale"):
            continue
        scale = tensors.get(f"{name}_scale")
        if scale is not None and name != "embeddings.word_embeddings.weight":
            out[name] = (array.astype(np.float32) * scale.astype(np.float32)[:, None]).astype(
                np.float32
            )
        else:
            out[name] = array
    if "embeddings.word_embeddings.weight_scale" in tensors:
        out["embeddings.word_embeddings.weight_scale"] = tensors[
            "embeddings.word_embeddings.weight_scale"
        ]
    return out


class Encoder:
    """Token ids in, mean-pooled unit vectors out."""

    def __init__(self, weights: Mapping[str, npt.NDArray[np.generic]]) -> None:
        self.w = dict(weights)

    def _f(self, name: str) -> Array:
        array: Array = self.w[name]  # type: ignore[assignment]
        return array

    def _linear(self, x: Array, name: str) -> Array:
        result: Array = x @ self._f(f"{name}.weight").T + self._f(f"{name}.bias")
        return result

    def _embed(self, ids: npt.NDArray[np.int64]) -> Array:
        table = self.w["embeddings.word_embeddings.weight"]
        words = table[ids].astype(np.float32)
        scale = self.w.get("embeddings.word_embeddings.weight_scale")
        if scale is not None:
            words *= scale.astype(np.float32)[ids][..., None]
        positions = self._f("embeddings.position_embeddings.weight")[: ids.shape[1]]
        types = self._f("embeddings.token_type_embeddings.weight")[0]
        x: Array = (words + positions + types).astype(np.float32)
        return _layer_norm(
            x, self._f("embeddings.LayerNorm.weight"), self._f("embeddings.LayerNorm.bias")
        )

    def _attention(self, x: Array, mask: Array, prefix: str) -> Array:
        batch, length, _ = x.shape
        size = HIDDEN // HEADS

        def heads(name: str) -> Array:
            projected = self._linear(x, f"{prefix}.attention.self.{name}")
            return projected.reshape(batch, length, HEADS, size).transpose(0, 2, 1, 3)

        q, k, v = heads("query"), heads("key"), heads("value")
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(size)) + mask
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, HIDDEN)
        out = self._linear(context, f"{prefix}.attention.output.dense") + x
        return _layer_norm(
            out,
            self._f(f"{prefix}.attention.output.LayerNorm.weight"),
            self._f(f"{prefix}.attention.output.LayerNorm.bias"),
        )

    def _feed_forward(self, x: Array, prefix: str) -> Array:
        inner = _gelu(self._linear(x, f"{prefix}.intermediate.dense"))
        out = self._linear(inner, f"{prefix}.output.dense") + x
        return _layer_norm(
            out,
            self._f(f"{prefix}.output.LayerNorm.weight"),
            self._f(f"{prefix}.output.LayerNorm.bias"),
        )

    def __call__(self, ids: npt.NDArray[np.int64], attention: npt.NDArray[np.int64]) -> Array:
        """(batch, length) ids and 0/1 mask -> (batch, 384) L2-normalised embeddings."""
        mask = ((1.0 - attention[:, None, None, :].astype(np.float32)) * -1e9).astype(np.float32)
        x = self._embed(ids)
        for layer in range(LAYERS):
            prefix = f"encoder.layer.{layer}"
            x = self._feed_forward(self._attention(x, mask, prefix), prefix)
        weights = attention.astype(np.float32)[..., None]
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Array = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result
