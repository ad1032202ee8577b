"""What sending the raw video would cost: the baselines HALO's spend is audited against.

Four ways a user could do without HALO, each per question and per video (a video = a
session of ``SESSION_QUESTIONS`` questions), priced with the same model and catalogue:
- naive default: the whole video to Gemini per question at 1 fps at default media resolution
  (258 tokens per frame) + 32 tokens per second of audio: ~290 tokens/s, ~1.04M per hour.
- naive low resolution: the same at MEDIA_RESOLUTION_LOW (66 tokens per frame): ~98 tokens/s.
- smart naive: low resolution, the video first and the question last so Gemini's implicit
  caching bills the repeated video prefix of questions 2..N at the cached rate (no storage fee).
- fixed-length chunks: the video cut into ``chunk_s`` clips; per question the ``top_k``
  retrieved clips are sent at default resolution.
Only the streams the file has are sent (:class:`MediaStreams`, from its probe): an audio-only
file (a podcast) has no frames, so every baseline is its audio alone, 32 tokens/s, not the ~290
tokens/s of a video; a video without an audio track (a silent screen recording) is its frames
alone, 258 tokens/s (counting 32 tokens/s of audio it does not have priced it ~12 % too high).
Token rates: ai.google.dev/gemini-api/docs/tokens and docs/media-resolution (video 258 / 66
tokens per frame, audio 32 tokens per second).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from halo.llm.pricing import media_cost_usd

IMAGE_TOKENS = 258  # one image or video frame at default media resolution (<=384 px side)
IMAGE_TOKENS_LOW = 66  # one image or frame at MEDIA_RESOLUTION_LOW (docs/media-resolution)
AUDIO_TOKENS_PER_S = 32
DEFAULT_FPS = 1.0
SESSION_QUESTIONS = 10
ANSWER_TOKENS = 150  # output per answer assumed for every baseline and HALO alike until HALO has answered


@dataclass(frozen=True)
class MediaStreams:
    """Which streams of a file the naive approach sends: its picture track (frames) and its sound.
    The probe (``video_file``: ``has_video``, ``has_audio``) knows; see :func:`probed_streams`."""

    video: bool = True
    audio: bool = True


def probed_streams(probe) -> MediaStreams:
    """The streams of the video whose ``video_file`` row is ``probe``. No probe, or one stored
    before a column existed, counts as having that stream (a video with its sound)."""
    row = probe.iloc[0] if probe is not None and len(probe) else {}
    return MediaStreams(bool(row.get("has_video", True)), bool(row.get("has_audio", True)))


@dataclass(frozen=True)
class MediaTokens:
    visual: int
    audio: int

    @property
    def total(self) -> int:
        return self.visual + self.audio


def media_tokens(duration_s: float, fps: float = DEFAULT_FPS, low_res: bool = False,
                 streams: MediaStreams = MediaStreams()) -> MediaTokens:
    """Tokens Gemini charges for ``duration_s`` of the file's ``streams``: frames sampled at
    ``fps`` if it has a picture track, 32 tokens a second if it has sound."""
    d = max(float(duration_s), 0.0)
    frame = IMAGE_TOKENS_LOW if low_res else IMAGE_TOKENS
    return MediaTokens(math.ceil(d * fps) * frame if streams.video else 0,
                       math.ceil(d * AUDIO_TOKENS_PER_S) if streams.audio else 0)


def media_usd(model: str, duration_s: float, output_tokens: int = 0, prices=None, low_res: bool = False,
              cached_fraction: float = 0.0, streams: MediaStreams = MediaStreams()) -> float:
    t = media_tokens(duration_s, low_res=low_res, streams=streams)
    return media_cost_usd(model, t.visual, t.audio, output_tokens, prices, cached_fraction)


def fixed_length_spans(duration_s: float, chunk_s: float = 60.0) -> list[tuple[float, float]]:
    n = max(1, math.ceil(duration_s / chunk_s))
    return [(i * chunk_s, min((i + 1) * chunk_s, duration_s)) for i in range(n)]


def baselines_per_question(model: str, duration_s: float, prices=None, *, n_questions: int = SESSION_QUESTIONS,
                           chunk_s: float = 60.0, top_k: int = 3,
                           answer_tokens: int = ANSWER_TOKENS,
                           streams: MediaStreams = MediaStreams()) -> dict[str, float]:
    """USD per question of every baseline over an ``n_questions`` session on one video."""
    n = max(int(n_questions), 1)
    low_first = media_usd(model, duration_s, answer_tokens, prices, low_res=True, streams=streams)
    low_cached = media_usd(model, duration_s, answer_tokens, prices, low_res=True, cached_fraction=1.0,
                           streams=streams)
    clip_s = min(duration_s, top_k * chunk_s)
    return {
        "naive_default_usd_per_question": round(media_usd(model, duration_s, answer_tokens, prices,
                                                          streams=streams), 8),
        "naive_low_res_usd_per_question": round(low_first, 8),
        "naive_smart_usd_per_question": round((low_first + (n - 1) * low_cached) / n, 8),
        "fixed_chunks_usd_per_question": round(media_usd(model, clip_s, answer_tokens, prices, streams=streams), 8),
    }


#: ledger purposes that build a video's index (paid once per video); the rest serve questions
INGEST_PURPOSES = ("chunk_summary", "video_summary")
QUESTION_PURPOSES = ("qa", "question")


def cost_comparison(ledger, duration_s: float, model: str, prices=None,
                    streams: MediaStreams = MediaStreams()) -> dict[str, float | int | str | None]:
    """HALO's real spend per question against every baseline, over a session of
    N = max(questions asked, SESSION_QUESTIONS) questions on this video.

    HALO per question = ingest spend (chunk + video summaries, all runs) / N + the mean real
    cost of a question (retrieval answer, rewrites and context caches included). With no
    question asked yet, only the ingest share is known and ``questions_asked`` says so. The
    baselines' answers are as long as HALO's real Gemini answers (ANSWER_TOKENS until there are any).
    ``naive_smart_over_halo`` is None when HALO spent nothing (local backend, cache hits only):
    there is no ratio, and 0.0 read as "no saving" in the UI and in exports.
    """
    ingest_mask = ledger["purpose"].isin(INGEST_PURPOSES) if len(ledger) else []
    ingest = float(ledger.loc[ingest_mask, "cost_usd"].sum()) if len(ledger) else 0.0
    asked = int(ledger["purpose"].isin(QUESTION_PURPOSES).sum()) if len(ledger) else 0
    question_usd = float(ledger.loc[~ingest_mask, "cost_usd"].sum()) if len(ledger) else 0.0
    n = max(asked, SESSION_QUESTIONS)
    halo = ingest / n + (question_usd / asked if asked else 0.0)
    answered = ledger[ledger["purpose"].isin(QUESTION_PURPOSES) & (ledger["backend"] == "gemini")] if len(ledger) else []
    # the baselines write answers as long as HALO's real ones: only the context differs
    answer = round(float(answered["output_tokens"].mean())) if len(answered) else ANSWER_TOKENS
    base = baselines_per_question(model, duration_s, prices, n_questions=n, answer_tokens=answer, streams=streams)
    out: dict[str, float | int | str | None] = {"baseline_model": model, "session_questions": n, "questions_asked": asked,
                                         "answer_tokens": answer,
                                         "halo_ingest_usd": round(ingest, 8),
                                         "halo_usd_per_question": round(halo, 8), **base}
    for key, usd in base.items():
        out[key.replace("per_question", "per_video")] = round(usd * n, 8)
    out["halo_usd_per_video"] = round(halo * n, 8)
    smart = base["naive_smart_usd_per_question"]
    out["naive_smart_over_halo"] = round(smart / halo, 2) if halo > 0 else None
    return out
