"""Questions about one processed video: retrieval, follow-ups, grounded answers, sessions.

    retrieval.py     windows inside chunks, dense + BM25 scoring (ChunkIndex, recall_at_k)
    video.py         a processed video's stored outputs and its qa_index (VideoQA)
    followups.py     is a question a follow-up, and the offline rewrite
    grounding.py     prompts with times, extractive local answers, citation checks
    sessions.py      turns and sessions on disk
    conversation.py  one question end to end (Conversation)
"""

from halo.qa.conversation import QA_ASSET, QA_PURPOSE, REWRITE_PURPOSE, Conversation
from halo.qa.followups import heuristic_rewrite, is_follow_up
from halo.qa.grounding import build_context, check_citations, local_answer, parse_citations
from halo.qa.retrieval import DEFAULT_K, ChunkIndex, Retrieved, build_units, overlaps, recall_at_k
from halo.qa.sessions import (
    InvalidSession, Session, Turn, list_sessions, load_session, save_session, session_path, validate_session_id,
)
from halo.qa.video import QA_INDEX_ASSET, VideoNotReady, VideoQA

__all__ = [
    "QA_ASSET", "QA_INDEX_ASSET", "QA_PURPOSE", "REWRITE_PURPOSE", "DEFAULT_K", "ChunkIndex", "Conversation",
    "InvalidSession", "Retrieved", "Session", "Turn", "VideoNotReady", "VideoQA", "build_context", "build_units",
    "check_citations", "heuristic_rewrite", "is_follow_up", "list_sessions", "load_session", "local_answer",
    "overlaps", "parse_citations", "recall_at_k", "save_session", "session_path", "validate_session_id",
]
