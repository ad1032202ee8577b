"""BM25 over retrieval texts (bm25s, Snowball stems): the lexical half of Q&A retrieval.

Its own module so that what scores words (retrieval units, quoted sentences, a slide title
named in a question: halo/qa/anchors.py) shares one tokenizer without importing the index.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _bm25s():
    """bm25s without numba, scipy and tqdm (halo/optional_imports.py: unused, slow to import)."""
    from halo.optional_imports import BM25S_UNUSED, import_without

    return import_without("bm25s", BM25S_UNUSED)


def lexical_terms(texts: list[str]) -> list[list[str]]:
    """bm25s tokens: lowercase words without English stop words, Snowball-stemmed."""
    return _bm25s().tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class Lexical:
    """BM25 over a list of texts; scores divided by the best one (0..1, 0 = no shared term)."""

    def __init__(self, texts: list[str]) -> None:
        self._bm25 = _bm25s().BM25()
        self._n = len(texts)
        terms = lexical_terms(texts) if texts else []
        # texts without a single term (a video with no speech and no screen text) leave the index
        # empty: bm25s cannot index an empty vocabulary ("max() arg is an empty sequence")
        self._indexed = any(terms)
        if self._indexed:
            self._bm25.index(terms, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        if not self._indexed:
            return np.zeros(self._n)
        terms = [t for t in lexical_terms([query])[0] if t in self._bm25.vocab_dict]
        if not terms:
            return np.zeros(self._n)
        s = np.asarray(self._bm25.get_scores(terms), dtype=float)
        top = s.max()
        return s / top if top > 0 else s
