"""The NumPy MiniLM gives sentence-transformers' vectors (what the stored qa_index holds), so a
question embedded without torch is compared with window vectors embedded with it."""

from __future__ import annotations

import numpy as np

from halo.model_files import minilm_path
from halo.text.embed import load_encoder
from halo.text.minilm import MAX_TOKENS, load_minilm

TEXTS = [
    "What was said about hiring?",
    "The remote control needs a big yellow button, said the industrial designer; the battery is a problem.",
    "SmartKom",
    "",
    "budget " * 400,  # past MAX_TOKENS: truncated the same way
    "Who decided on the budget at the end of the meeting, and why did they change their minds?",
]


def test_numpy_minilm_matches_sentence_transformers():
    ours = load_minilm().encode(TEXTS)
    theirs = load_encoder().encode(TEXTS, normalize_embeddings=True, show_progress_bar=False)
    assert ours.shape == theirs.shape == (len(TEXTS), 384) and ours.dtype == np.float32
    assert np.abs(ours - theirs).max() < 1e-4
    assert (ours * theirs).sum(axis=1).min() > 0.99999
    assert len(load_minilm().tokenizer.encode(TEXTS[4]).ids) == MAX_TOKENS
    assert load_encoder().max_seq_length == MAX_TOKENS and str(minilm_path()).endswith("model")


def test_batching_does_not_change_a_vector():
    alone = np.stack([load_minilm().encode([t])[0] for t in TEXTS])
    assert np.abs(load_minilm().encode(TEXTS, batch_size=4) - alone).max() < 1e-5
