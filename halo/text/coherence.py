"""Coherence with BERTScore: how much neighbouring stretches of text talk about the same thing.

BERTScore F1 (greedy token matching of contextual embeddings) between two texts; offline it runs
bert-score with model_type=<bundled all-MiniLM-L6-v2 dir>, num_layers=6, no baseline rescaling
(rescaling needs a downloaded baseline file for a named model; raw F1 with MiniLM is ~0.1-0.3
for unrelated and ~0.6-0.8 for related sentences).

Definitions used by the chunker:
- gap coherence: F1 between the ~``window_words`` words before a gap and the ~window_words
  after it (computed at block splits, see gap_coherence), clipped to [0, 1]. A valley (below ChunkingConfig.coherence_threshold) is evidence
  for a cut.
- chunk coherence: the chunk's text is packed into consecutive windows of ~window_words words
  (whole utterances); coherence is the mean F1 between neighbouring windows, clipped to [0, 1].
  A chunk that fits in one window is 1.0 (nothing inside it to disagree).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=2)
def load_scorer(model_type: str = "", num_layers: int = 6, device: str = "cpu"):
    """A cached BERTScorer; model_type '' = the bundled MiniLM directory."""
    from bert_score import BERTScorer

    from halo.model_files import minilm_path

    return BERTScorer(
        model_type=model_type or str(minilm_path()),
        num_layers=num_layers,
        lang=None,
        rescale_with_baseline=False,
        device=device,
    )


def bertscore_f1(
    candidates: Sequence[str],
    references: Sequence[str],
    model_type: str = "",
    num_layers: int = 6,
    batch_size: int = 64,
) -> np.ndarray:
    """BERTScore F1 for each (candidate, reference) pair, clipped to [0, 1]."""
    if len(candidates) != len(references):
        raise ValueError(f"{len(candidates)} candidates but {len(references)} references")
    if not candidates:
        return np.zeros(0)
    scorer = load_scorer(model_type, num_layers)
    cands = [c if c.strip() else "." for c in candidates]
    refs = [r if r.strip() else "." for r in references]
    _, _, f1 = scorer.score(cands, refs, batch_size=batch_size)
    return np.clip(f1.numpy().astype(float), 0.0, 1.0)


def pack_windows(texts: Sequence[str], window_words: float) -> list[str]:
    """Consecutive whole texts joined into windows of at least ``window_words`` words."""
    windows, current, count = [], [], 0
    for text in texts:
        current.append(text)
        count += len(text.split())
        if count >= window_words:
            windows.append(" ".join(current))
            current, count = [], 0
    if current:
        if windows and count < window_words / 2:
            windows[-1] += " " + " ".join(current)
        else:
            windows.append(" ".join(current))
    return windows


def gap_coherence(
    texts: Sequence[str], window_words: float = 60.0, model_type: str = "", num_layers: int = 6
) -> np.ndarray:
    """F1 between the ~window_words before and after each gap j (text j | text j+1), length n-1.

    For speed the texts are packed into blocks of ~window_words/2 words (whole texts) and F1 is
    computed once per block split, between the two blocks before and the two after it; bert-score
    embeds each distinct string once, so an hour of speech costs ~one pass over its words instead
    of two full windows per gap. Each gap takes the F1 of the nearest block split.
    """
    n = len(texts)
    if n < 2:
        return np.zeros(0)
    half = max(window_words / 2.0, 1.0)
    block_of = np.zeros(n, dtype=int)
    blocks: list[list[str]] = [[]]
    count = 0
    for i, text in enumerate(texts):
        if count >= half:
            blocks.append([])
            count = 0
        blocks[-1].append(text)
        block_of[i] = len(blocks) - 1
        count += len(text.split())
    joined = [" ".join(b) for b in blocks]
    if len(joined) < 2:  # everything fits in one block: compare the two halves of the texts
        mid = n // 2
        f1 = bertscore_f1([" ".join(texts[mid:])], [" ".join(texts[:mid])], model_type, num_layers)
        return np.full(n - 1, float(f1[0]))
    splits = range(1, len(joined))  # split s: between block s-1 and block s
    before = [" ".join(joined[max(s - 2, 0):s]) for s in splits]
    after = [" ".join(joined[s:s + 2]) for s in splits]
    split_f1 = bertscore_f1(after, before, model_type, num_layers)
    # word position of each split and of each gap
    words = np.array([len(t.split()) for t in texts], dtype=float)
    cum = np.cumsum(words)
    first_of_block = np.searchsorted(block_of, np.arange(len(joined)))
    split_pos = np.array([cum[first_of_block[s] - 1] for s in splits])
    gap_pos = cum[:-1]
    nearest = np.abs(gap_pos[:, None] - split_pos[None, :]).argmin(axis=1)
    return split_f1[nearest]


def chunk_coherence(
    chunks: Sequence[Sequence[str]], window_words: float = 60.0, model_type: str = "",
    num_layers: int = 6,
) -> list[float]:
    """Coherence of each chunk (list of its utterance texts), per the module docstring."""
    pairs: list[tuple[int, str, str]] = []
    for index, texts in enumerate(chunks):
        windows = pack_windows(list(texts), window_words)
        pairs += [(index, a, b) for a, b in zip(windows, windows[1:])]
    scores = bertscore_f1([p[2] for p in pairs], [p[1] for p in pairs], model_type, num_layers)
    totals = np.zeros(len(chunks))
    counts = np.zeros(len(chunks))
    for (index, _, _), score in zip(pairs, scores):
        totals[index] += score
        counts[index] += 1
    return [float(t / c) if c else 1.0 for t, c in zip(totals, counts)]
