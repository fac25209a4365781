"""Cluster window embeddings of a whole recording into speakers, NumPy only.

Spectral clustering over cosine similarity (as 3D-Speaker does for CAM++): each row of the
affinity keeps only its strongest neighbours, and k-means groups the rows of the Laplacian's
first eigenvectors. The caller's hints (num, min, max speakers) bound or fix the count.

How the count is found, and why (bench/bench_cluster.py, results in bench/results/cluster-*):

* The largest gap in the Laplacian's eigenvalues finds the *coarsest* split. It was right on
  the five shared meetings, whose voices are far apart, but on meetings whose voices come in
  look-alike groups (centroid cosine 0.91-0.97 between different people) it found the groups:
  two speakers for four. So the eigengap count is only a lower bound.
* A fixed cosine threshold cannot decide either: distinct voices were closer in one corpus
  (0.9+) than halves of one voice in another, because how noisy a 1.5 s window's embedding is
  differs by recording. The old merge of centroids closer than 0.85 is gone for that reason.
* What does transfer is *when* clusters speak. The recording is over-split (one candidate per
  ~15 windows of speech, up to the maximum), and two clusters are merged while they alternate
  inside the same pause-free stretch of speech: a speaker rarely changes without a pause
  (97-99 % of the synthetic meetings' regions hold one voice, 90 % of AMI's), while halves of
  one voice alternate window by window. This needs each row's speech region (``regions``);
  without it, or with too little speech to over-split, the eigengap count stands.
* Windows are then reassigned to their nearest centroid (k-means on the embeddings, started
  from the clusters), which fixes windows the spectral step put in the wrong group, and
  clusters holding a small share of the speech are folded into their nearest neighbour.

Memory: the affinity is N x N for N windows. Above `max_items` neighbouring windows are averaged
in pairs first, so three hours at a 0.75 s hop (14,500 windows) peak near 300 MB of process
memory and take about 10 s (measured); only the first few eigenvectors are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
    # Over-splitting starts from one candidate per this many windows (15 x 0.75 s hop: ~11 s of
    # speech each). Fewer gives the alternation test too few window pairs to judge: on the 30 s
    # AMI excerpts 10 cost 2.5 points of DER, 15 and 20 matched the eigengap alone.
    windows_per_speaker: int = 15
    # Two clusters are one voice when this share of the smaller one's adjacent window pairs
    # (same speech region) cross to the other. Measured with the reference labels: true speaker
    # pairs <= 0.12, k-means halves of one voice >= 0.22. 0.2-0.25 scored alike; 0.3 already
    # splits voices on the shared meetings, so the lower end is taken.
    alternation: float = 0.2
    min_share: float = 0.02  # clusters with less of the speech fold into a neighbour
    # numpy's eigh works in float64 whatever it is given: its copy, workspace and eigenvectors
    # of a 3000-row Laplacian held the three-hour file's peak at 767 MB (issue 9); 1500 rows cost
    # a quarter of that. Longer recordings average neighbouring windows down to it, and every
    # window is then reassigned to its nearest voice (`_refine`), so little detail is lost.
    max_items: int = 1500


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


_ROWS = 256  # rows of the similarity partitioned at a time (a bounded temporary)


@dataclass(frozen=True)
class Spectrum:
    """Eigenvalues (ascending) and eigenvectors of the pruned affinity's Laplacian."""

    values: npt.NDArray[np.float64]
    vectors: npt.NDArray[np.float64]

    def eigengap_count(self, low: int, high: int) -> int:
        if low >= high:
            return max(1, low)
        gaps = np.diff(self.values[: high + 1])
        return int(np.argmax(gaps[max(0, low - 1) : high])) + max(1, low)

    def labels(self, k: int) -> Labels:
        """k-means on the rows of the first k eigenvectors."""
        k = max(1, min(k, self.vectors.shape[1]))
        return _kmeans(self.vectors[:, :k].astype(np.float32), k)


def spectrum(emb: Matrix, params: ClusterParams, columns: int) -> Spectrum:
    """The Laplacian's spectrum, keeping the first `columns` eigenvectors (memory: N x columns).

    Built in one float32 N x N array, in place, where the straightforward version kept float64
    copies of the similarity, its sorted copy, the affinity, its transpose, the diagonal and the
    Laplacian; `eigh` still makes its own float64 copy and workspace (see `max_items`).
    """
    n = len(emb)
    graph: npt.NDArray[np.float32] = (emb @ emb.T).astype(np.float32, copy=False)
    keep = min(n, max(params.min_neighbours, int(np.ceil(params.prune_fraction * n))))
    for first in range(0, n, _ROWS):
        rows = graph[first : first + _ROWS]
        # Each row keeps its `keep` strongest neighbours: the keep-th largest value is the bar.
        bar = np.partition(rows, n - keep, axis=1)[:, n - keep : n - keep + 1]
        rows[rows < bar] = 0.0
    np.maximum(graph, 0.0, out=graph)
    graph += graph.T  # numpy buffers the overlapping transpose; the result is symmetric
    graph *= 0.5
    np.fill_diagonal(graph, 0.0)
    degree = graph.sum(axis=1)
    np.negative(graph, out=graph)  # the Laplacian D - A, in the same array
    graph[np.diag_indices(n)] = degree
    values, vectors = np.linalg.eigh(graph)
    del graph
    return Spectrum(
        values.astype(np.float64), np.ascontiguousarray(vectors[:, :columns], dtype=np.float64)
    )


def _renumber(labels: Labels) -> Labels:
    """Labels 0..k-1 with no gaps (merges and k-means can leave holes)."""
    inverse: Labels = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return inverse


def _centroids(emb: Matrix, labels: Labels) -> Matrix:
    """Unit centroid per label of gap-free labels."""
    cents = np.zeros((int(labels.max()) + 1, emb.shape[1]), dtype=np.float64)
    np.add.at(cents, labels, emb)
    cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-9)
    return cents.astype(np.float32)


def _refine(emb: Matrix, labels: Labels, rounds: int = 10) -> Labels:
    """Reassign every window to its nearest centroid until stable (spherical k-means).

    The spectral step labels a window by its graph neighbourhood; a window whose neighbours are
    mostly another voice's goes wrong there but is still closest to its own voice's centroid.
    A round that would empty a cluster is not taken, so a count hint stays exact.
    """
    labels = _renumber(labels)
    for _ in range(rounds):
        new = (emb @ _centroids(emb, labels).T).argmax(axis=1).astype(np.int64)
        if np.array_equal(new, labels) or np.unique(new).size < labels.max() + 1:
            break
        labels = new
    return labels


def _alternation(labels: Labels, regions: Labels) -> npt.NDArray[np.float64]:
    """Share of the smaller cluster's adjacent window pairs that cross to the other cluster.

    Pairs are consecutive rows of one speech region, i.e. windows 0.75 s apart with no pause
    between them.
    """
    k = int(labels.max()) + 1
    same = regions[1:] == regions[:-1]
    pairs = np.zeros((k, k))
    np.add.at(pairs, (labels[:-1][same], labels[1:][same]), 1.0)
    pairs = pairs + pairs.T
    touching = pairs.sum(axis=1)
    smaller = np.minimum(touching[:, None], touching[None, :])
    share: npt.NDArray[np.float64] = pairs / np.maximum(smaller, 1.0)
    np.fill_diagonal(share, -1.0)
    return share


def _merge_alternating(labels: Labels, regions: Labels, low: int, params: ClusterParams) -> Labels:
    """Merge the most alternating pair of clusters while it alternates at least `alternation`."""
    labels = _renumber(labels)
    while labels.max() + 1 > low:
        share = _alternation(labels, regions)
        a, b = np.unravel_index(int(np.argmax(share)), share.shape)
        if share[a, b] < params.alternation:
            break
        labels = _renumber(np.where(labels == b, a, labels))
    return labels


def _fold_small(
    emb: Matrix, labels: Labels, weights: npt.NDArray[np.float64], low: int, params: ClusterParams
) -> Labels:
    """Fold the smallest cluster into its nearest while it holds under min_share of speech."""
    labels = _renumber(labels)
    while labels.max() + 1 > max(low, 1):
        shares = np.bincount(labels, weights=weights) / max(float(weights.sum()), 1e-9)
        small = int(np.argmin(shares))
        if shares[small] >= params.min_share:
            break
        cents = _centroids(emb, labels)
        sim = cents @ cents[small]
        sim[small] = -2.0
        labels = _renumber(np.where(labels == small, int(np.argmax(sim)), labels))
    return labels


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


def region_of_windows(
    starts: npt.NDArray[np.float64],
    ends: npt.NDArray[np.float64],
    regions: Sequence[tuple[float, float]],
) -> Labels:
    """Index of the speech region (sorted, non-overlapping) holding each window's centre."""
    if not regions:
        return np.zeros(len(starts), dtype=np.int64)
    firsts = np.array([a for a, _ in regions], dtype=np.float64)
    found: Labels = np.searchsorted(firsts, (starts + ends) / 2, side="right").astype(np.int64)
    return np.maximum(found - 1, 0)


def _over_split_and_merge(
    sub: Matrix,
    spec: Spectrum,
    group: npt.NDArray[np.int64],
    regions: Labels,
    bounds: tuple[int, int],
    params: ClusterParams,
) -> Labels | None:
    """Split into more candidates than the eigengap saw, merge those that alternate.

    Returns None when there is no room above the eigengap count (`bounds` = its count and the
    upper bound).
    """
    found, high = bounds
    candidates = max(found, min(high, len(sub) // params.windows_per_speaker))
    if candidates <= found:
        return None
    over = _refine(sub, spec.labels(candidates)[group])
    return _refine(sub, _merge_alternating(over, regions, found, params))


def cluster_embeddings(
    emb: Matrix,
    durations: npt.NDArray[np.float64],
    hints: SpeakerHints = NO_HINTS,
    params: ClusterParams | None = None,
    regions: Labels | None = None,
) -> Labels:
    """A speaker index (0, 1, ...) per embedding row, numbered by first appearance.

    `regions`, if given, is the speech region of each row (see `region_of_windows`); rows must
    then be in time order, so that consecutive rows of one region are neighbouring windows.
    """
    params = params or ClusterParams()
    valid = np.linalg.norm(emb, axis=1) > 0
    labels = np.full(len(emb), -1, dtype=np.int64)
    if not valid.any():
        return labels
    sub = emb[valid]
    work, group = _shrink(sub, params.max_items)
    low, high = _count_bounds(hints, params, len(work))
    if len(work) <= 2 or high <= 1:  # nothing to split
        return _numbered(labels, valid, np.zeros(len(sub), dtype=np.int64))
    spec = spectrum(work, params, columns=high + 1)
    full = _refine(sub, spec.labels(spec.eigengap_count(low, high))[group])
    if hints.num_speakers is None:
        eigengap = int(full.max()) + 1
        if regions is not None:
            split = _over_split_and_merge(
                sub, spec, group, regions[valid], (max(eigengap, low), high), params
            )
            full = full if split is None else split
        full = _fold_small(sub, full, durations[valid], low, params)
        log.info("speaker count: eigengap %d, after merging %d", eigengap, int(full.max()) + 1)
    return _numbered(labels, valid, full)


def _numbered(labels: Labels, valid: npt.NDArray[np.bool_], found: Labels) -> Labels:
    """Write `found` into the valid rows, speakers numbered by first appearance."""
    order: dict[int, int] = {}
    for value in found.tolist():
        order.setdefault(value, len(order))
    labels[valid] = [order[v] for v in found.tolist()]
    log.info("clustered %d windows into %d speakers", int(valid.sum()), len(order))
    return labels
