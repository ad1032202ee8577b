"""Prompt templates. PROMPT_VERSION is part of every cache key: bump it when a template changes
so cached answers from the old wording are not served for the new one."""

from __future__ import annotations

PROMPT_VERSION = "halo-v1"

CHUNK_SYSTEM = (
    "You summarise one part of a recorded video (a meeting, talk or lecture) for a searchable "
    "index. Use only the transcript and images given. Be factual and specific: who proposed, "
    "decided or asked what, with numbers and names as spoken. No preamble."
)
CHUNK_INSTRUCTION = "Summarise this part of the video in 2-3 sentences."

VIDEO_SYSTEM = (
    "You write the overview of a long video from summaries of its consecutive parts. "
    "Answer in JSON only."
)
VIDEO_INSTRUCTION = (
    'Return JSON {"summary": "<5-8 sentences: purpose, main points, decisions>", '
    '"chapters": [{"start": <a start= value from the list>, "title": "<3-8 words>"}]}. '
    "Start a chapter where the subject changes; merge adjacent parts on the same subject; "
    "the first chapter starts at the first part."
)

QA_SYSTEM = (
    "You answer questions about a video from its summary and the transcript excerpts given, "
    "citing times as [mm:ss]. If the excerpts do not contain the answer, say so."
)


def clock(seconds: float) -> str:
    s = int(round(seconds))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h else f"{m:02d}:{s % 60:02d}"


def chunk_prompt(text: str, start: float, end: float, n_images: int = 0) -> str:
    images = f" {n_images} keyframe image(s) of this part follow." if n_images else ""
    return (
        f"{CHUNK_INSTRUCTION}{images}\nTime: {clock(start)}-{clock(end)}\n"
        f"TRANSCRIPT:\n{text.strip()}"
    )


def video_prompt(parts: list[tuple[float, float, str]]) -> str:
    lines = [f"[start={s:.1f} end={e:.1f}] {summary.strip()}" for s, e, summary in parts]
    return f"{VIDEO_INSTRUCTION}\nPARTS:\n" + "\n".join(lines)


def qa_prompt(question: str, context: str) -> str:
    return f"CONTEXT:\n{context.strip()}\n\nQUESTION: {question.strip()}"
