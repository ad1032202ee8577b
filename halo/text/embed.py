"""Sentence embeddings with sentence-transformers (offline default: bundled all-MiniLM-L6-v2).

Vectors are L2-normalised so inner product is cosine similarity, which both the chunker's
similarity valleys and the FAISS semantic cache rely on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from halo.model_files import minilm_path


@lru_cache(maxsize=4)
def load_encoder(model_name: str = "", device: str = "cpu"):
    """Load (once per process) the sentence-transformers model; '' = bundled MiniLM."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(model_name or str(minilm_path()), device=device)


def embed_texts(
    texts: list[str], model_name: str = "", device: str = "cpu", batch_size: int = 64
) -> np.ndarray:
    """Embed ``texts`` -> float32 array (n, dim), rows L2-normalised. Empty input -> (0, dim)."""
    encoder = load_encoder(model_name, device)
    if not texts:
        return np.zeros((0, encoder.get_embedding_dimension()), dtype=np.float32)
    vectors = encoder.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)
