"""Key points and a title: the most central sentences of a meeting, without repetition.

Sentences are TF-IDF vectors (each sentence a document); centrality is PageRank over their cosine
similarities (TextRank). Key points are picked by maximal marginal relevance, so two sentences
saying the same thing do not both make the list. Deterministic: no randomness anywhere.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence

import numpy as np

from daemon.summarize.text import Sentence, words

STOPWORDS = frozenset(
    """
        a about above after again against all am an and any are aren't as at be because been
        before being below between both but by can can't cannot could couldn't did didn't do
        does doesn't doing don't down during each few for from further had hadn't has hasn't
        have haven't having he he'd he'll he's her here here's hers herself him himself his
        how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more
        most mustn't my myself no nor not of off on once only or other ought our ours
        ourselves out over own same shan't she she'd she'll she's should shouldn't so some
        such than that that's the their theirs them themselves then there there's these they
        they'd they'll they're they've this those through to too under until up very was
        wasn't we we'd we'll we're we've were weren't what what's when when's where where's
        which while who who's whom why why's with won't would wouldn't you you'd you'll
        you're you've your yours yourself yourselves um uh okay ok yeah yes yep like just
        really actually know think well oh so gonna got get go going thing things kind sort
        maybe also right sure great good thanks thank one two lot bit much still even way
        mean need want said say see look make sounds sound fine perfect everyone everybody
        anyone guys hi hey will shall let start morning afternoon evening today tomorrow
        yesterday week day time quick question point stuff something anything nothing
        everything people person
    """.split()
)
MIN_WORDS = 6


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS and len(w) > 2 and not w.isdigit()]


def _vectors(sentences: Sequence[Sentence]) -> np.ndarray:
    docs = [Counter(content_words(s.text)) for s in sentences]
    vocabulary = sorted({w for d in docs for w in d})
    index = {w: i for i, w in enumerate(vocabulary)}
    frequency = Counter(w for d in docs for w in d)
    matrix = np.zeros((len(docs), len(vocabulary)))
    for row, doc in enumerate(docs):
        for word, count in doc.items():
            matrix[row, index[word]] = (1 + math.log(count)) * math.log(
                1 + len(docs) / frequency[word]
            )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def key_points(
    sentences: Sequence[Sentence], count: int = 5, diversity: float = 0.7
) -> list[Sentence]:
    """Up to ``count`` central, mutually different sentences, in meeting order."""
    candidates = [
        s for s in sentences if len(content_words(s.text)) >= 3 and len(words(s.text)) >= MIN_WORDS
    ]
    if not candidates:
        return []
    vectors = _vectors(candidates)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    scores = _pagerank(similarity)
    chosen: list[int] = []
    while len(chosen) < min(count, len(candidates)):
        best, best_value = -1, -math.inf
        for i in range(len(candidates)):
            if i in chosen:
                continue
            redundancy = max((similarity[i, j] for j in chosen), default=0.0)
            value = diversity * scores[i] - (1 - diversity) * redundancy * scores.max()
            if value > best_value:
                best, best_value = i, value
        if max((similarity[best, j] for j in chosen), default=0.0) > 0.5:
            break  # everything left repeats what was chosen
        chosen.append(best)
    return [candidates[i] for i in sorted(chosen)]


def _pagerank(similarity: np.ndarray, damping: float = 0.85, rounds: int = 60) -> np.ndarray:
    size = similarity.shape[0]
    totals = similarity.sum(axis=1, keepdims=True)
    transition = np.where(totals > 0, similarity / np.where(totals == 0, 1, totals), 1.0 / size)
    scores = np.full(size, 1.0 / size)
    for _ in range(rounds):
        scores = (1 - damping) / size + damping * transition.T @ scores
    return scores


_NOT_TOPICS = frozenset(
    """
        monday tuesday wednesday thursday friday saturday sunday january february march
        april may june july august september october november december first second third
        fourth fifth sixth seventh eighth ninth tenth twenty thirty forty fifty hundred
        thousand morning talk end
    """.split()
)


def topics(sentences: Sequence[Sentence], count: int = 3, people: Sequence[str] = ()) -> list[str]:
    """The meeting's main topics: frequent content bigrams, else frequent content words."""
    excluded = _NOT_TOPICS | {p.lower() for p in people}

    def topical(word: str) -> bool:
        return (
            word not in STOPWORDS and word not in excluded and len(word) > 2 and not word.isdigit()
        )

    bigrams: Counter[str] = Counter()
    unigrams: Counter[str] = Counter()
    for sentence in sentences:
        tokens = words(sentence.text)
        for first, second in itertools.pairwise(tokens):
            if topical(first) and topical(second):
                bigrams[f"{first} {second}"] += 1
        unigrams.update(w for w in content_words(sentence.text) if topical(w))
    picked: list[str] = []
    for bigram, n in bigrams.most_common():
        if n < 2 or len(picked) >= count:
            break
        if not set(bigram.split()) & {w for p in picked for w in p.split()}:
            picked.append(bigram)
    for word, n in unigrams.most_common():
        if len(picked) >= count or n < 2:  # a word said once is no topic
            break
        if not any(word in p.split() for p in picked):
            picked.append(word)
    casing = _surface_forms(sentences)
    return [" ".join(casing.get(w, w) for w in phrase.split()) for phrase in picked]


def _surface_forms(sentences: Sequence[Sentence]) -> dict[str, str]:
    """How each word is usually written ("SAML", "Google"), ignoring sentence-initial capitals."""
    forms: dict[str, Counter[str]] = {}
    for sentence in sentences:
        for position, match in enumerate(re.finditer(r"[A-Za-z][\w'-]*", sentence.text)):
            surface = match.group(0)
            if position == 0 and surface[1:].islower():
                continue
            forms.setdefault(surface.lower(), Counter())[surface] += 1
    return {word: counter.most_common(1)[0][0] for word, counter in forms.items()}


def title_from_topics(names: Sequence[str]) -> str:
    if not names:
        return "Meeting"
    phrase = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return phrase[0].upper() + phrase[1:]
