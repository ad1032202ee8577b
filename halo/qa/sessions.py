"""Conversation state: one JSON file per session under qa/<video_id>/ of the storage root
(halo.store: the data root, or ``HALO_STORAGE_ROOT`` such as s3://...).

Each answered turn is saved at once (atomic write), so a crash never loses a paid answer and
``halo ask --session NAME`` continues where the last call stopped.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from halo.errors import HaloError
from halo.storage import write_bytes_atomic
from halo.store import sessions_dir

if TYPE_CHECKING:
    from pathlib import Path

    from upath import UPath

SESSION_PATTERN = re.compile(r"^[a-z0-9_-]{1,64}$")
SESSION_NAMES = "1-64 lowercase letters, digits, '_' or '-'"  # SESSION_PATTERN in words (errors, --help)
#: What a turn's LLM calls are ledgered as (asset) and for (purpose).
QA_ASSET = "qa"
QA_PURPOSE = "qa"


class InvalidSession(HaloError, ValueError):
    """A session name that is not a safe file name."""


@dataclass
class Turn:
    """One question and its answer, with what it cost and where in the video it comes from."""

    question: str
    standalone: str
    answer: str
    citations: list[dict]  # [{"start": s, "end": e, "label": "[mm:ss]", "on_screen": a quoted slide?}] cited
    retrieved: list[dict]  # [{"chunk_id", "start", "end", "score", "moment_start", "moment_end"}]
    backend: str  # "gemini" | "local" | "cache"
    model: str
    cache_tier: str  # "" | "L1" | "L2" | "L3"
    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0  # answer + rewrite calls of this turn
    naive_tokens: int = 0
    naive_cost_usd: float = 0.0
    rewrite_backend: str = ""  # "" = no rewrite; "heuristic" | "gemini" | "cache"
    flagged: list[dict] = field(default_factory=list)  # cited times outside every retrieved part
    ts: float = field(default_factory=time.time)


@dataclass
class Session:
    video_id: str
    session_id: str
    created: float = field(default_factory=time.time)
    turns: list[Turn] = field(default_factory=list)

    @property
    def updated(self) -> float:
        return self.turns[-1].ts if self.turns else self.created

    @property
    def cost_usd(self) -> float:
        return float(sum(t.cost_usd for t in self.turns))

    def to_json(self) -> str:
        return json.dumps({"version": 1, "video_id": self.video_id, "session_id": self.session_id,
                           "created": self.created, "turns": [asdict(t) for t in self.turns]}, indent=2)

    @classmethod
    def from_json(cls, text: str) -> "Session":
        raw = json.loads(text)
        known = set(Turn.__dataclass_fields__)
        turns = [Turn(**{k: v for k, v in t.items() if k in known}) for t in raw.get("turns", [])]
        return cls(raw["video_id"], raw["session_id"], float(raw.get("created", time.time())), turns)


def validate_session_id(name: str) -> str:
    if not isinstance(name, str) or not SESSION_PATTERN.fullmatch(name):
        raise InvalidSession(f"Invalid session name {name!r}: use {SESSION_NAMES}.")
    return name


def session_path(video_id: str, session_id: str) -> Path | UPath:
    return sessions_dir(video_id) / f"{validate_session_id(session_id)}.json"


def load_session(video_id: str, session_id: str) -> Session:
    """The stored session, or a new empty one."""
    path = session_path(video_id, session_id)
    if not path.exists():
        return Session(video_id, session_id)
    try:
        return Session.from_json(path.read_text(encoding="utf-8"))
    except (ValueError, KeyError, TypeError) as exc:
        raise HaloError(f"Session file {path} is unreadable ({type(exc).__name__}: {exc}); "
                        "delete it or use another --session name.") from exc


def save_session(session: Session) -> Path | UPath:
    path = session_path(session.video_id, session.session_id)
    write_bytes_atomic(path, session.to_json().encode("utf-8"))
    return path


def list_sessions(video_id: str) -> list[Session]:
    """Every stored session of ``video_id``, most recently used first."""
    root = sessions_dir(video_id)
    sessions = []
    for path in sorted(root.glob("*.json")):
        try:
            sessions.append(Session.from_json(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            continue  # a damaged file is reported when that session is opened
    return sorted(sessions, key=lambda s: s.updated, reverse=True)
