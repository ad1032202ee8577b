"""Sentence embeddings with sentence-transformers (offline default: bundled all-MiniLM-L6-v2).

Vectors are L2-normalised so inner product is cosine similarity, which both the chunker's
similarity valleys and the FAISS semantic cache rely on. A few texts for the bundled model (a
question, the sentences a local answer quotes from) go through halo.text.minilm, the same model
in NumPy: loading torch for them would cost more than the whole answer.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from halo.model_files import minilm_path

#: Up to this many texts, the bundled model runs in NumPy (no torch import); bulk work (a video's
#: windows, utterances) keeps sentence-transformers.
NUMPY_MAX_TEXTS = 512


@lru_cache(maxsize=4)
def load_encoder(model_name: str = "", device: str = "cpu"):
    """Load (once per process) the sentence-transformers model; '' = bundled MiniLM."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_name or str(minilm_path()), device=device)


def embed_texts(
    texts: list[str], model_name: str = "", device: str = "cpu", batch_size: int = 64
) -> np.ndarray:
    """Embed ``texts`` -> float32 array (n, dim), rows L2-normalised. Empty input -> (0, dim)."""
    if not model_name and device == "cpu" and len(texts) <= NUMPY_MAX_TEXTS:
        from halo.text.minilm import load_minilm

        return load_minilm().encode(list(texts))
    encoder = load_encoder(model_name, device)
    if not texts:
        return np.zeros((0, encoder.get_embedding_dimension()), dtype=np.float32)
    vectors = encoder.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)
