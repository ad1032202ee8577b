"""Chunking: boundary signals, the rule-based chunker (exact DP), baselines and Pk/WindowDiff."""

from halo.chunking.rules import CHUNK_COLUMNS, ChunkingConfig, ChunkingResult, chunk_utterances

__all__ = ["CHUNK_COLUMNS", "ChunkingConfig", "ChunkingResult", "chunk_utterances"]
