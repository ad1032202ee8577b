"""The offline backend: honest extractive work with the bundled sentence encoder, at zero cost.

Used when no Gemini API key is set. It never pretends to be an LLM: summaries are the chunk's
most *central* sentences (closest to the chunk's mean embedding, kept in spoken order) and
answers are the context sentences most similar to the question. Every output is labelled
backend="local" with model LOCAL_MODEL and costs $0.
"""

from __future__ import annotations

import re

import numpy as np

from halo.text.embed import embed_texts

LOCAL_MODEL = "local-extractive-minilm"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; long unpunctuated ASR runs are cut every ~30 words."""
    out: list[str] = []
    for sent in _SENTENCE_END.split(text.strip()):
        words = sent.split()
        for i in range(0, len(words), 30):
            piece = " ".join(words[i : i + 30])
            if piece:
                out.append(piece)
    return out


def central_sentences(text: str, k: int | None = None, device: str = "cpu") -> list[str]:
    """The ``k`` sentences closest to the text's mean embedding, in their original order.

    ``k`` defaults to about a quarter of the sentences, between 1 and 3.
    """
    sents = split_sentences(text)
    if len(sents) <= 1:
        return sents
    k = k or max(1, min(3, round(len(sents) / 4)))
    vecs = embed_texts(sents, device=device)
    centroid = vecs.mean(axis=0)
    scores = vecs @ centroid
    keep = sorted(np.argsort(-scores, kind="stable")[:k])
    return [sents[i] for i in keep]


def summarize_text(text: str, k: int | None = None) -> str:
    return " ".join(central_sentences(text, k))


def chapter_title(summary: str, max_words: int = 8) -> str:
    """A short chapter title: the first words of the chunk's most central sentence."""
    first = central_sentences(summary, k=1)
    words = (first[0] if first else summary).split()
    title = " ".join(words[:max_words]).rstrip(".,;:")
    return title + ("..." if len(words) > max_words else "")


def answer_extractive(question: str, passages: list[str], k: int = 2) -> str:
    """The ``k`` passage sentences most similar to ``question`` (original order)."""
    sents = [s for p in passages for s in split_sentences(p)]
    if not sents:
        return ""
    vecs = embed_texts([question] + sents)
    scores = vecs[1:] @ vecs[0]
    keep = sorted(np.argsort(-scores, kind="stable")[:k])
    return " ".join(sents[i] for i in keep)
