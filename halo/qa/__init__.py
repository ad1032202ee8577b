"""Questions about one processed video: retrieval, follow-ups, grounded answers, sessions.

    retrieval.py     windows inside chunks, dense + BM25 scoring (ChunkIndex, recall_at_k)
    lexical.py       BM25 over retrieval texts (bm25s, Snowball stems), one tokenizer for all
    anchors.py       words a question pins down: quoted speech, a slide named by its title
    video.py         a processed video's stored outputs and its qa_index (VideoQA)
    followups.py     is a question a follow-up, and the offline rewrite
    speakers.py      the speakers a question names (left out of the search; matched to the roster)
    speaker_focus.py windows favoured by the named speaker's share of them
    grounding.py     prompts with times, extractive local answers, citation checks
    sessions.py      turns and sessions on disk
    conversation.py  one question end to end (Conversation)
    cached.py        a repeated question answered from the exact cache, nothing else loaded
    stamp.py         which stored files a video's answers were drawn from (a stat, no read)

The names below are imported from their module on first use (PEP 562), so importing one light
module of the package (sessions, followups) does not load pandas and the retrieval stack.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "cached": ("answer_from_cache", "remember"),
    "conversation": ("REWRITE_PURPOSE", "Conversation"),
    "followups": ("heuristic_rewrite", "is_follow_up"),
    "grounding": ("build_context", "check_citations", "local_answer", "parse_citations"),
    "retrieval": ("DEFAULT_K", "ChunkIndex", "Retrieved", "build_units", "overlaps", "recall_at_k"),
    "sessions": ("QA_ASSET", "QA_PURPOSE", "InvalidSession", "Session", "Turn", "list_sessions", "load_session", "save_session",
                 "session_path", "validate_session_id"),
    "video": ("QA_INDEX_ASSET", "VideoNotReady", "VideoQA"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value
    return value
