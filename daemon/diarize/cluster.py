"""Cluster window embeddings of a whole recording into speakers, NumPy only.

Spectral clustering over cosine similarity (as 3D-Speaker does for CAM++): each row of the
affinity keeps only its strongest neighbours, the speaker count comes from the largest gap in
the Laplacian's eigenvalues, and k-means groups the rows of the first eigenvectors. The count
is not read off a fixed distance threshold, which suits one corpus and fails the next; the
caller's hints (num, min, max speakers) bound or fix it. Two guards follow:

* clusters whose centroids are nearly identical are merged (a single speaker otherwise always
  splits, because an eigengap cannot say "one");
* clusters holding a small share of the speech are folded into their nearest neighbour, which
  keeps long recordings from sprouting phantom speakers.

Memory: the affinity is N x N for N windows. Above `max_items` neighbouring windows are averaged
in pairs first, so three hours at a 0.75 s hop stay a few tens of MB.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

log = logging.getLogger("daemon.diarize.cluster")

Matrix = npt.NDArray[np.float32]
Labels = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SpeakerHints:
    """What the user told us about the number of speakers; None means unknown."""

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None


NO_HINTS = SpeakerHints()


@dataclass(frozen=True)
class ClusterParams:
    max_speakers: int = 8
    prune_fraction: float = 0.1  # share of neighbours each row keeps in the affinity
    min_neighbours: int = 8  # short recordings: a sparser graph falls apart into fake speakers
    merge_cosine: float = 0.85  # centroids closer than this are the same voice
    min_share: float = 0.02  # clusters with less of the speech fold into a neighbour
    max_items: int = 3000


def _kmeans(points: Matrix, k: int, seed: int = 0, rounds: int = 50) -> Labels:
    """k-means++ seeding then Lloyd iterations; deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        dist = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        total = float(dist.sum())
        pick = rng.choice(len(points), p=dist / total) if total > 0 else rng.integers(len(points))
        centres.append(points[pick])
    centre_arr = np.array(centres)
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(rounds):
        dist = ((points[:, None, :] - centre_arr[None, :, :]) ** 2).sum(axis=2)
        new = dist.argmin(axis=1)
        if np.array_equal(new, labels) and _ > 0:
            break
        labels = new
        for j in range(k):
            if np.any(labels == j):
                centre_arr[j] = points[labels == j].mean(axis=0)
    return labels


def _count_bounds(hints: SpeakerHints, params: ClusterParams, n: int) -> tuple[int, int]:
    if hints.num_speakers is not None:
        k = max(1, min(hints.num_speakers, n))
        return k, k
    low = max(1, hints.min_speakers or 1)
    high = min(n, hints.max_speakers or params.max_speakers)
    return min(low, high), high


def spectral_labels(emb: Matrix, low: int, high: int, params: ClusterParams) -> Labels:
    n = len(emb)
    if n <= 2 or high <= 1:
        return np.zeros(n, dtype=np.int64)
    sim = emb @ emb.T
    keep = min(n, max(params.min_neighbours, int(np.ceil(params.prune_fraction * n))))
    threshold = -np.sort(-sim, axis=1)[:, keep - 1 : keep]
    affinity = np.where(sim >= threshold, sim, 0.0)
    affinity = np.maximum(0.5 * (affinity + affinity.T), 0.0)
    np.fill_diagonal(affinity, 0.0)
    degree = affinity.sum(axis=1)
    laplacian = np.diag(degree) - affinity
    values, vectors = np.linalg.eigh(laplacian.astype(np.float64))
    if low == high:
        k = low
    else:
        gaps = np.diff(values[: high + 1])
        k = int(np.argmax(gaps[max(0, low - 1) : high])) + max(1, low)
    k = max(1, min(k, n))
    return _kmeans(vectors[:, :k].astype(np.float32), k)


def _centroids(emb: Matrix, labels: Labels) -> tuple[list[int], Matrix]:
    ids = sorted(set(labels.tolist()))
    cents = np.stack([emb[labels == i].mean(axis=0) for i in ids])
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-9)
    return ids, cents


def _merge_close(emb: Matrix, labels: Labels, low: int, params: ClusterParams) -> Labels:
    """Merge the closest pair of centroids while they are closer than merge_cosine."""
    labels = labels.copy()
    while True:
        ids, cents = _centroids(emb, labels)
        if len(ids) <= low:
            return labels
        sim = cents @ cents.T
        np.fill_diagonal(sim, -1.0)
        a, b = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[a, b] < params.merge_cosine:
            return labels
        labels[labels == ids[b]] = ids[a]


def _fold_small(
    emb: Matrix, labels: Labels, weights: npt.NDArray[np.float64], low: int, params: ClusterParams
) -> Labels:
    """Fold the smallest cluster into its nearest while it holds under min_share of speech."""
    labels = labels.copy()
    while True:
        ids, cents = _centroids(emb, labels)
        if len(ids) <= max(low, 1):
            return labels
        shares = np.array([weights[labels == i].sum() for i in ids]) / max(weights.sum(), 1e-9)
        small = int(np.argmin(shares))
        if shares[small] >= params.min_share:
            return labels
        sim = cents @ cents[small]
        sim[small] = -2.0
        labels[labels == ids[small]] = ids[int(np.argmax(sim))]


def _shrink(emb: Matrix, max_items: int) -> tuple[Matrix, npt.NDArray[np.int64]]:
    """Average neighbouring windows until at most max_items remain; returns the group of each."""
    group = np.arange(len(emb))
    while len(emb) > max_items:
        pairs = len(emb) // 2 * 2
        merged = emb[:pairs].reshape(-1, 2, emb.shape[1]).mean(axis=1)
        if pairs < len(emb):
            merged = np.vstack([merged, emb[pairs:]])
        emb = (merged / np.maximum(np.linalg.norm(merged, axis=1, keepdims=True), 1e-9)).astype(
            np.float32
        )
        group = group // 2
    return emb, group


def cluster_embeddings(
    emb: Matrix,
    durations: npt.NDArray[np.float64],
    hints: SpeakerHints = NO_HINTS,
    params: ClusterParams | None = None,
) -> Labels:
    """A speaker index (0, 1, ...) per embedding row, numbered by first appearance."""
    params = params or ClusterParams()
    valid = np.linalg.norm(emb, axis=1) > 0
    labels = np.full(len(emb), -1, dtype=np.int64)
    if not valid.any():
        return labels
    work, group = _shrink(emb[valid], params.max_items)
    low, high = _count_bounds(hints, params, len(work))
    found = spectral_labels(work, low, high, params)
    full = found[group]
    sub = emb[valid]
    if hints.num_speakers is None:
        full = _merge_close(sub, full, low, params)
        full = _fold_small(sub, full, durations[valid], low, params)
    labels[valid] = full
    order: dict[int, int] = {}
    for value in labels[valid].tolist():
        order.setdefault(value, len(order))
    labels[valid] = [order[v] for v in labels[valid].tolist()]
    log.info("clustered %d windows into %d speakers", int(valid.sum()), len(order))
    return labels
