"""Disk cache for per-document segmentation features (sentence embeddings, BERTScore gap F1).

Embedding a QMSum meeting and scoring its gaps with BERTScore costs tens of seconds on a CPU,
and training the PPO chunker or re-running an evaluation needs the same features again, so
they are stored once per document under ``<cache_dir>/segmentation_features/<key>.npz``. The
key hashes the document's text, the embedding/coherence model names and the window size, so a
changed document or model never reuses stale features. Topics are not stored (BERTopic is
fitted per run when asked for and is not used by the PPO chunker).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from halo.eval.datasets import SegDoc
from halo.eval.segmentation import DocFeatures, FeatureCache, text_utterances
from halo.paths import cache_dir
from halo.storage import write_bytes_atomic

FEATURE_VERSION = "1"  # bump when what is stored (or how it is computed) changes


def feature_key(doc: SegDoc, with_bertscore: bool, window_words: float = 60.0) -> str:
    digest = hashlib.sha256()
    for part in (FEATURE_VERSION, "minilm-bundled", f"bertscore={with_bertscore}",
                 f"window={window_words}", *doc.units):
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()[:24]


@dataclass
class DiskFeatureCache(FeatureCache):
    """A FeatureCache that also keeps embeddings / gap F1 / token counts on disk."""

    root: Path | None = None

    def folder(self) -> Path:
        return Path(self.root) if self.root is not None else cache_dir() / "segmentation_features"

    def _compute(self, doc: SegDoc) -> DocFeatures:
        if self.with_topics:  # topics are fitted per run, so nothing to reuse safely
            return super()._compute(doc)
        path = self.folder() / f"{feature_key(doc, self.with_bertscore)}.npz"
        if path.is_file():
            stored = np.load(path)
            gap_f1 = stored["gap_f1"] if self.with_bertscore else None
            return DocFeatures(doc, text_utterances(doc), stored["vectors"], stored["tokens"],
                               gap_f1=gap_f1)
        features = super()._compute(doc)
        buffer = io.BytesIO()
        np.savez(buffer, vectors=np.asarray(features.vectors, dtype=np.float32),
                 tokens=np.asarray(features.tokens),
                 gap_f1=np.asarray(features.gap_f1 if features.gap_f1 is not None else [],
                                   dtype=np.float64))
        write_bytes_atomic(path, buffer.getvalue())
        return features
