"""Chunk summaries and the video summary with chapters, through LLMService (cache, budget, ledger).

When a chunk's picture matters (the rule below), its keyframes go with the text as images
(66 tokens each at low media resolution, the default, else 258; counted by the API's usage
metadata and in the budget estimate):
  1. the transcript points at the screen ("as you can see", "this slide", "shown here",
     "on the screen", "this chart/graph/diagram/table/figure/picture", "look at this"), or
  2. a scene cut falls inside the chunk while speech is sparse (< 1 word/s): the picture
     carries the content (a demo, a slide change, silence over visuals).
At most ``max_images`` keyframes per chunk: those of the scenes that start inside the chunk,
else the scene the chunk starts in. Everything else is text only -- the cheap default.
Nothing to summarise makes no call: a chunk with no words and no keyframe gets an empty
summary, and a video with no speech at all gets no video-summary call.
"""

from __future__ import annotations

import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from halo.llm.baseline import MediaStreams
from halo.llm.gemini import CALLS_IN_FLIGHT, ImagePart
from halo.llm.local import central_sentences, chapter_title, chapter_titles, summarize_text
from halo.llm.prompts import CHUNK_SYSTEM, VIDEO_SYSTEM, chunk_prompt, video_prompt
from halo.llm.ledger import CallRecord
from halo.llm.service import Answer, LLMService, Request

VISUAL_CUES = re.compile(
    r"\b(as you can see|you can see (here|this)|this slide|next slide|shown here|on (the|this|my) screen|"
    r"this (chart|graph|diagram|table|figure|picture|image|plot)|look at (this|the screen))\b",
    re.IGNORECASE,
)
SPARSE_SPEECH_WPS = 1.0

log = logging.getLogger(__name__)


@dataclass
class ChunkTask:
    chunk_id: int
    start: float
    end: float
    text: str
    images: list[ImagePart] = field(default_factory=list)
    image_reason: str = ""
    streams: MediaStreams = MediaStreams()  # the file's picture and sound tracks, for the naive baseline


def picture_reason(text: str, start: float, end: float, cuts_inside: int) -> str:
    """Why this chunk's picture matters ('' = it does not): the documented rule above."""
    m = VISUAL_CUES.search(text or "")
    if m:
        return f"transcript refers to the picture: {m.group(0)!r}"
    wps = len((text or "").split()) / max(end - start, 1e-6)
    if cuts_inside and wps < SPARSE_SPEECH_WPS:
        return f"scene cut inside with sparse speech ({wps:.2f} words/s)"
    return ""


def plan_chunks(chunks: pd.DataFrame, scenes: pd.DataFrame | None, *, streams: MediaStreams,
                max_images: int = 2) -> list[ChunkTask]:
    """ChunkTasks with keyframes attached where the picture rule says they matter.

    ``streams``: the probe's word on whether the file has a picture track and sound (probed_streams
    of the ``video_file`` output), which prices each chunk's naive baseline. Pictures were guessed from the
    scenes table (none = audio only), which a picture that scene detection found no scene in
    (an unreadable stream duration) or a scenes table read without its probe got wrong."""
    scenes = scenes if scenes is not None else pd.DataFrame(columns=["scene_id", "start", "end", "keyframe_path"])
    tasks = []
    for c in chunks.sort_values("start").itertuples(index=False):
        start, end = float(c.start), float(c.end)
        inside = scenes[(scenes["start"] > start) & (scenes["start"] < end)]
        reason = picture_reason(str(c.text), start, end, len(inside))
        images: list[ImagePart] = []
        if reason:
            pick = inside if len(inside) else scenes[(scenes["start"] <= start) & (scenes["end"] > start)]
            for path in list(pick["keyframe_path"])[:max_images]:
                if path and Path(str(path)).is_file():
                    images.append(ImagePart(str(path)))
            if not images:
                reason += " (no keyframe file found: text only)"
        tasks.append(ChunkTask(int(c.chunk_id), start, end, str(c.text), images, reason, streams))
    return tasks


def chunk_request(task: ChunkTask) -> Request:
    prompt = chunk_prompt(task.text, task.start, task.end, len(task.images))
    image_ids = ",".join(Path(i.path).name for i in task.images)
    return Request(
        item_id=str(task.chunk_id),
        parts=[prompt, *task.images],
        cache_query=f"{CHUNK_SYSTEM}\n{prompt}\nimages:{image_ids}",
        purpose="chunk_summary",
        local=lambda: summarize_text(task.text),
        system=CHUNK_SYSTEM,
        naive_seconds=task.end - task.start,
        naive_streams=task.streams,
    )


def no_call(service: LLMService, purpose: str, item_id: str, why: str) -> Answer:
    """An empty answer for work that needs no LLM call (not a ledger row: nothing was spent)."""
    return Answer("", CallRecord(video_id=service.video_id, asset=service.asset, purpose=purpose,
                                 backend="none", model="", model_reason=why, item_id=item_id))


def summarize_chunks(service: LLMService, tasks: list[ChunkTask], batch_size: int = CALLS_IN_FLIGHT,
                     use_batch_api: bool = False, poll_s: float = 30.0) -> pd.DataFrame:
    """One summary per chunk. Calls run ``batch_size`` at a time (or as one Batch API job);
    the ledger is flushed after every group, so paid calls survive a later failure."""
    silent = {str(t.chunk_id) for t in tasks if not t.text.split() and not t.images}
    reqs = {str(t.chunk_id): chunk_request(t) for t in tasks if str(t.chunk_id) not in silent}
    answers: dict[str, Answer] = {k: no_call(service, "chunk_summary", k, "no speech: no call") for k in silent}
    try:
        if use_batch_api and service.client is not None:
            answers.update(service.ask_batch_api(list(reqs.values()), poll_s=poll_s))
        else:
            items = list(reqs.values())
            workers = max(1, batch_size) if service.client is not None else 1
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for i in range(0, len(items), max(batch_size, 1)):
                    group = items[i : i + max(batch_size, 1)]
                    futures = [(r.item_id, pool.submit(service.ask, r)) for r in group]
                    errors = []
                    for key, fut in futures:
                        try:
                            answers[key] = fut.result()
                        except Exception as e:  # let the rest of the group finish and be recorded
                            errors.append(e)
                    service.ledger.flush()
                    if errors:
                        for later in errors[1:]:
                            log.error("%s: another chunk summary of the same group failed too: %r", service.video_id, later)
                        raise errors[0]
    finally:
        service.ledger.flush()
    rows = []
    for t in tasks:
        a = answers[str(t.chunk_id)]
        r = a.record
        rows.append({
            "chunk_id": t.chunk_id, "start": t.start, "end": t.end, "summary": a.text.strip(),
            "backend": r.backend, "model": r.model, "input_tokens": r.input_tokens,
            "cached_tokens": r.cached_tokens, "output_tokens": r.output_tokens,
            "cost_usd": r.cost_usd, "cache_tier": r.cache_tier, "n_images": len(t.images),
            "image_reason": t.image_reason, "model_reason": r.model_reason,
        })
    return pd.DataFrame(rows, columns=[
        "chunk_id", "summary", "backend", "model", "input_tokens", "cached_tokens", "output_tokens",
        "cost_usd", "cache_tier", "start", "end", "n_images", "image_reason", "model_reason",
    ])


def local_chapters(parts: list[tuple[float, float, str]]) -> list[dict]:
    """Offline chapters: runs of consecutive chunks grouped by topic (halo.chunking.chapters, over
    MiniLM vectors of the chunk summaries), each titled by its summaries' most distinctive terms
    against the other chapters'. Every chapter starts at a chunk start."""
    from halo.chunking.chapters import chapter_starts
    from halo.text.embed import embed_texts

    texts = [text for _, _, text in parts]
    firsts = chapter_starts(embed_texts(texts), np.array([p[0] for p in parts]), np.array([p[1] for p in parts]))
    groups = [texts[a:b] for a, b in zip(firsts, [*firsts[1:], len(parts)])]
    titles = chapter_titles([" ".join(group) for group in groups])
    return [{"start": parts[first][0], "title": title} for first, title in zip(firsts, titles)]


def _local_video_summary(parts: list[tuple[float, float, str]]) -> str:
    """Offline overview: the most central chunk-summary sentences + topic chapters (local_chapters)."""
    summary = " ".join(central_sentences(" ".join(p[2] for p in parts), k=min(5, max(1, len(parts)))))
    return json.dumps({"summary": summary, "chapters": local_chapters(parts)})


def parse_video_summary(text: str, parts: list[tuple[float, float, str]]) -> tuple[str, list[dict]]:
    """Read the model's JSON; snap chapter starts to real chunk starts; tolerate code fences.

    If the JSON cannot be read, the text is the summary and each chunk is a chapter (titled
    from its summary), so a sloppy answer still yields usable, correctly timed chapters.
    """
    starts = [p[0] for p in parts]
    raw = re.sub(r"^```(?:json)?\s*|\s*```$", "", text.strip())
    try:
        data = json.loads(raw)
        summary = str(data.get("summary", "")).strip()
        chapters = data.get("chapters") or []
    except (json.JSONDecodeError, AttributeError):
        summary, chapters = text.strip(), [{"start": s, "title": chapter_title(t)} for s, _, t in parts]
    out: dict[float, str] = {}
    for ch in chapters:
        try:
            s = float(ch["start"])
        except (KeyError, TypeError, ValueError):
            continue
        snapped = min(starts, key=lambda x: abs(x - s)) if starts else s
        out.setdefault(snapped, str(ch.get("title", "")).strip() or "Untitled")
    if starts and starts[0] not in out:
        out[starts[0]] = chapter_title(parts[0][2]) or "Start"
    return summary, [{"start": float(s), "title": out[s]} for s in sorted(out)]


def summarize_video(service: LLMService, chunk_summaries: pd.DataFrame, use_batch_api: bool = False,
                    poll_s: float = 30.0) -> tuple[str, list[dict], Answer]:
    """Overview + chapters from the chunk summaries (one call, Flash unless very long; through
    the Batch API for scheduled backfills). No speech at all: no call, no summary."""
    df = chunk_summaries.sort_values("start")
    parts = [(float(r.start), float(r.end), str(r.summary)) for r in df.itertuples(index=False)
             if str(r.summary).strip()]
    if not parts:
        return "", [], no_call(service, "video_summary", "video", "no speech: no summary call")
    prompt = video_prompt(parts)
    req = Request(
        item_id="video", parts=[prompt], cache_query=f"{VIDEO_SYSTEM}\n{prompt}",
        purpose="video_summary", local=lambda: _local_video_summary(parts), system=VIDEO_SYSTEM,
        json_output=True, naive_seconds=0.0,  # the naive single call already yields the summary
    )
    try:
        if use_batch_api and service.client is not None:
            answer = service.ask_batch_api([req], poll_s=poll_s)[req.item_id]
        else:
            answer = service.ask(req)
    finally:
        service.ledger.flush()
    summary, chapters = parse_video_summary(answer.text, parts)
    return summary, chapters, answer
