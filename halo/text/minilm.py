"""The bundled all-MiniLM-L6-v2 run in NumPy: the same vectors as sentence-transformers, without torch.

Why: a new question embeds one sentence, and `halo ask` is a new process per question. Loading
sentence-transformers imports torch and transformers (measured here: 13 s of CPU for the
import alone, more than the whole answer may take), while this reads the same safetensors
weights and tokenizer.json in about 0.2 s. ONNX Runtime is installed too, but no ONNX file of
the model ships and exporting one needs the `onnx` package and torch at build time; the
forward pass of a 6-layer BERT encoder is a dozen lines of NumPy (the operations of
transformers' BertModel, then sentence-transformers' mean pooling and normalisation).

Faithfulness is tested against sentence-transformers (halo_tests/test_text/test_minilm.py);
halo.text.embed uses this for the bundled model and small inputs.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from halo.model_files import minilm_path

MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length: what sentence-transformers truncates to
LAYERS = 6
HEADS = 12
EPS = 1e-12  # config.json layer_norm_eps


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26), below float32 resolution of GELU."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(np.float32(2.0))))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


class MiniLM:
    """all-MiniLM-L6-v2 sentence vectors (384 floats, L2-normalised) from its bundled files."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.w = load_file(str(model_dir / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        """One GEMM over every token of the batch (a 3-D matmul runs one per text: 17x slower here)."""
        weight = self.w[f"{name}.weight"]
        flat = x.reshape(-1, x.shape[-1]) @ weight.T + self.w[f"{name}.bias"]
        return flat.reshape(*x.shape[:-1], weight.shape[0])

    def _layer(self, x: np.ndarray, mask_bias: np.ndarray, i: int) -> np.ndarray:
        p = f"encoder.layer.{i}"
        b, n, d = x.shape

        def heads(t: np.ndarray) -> np.ndarray:
            return t.reshape(b, n, HEADS, d // HEADS).transpose(0, 2, 1, 3)

        q, k, v = (heads(self._linear(x, f"{p}.attention.self.{m}")) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(np.float32(d // HEADS)) + mask_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        context = (scores / scores.sum(-1, keepdims=True)) @ v
        context = context.transpose(0, 2, 1, 3).reshape(b, n, d)
        x = _layer_norm(self._linear(context, f"{p}.attention.output.dense") + x,
                        self.w[f"{p}.attention.output.LayerNorm.weight"], self.w[f"{p}.attention.output.LayerNorm.bias"])
        hidden = _gelu(self._linear(x, f"{p}.intermediate.dense"))
        return _layer_norm(self._linear(hidden, f"{p}.output.dense") + x,
                           self.w[f"{p}.output.LayerNorm.weight"], self.w[f"{p}.output.LayerNorm.bias"])

    def _batch(self, texts: list[str]) -> np.ndarray:
        encodings = self.tokenizer.encode_batch(texts)
        n = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), n), np.int64)
        types = np.zeros_like(ids)
        mask = np.zeros((len(texts), n), np.float32)
        for row, e in enumerate(encodings):
            ids[row, :len(e.ids)], types[row, :len(e.ids)], mask[row, :len(e.ids)] = e.ids, e.type_ids, 1.0
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] \
            + w["embeddings.token_type_embeddings.weight"][types]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        mask_bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(LAYERS):
            x = self._layer(x, mask_bias, i)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """(len(texts), 384) float32, rows L2-normalised; texts of like length are batched together.

        BLAS runs on one thread here: these matrices are small, and OpenBLAS' worker threads
        spin waiting for each other when the cores are busy (measured on this 2-core machine
        under load: one question took 0.9 s of CPU with the default threads, 0.016 s with one;
        64 texts 2.2 s vs 1.4 s)."""
        out = np.zeros((len(texts), 384), np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with _blas().limit(limits=1, user_api="blas"):
            for start in range(0, len(order), batch_size):
                rows = order[start:start + batch_size]
                out[rows] = self._batch([texts[i] for i in rows])
        return out


@lru_cache(maxsize=1)
def _blas():
    """threadpoolctl's view of the loaded BLAS libraries, found once (each search stats every
    loaded library: 0.04 s of CPU a call)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@lru_cache(maxsize=1)
def load_minilm() -> MiniLM:
    """The bundled model, loaded once per process (its file is checked by minilm_path)."""
    return MiniLM(minilm_path())
