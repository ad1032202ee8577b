"""The offline backend: honest extractive work with the bundled sentence encoder, at zero cost.

Used when no Gemini API key is set. It never pretends to be an LLM: summaries are the chunk's
most *central* informative sentences (closest to the chunk's mean embedding, kept in spoken
order), chapter titles are the chunk's most frequent content words, and answers are the context
sentences most similar to the question. Every output is labelled backend="local" with model
LOCAL_MODEL and costs $0.

Why "informative": meeting speech is full of "Yeah." and "Right, okay." turns whose embeddings
sit close to any centroid; a summary made of them is honest but useless, so sentences shorter
than MIN_INFORMATIVE_WORDS only compete when a chunk has nothing longer.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from halo.text.embed import embed_texts

LOCAL_MODEL = "local-extractive-minilm"
MIN_INFORMATIVE_WORDS = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
# Spoken fillers and discourse words that carry no topic (on top of sklearn's stop words).
_FILLERS = frozenset(
    "yeah okay ok right um uh mm hmm like just gonna wanna think know really actually "
    "mean sort kind thing things stuff got get going want need say said don't didn't "
    "it's that's there's we're they're you're i'm i've we've we'll i'll let's maybe good "
    "cool sure well yes lot bit".split()
)


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
    informative = [s for s in sents if len(s.split()) >= MIN_INFORMATIVE_WORDS]
    sents = informative or sents
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


def keywords(text: str, k: int = 3) -> list[str]:
    """The ``k`` most frequent content words of ``text`` (stop words and fillers removed)."""
    words = [w.strip("'-") for w in _WORD.findall(text.lower())]
    counts = Counter(w for w in words if w not in ENGLISH_STOP_WORDS and w not in _FILLERS)
    return [word for word, _ in counts.most_common(k)]


def chapter_title(text: str, k: int = 3) -> str:
    """A short chapter title: the chunk's most frequent content words, e.g. "Battery, power, solar"."""
    return ", ".join(keywords(text, k)).capitalize()


def answer_extractive(question: str, passages: list[str], k: int = 2) -> str:
    """The ``k`` passage sentences most similar to ``question`` (original order)."""
    sents = [s for p in passages for s in split_sentences(p)]
    if not sents:
        return ""
    vecs = embed_texts([question] + sents)
    scores = vecs[1:] @ vecs[0]
    keep = sorted(np.argsort(-scores, kind="stable")[:k])
    return " ".join(sents[i] for i in keep)
