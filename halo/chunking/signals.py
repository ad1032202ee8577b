"""Boundary signals: for each gap between utterance j and j+1, how much evidence for a cut.

Every signal is an array of length n-1 with values in [0, 1] (1 = strong evidence), computed
from plain arrays so the same code serves videos (utterances with times, speakers, scenes) and
text-only benchmarks (sentences or meeting turns without times).

- speaker:   the speaker changes at the gap.
- floor:     a different speaker takes the floor for a long stretch (the next speaker's words in
             the following window dominate): presentations and agenda items start this way,
             while back-and-forth chat changes speaker at every turn and scores low.
- scene:     a scene (shot) cut falls at the gap (scene_id changes between the utterances).
- topic:     the BERTopic label mix of the window before differs from the window after.
- semantic:  TextTiling-style depth of the cosine similarity between the embedding centroids of
             the windows before and after the gap (a valley relative to its neighbouring peaks).
- coherence: 1 - BERTScore F1 between the windows (low lexical-semantic overlap), when given.
- pause:     silence between the utterances, saturating at ``pause_saturation_s``.
- cue:       discourse cues that open a new item ("moving on", "next", "let's talk about",
             "okay so", ...); strong phrases score 1, bare openers ("okay", "so") 0.4.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STRONG_CUES = re.compile(
    r"\b(moving on|move on|let'?s move|next (item|point|topic|thing|question|one|step|part|"
    r"presentation|agenda)|the next (item|point|topic|thing|question|one|step|part)|"
    r"let'?s (talk|turn|go on|go to|look|start|begin|discuss|get|have a look)|"
    r"first of all|to begin with|any other business|to sum up|in summary|to conclude|"
    r"that brings us|turn to|agenda|last (item|point|thing|question)|finally|"
    r"i('d| would) like to (call|welcome|present|talk|start|turn|move))\b",
    re.IGNORECASE,
)
OPENERS = re.compile(
    r"^(?:(?:um+|uh+|er+|mm+|erm|hmm+)[ ,.]+)*(okay|ok|alright|all right|right|so|now|well|good|great)\b",
    re.IGNORECASE,
)
_FILLER = re.compile(r"^(?:(?:um+|uh+|er+|mm+|erm|hmm+)[ ,.]+)*", re.IGNORECASE)

SIGNAL_NAMES = ("speaker", "floor", "scene", "topic", "semantic", "coherence", "pause", "cue")


@dataclass
class BoundarySignals:
    """One array (length n-1, values in [0, 1]) per signal; missing inputs give zeros."""

    values: dict[str, np.ndarray]

    def combined(self, weights: dict[str, float]) -> np.ndarray:
        n = len(next(iter(self.values.values()))) if self.values else 0
        total = np.zeros(n)
        for name, weight in weights.items():
            if weight and name in self.values:
                total += weight * self.values[name]
        return total


def word_counts(texts: Sequence[str]) -> np.ndarray:
    return np.array([len(t.split()) for t in texts], dtype=float)


def word_windows(lengths: np.ndarray, window_words: float) -> tuple[np.ndarray, np.ndarray]:
    """For each gap j: first index of the left window and last+1 index of the right window.

    Windows grow unit by unit until they hold ``window_words`` words (at least one unit), so
    long sentences and short back-channel turns give windows of similar content.
    """
    n = len(lengths)
    cum = np.concatenate([[0.0], np.cumsum(np.maximum(lengths, 1.0))])
    left = np.empty(n - 1, dtype=int)
    right = np.empty(n - 1, dtype=int)
    for j in range(n - 1):
        # left window: units lo..j with cum[j+1]-cum[lo] >= window_words
        lo = int(np.searchsorted(cum, cum[j + 1] - window_words, side="right")) - 1
        left[j] = min(max(lo, 0), j)
        hi = int(np.searchsorted(cum, cum[j + 1] + window_words, side="left"))
        right[j] = max(min(hi, n), j + 2)
    return left, right


def window_sums(rows: np.ndarray, lengths: np.ndarray, window_words: float) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``rows`` over the left and the right word window of each gap (by prefix sums)."""
    prefix = np.vstack([np.zeros(rows.shape[1]), np.cumsum(rows, axis=0)])
    left, right = word_windows(lengths, window_words)
    gaps = np.arange(len(rows) - 1)
    return prefix[gaps + 1] - prefix[left], prefix[right] - prefix[gaps + 1]


def window_similarity(vectors: np.ndarray, lengths: np.ndarray, window_words: float) -> np.ndarray:
    """Cosine similarity between the (word-weighted) centroids of the windows around each gap."""
    n = len(vectors)
    if n < 2:
        return np.zeros(0)
    weights = np.sqrt(np.maximum(lengths, 1.0))
    a, b = window_sums(vectors * weights[:, None], lengths, window_words)
    norm = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return np.sum(a * b, axis=1) / np.maximum(norm, 1e-12)


def depth_scores(similarity: np.ndarray) -> np.ndarray:
    """TextTiling depth: (highest similarity to the left - s) + (highest to the right - s), halved."""
    if len(similarity) == 0:
        return similarity
    # hill-climb only to the nearest peaks (standard TextTiling), not the global maximum
    depth = np.zeros_like(similarity)
    for j, s in enumerate(similarity):
        lo = j
        while lo > 0 and similarity[lo - 1] >= similarity[lo]:
            lo -= 1
        hi = j
        while hi < len(similarity) - 1 and similarity[hi + 1] >= similarity[hi]:
            hi += 1
        depth[j] = (similarity[lo] - s) + (similarity[hi] - s)
    return np.clip(depth / 2.0, 0.0, 1.0)


def speaker_change(speakers: Sequence[str] | None, n: int) -> np.ndarray:
    if not speakers or n < 2:
        return np.zeros(max(n - 1, 0))
    s = np.asarray([str(x) for x in speakers])
    return (s[1:] != s[:-1]).astype(float)


def floor_change(speakers: Sequence[str] | None, lengths: np.ndarray, window_words: float) -> np.ndarray:
    """Share of the next window's words spoken by the new speaker, when the speaker changes.

    High when the next speaker holds the floor (a presentation or a new item), low in quick
    back-and-forth where every turn changes speaker.
    """
    n = len(lengths)
    if not speakers or n < 2:
        return np.zeros(max(n - 1, 0))
    s = np.asarray([str(x) for x in speakers])
    _, right = word_windows(lengths, window_words)
    out = np.zeros(n - 1)
    for j in range(n - 1):
        if s[j + 1] == s[j]:
            continue
        seg = slice(j + 1, right[j])
        words = lengths[seg]
        out[j] = float(words[s[seg] == s[j + 1]].sum() / max(words.sum(), 1.0))
    return out


def scene_change(scene_ids: Sequence | None, n: int) -> np.ndarray:
    if scene_ids is None or n < 2:
        return np.zeros(max(n - 1, 0))
    ids = np.asarray(list(scene_ids), dtype=object)
    return np.array([float(ids[j + 1] != ids[j]) for j in range(n - 1)])


def topic_shift(topics: Sequence[int] | None, lengths: np.ndarray, window_words: float) -> np.ndarray:
    """Total-variation distance between the topic-label histograms of the two windows."""
    n = len(lengths)
    if topics is None or n < 2:
        return np.zeros(max(n - 1, 0))
    labels = np.asarray(list(topics))
    uniq, codes = np.unique(labels, return_inverse=True)
    onehot = np.zeros((n, len(uniq)))
    onehot[np.arange(n), codes] = 1.0
    a, b = window_sums(onehot, lengths, window_words)
    a /= np.maximum(a.sum(axis=1, keepdims=True), 1e-12)
    b /= np.maximum(b.sum(axis=1, keepdims=True), 1e-12)
    return 0.5 * np.abs(a - b).sum(axis=1)


def pauses(starts: np.ndarray | None, ends: np.ndarray | None, saturation_s: float) -> np.ndarray:
    if starts is None or ends is None or len(starts) < 2:
        return np.zeros(max(len(starts) - 1, 0) if starts is not None else 0)
    gap = np.asarray(starts[1:], dtype=float) - np.asarray(ends[:-1], dtype=float)
    return np.clip(gap / max(saturation_s, 1e-6), 0.0, 1.0)


def cue_phrases(texts: Sequence[str]) -> np.ndarray:
    """Score of the utterance *after* each gap opening a new item (first ~12 words only)."""
    out = np.zeros(max(len(texts) - 1, 0))
    for j, text in enumerate(texts[1:]):
        head = " ".join(_FILLER.sub("", text).split()[:12])
        if STRONG_CUES.search(head):
            out[j] = 1.0
        elif OPENERS.match(head):
            out[j] = 0.4
    return out


def compute_signals(
    texts: Sequence[str],
    vectors: np.ndarray,
    *,
    speakers: Sequence[str] | None = None,
    scene_ids: Sequence | None = None,
    topics: Sequence[int] | None = None,
    starts: np.ndarray | None = None,
    ends: np.ndarray | None = None,
    coherence: np.ndarray | None = None,
    window_words: float = 60.0,
    pause_saturation_s: float = 2.0,
) -> BoundarySignals:
    """All boundary signals for one document/video (see the module docstring)."""
    n = len(texts)
    lengths = word_counts(texts)
    values = {
        "speaker": speaker_change(speakers, n),
        "floor": floor_change(speakers, lengths, window_words),
        "scene": scene_change(scene_ids, n),
        "topic": topic_shift(topics, lengths, window_words),
        "semantic": depth_scores(window_similarity(vectors, lengths, window_words)) if n > 1 else np.zeros(0),
        "coherence": (np.clip(1.0 - np.asarray(coherence, dtype=float), 0.0, 1.0)
                      if coherence is not None and n > 1 else np.zeros(max(n - 1, 0))),
        "pause": pauses(starts, ends, pause_saturation_s),
        "cue": cue_phrases(list(texts)),
    }
    return BoundarySignals(values)
