"""Token counts for the LLM, offline and fast.

Gemini's own tokenizer is not available offline, so chunks are sized with the WordPiece
tokenizer of the bundled all-MiniLM-L6-v2 (BERT uncased, 30k vocabulary) through the
``tokenizers`` library. On English speech transcripts it gives ~1.2-1.3 tokens per word, the
same ballpark as Gemini's SentencePiece tokenizer; it is an estimate for sizing chunks and
budgets. Exact billed counts come from Gemini's countTokens / usage metadata in the LLM layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

TOKENIZER_NAME = "all-MiniLM-L6-v2 WordPiece (estimate of Gemini tokens)"


@lru_cache(maxsize=1)
def _tokenizer():
    from tokenizers import Tokenizer

    from halo.model_files import minilm_path

    tok = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_tokens(texts: Sequence[str]) -> list[int]:
    """Estimated LLM tokens of each text (no special tokens)."""
    if not texts:
        return []
    encodings = _tokenizer().encode_batch(list(texts), add_special_tokens=False)
    return [len(e.ids) for e in encodings]
