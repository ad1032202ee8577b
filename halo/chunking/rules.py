"""The rule-based multimodal chunker: utterances -> chunks for the LLM.

Candidate boundaries are the gaps between utterances. Each gap gets a score from weighted
signals (halo.chunking.signals: speaker/floor changes, scene cuts, topic shifts, embedding
similarity valleys, BERTScore coherence valleys, pauses, cue phrases); the cut set is then
chosen exactly by dynamic programming (halo.chunking.dp) to maximise

    sum(chunk cohesion) + sum(scores of the chosen cuts) - fragmentation_penalty * n_chunks

with every chunk between min_chunk_duration and max_chunk_duration. ``boundary_reason`` names the
signals behind each cut ("start" for the first chunk; "max duration" when the cut was forced by
the duration limit rather than by evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator

from halo.chunking.dp import objective, segment
from halo.chunking.signals import SIGNAL_NAMES, BoundarySignals, compute_signals

CHUNK_COLUMNS = ["chunk_id", "start", "end", "first_utt", "last_utt", "n_tokens", "coherence",
                 "boundary_reason", "text"]

SIGNAL_LABELS = {
    "speaker": "speaker change",
    "floor": "new speaker holds the floor",
    "scene": "scene cut",
    "topic": "topic shift",
    "semantic": "embedding-similarity valley",
    "coherence": "coherence valley",
    "pause": "pause",
    "cue": "cue phrase",
}


class ChunkingConfig(BaseModel):
    """Knobs of the rule-based chunker; defaults work for meetings, lectures and talks."""

    max_chunk_duration: float = Field(300.0, gt=0, description="seconds; a longer chunk is cut")
    min_chunk_duration: float = Field(20.0, ge=0, description="seconds; shorter chunks are not made")
    speaker_change_threshold: float = Field(
        0.5, ge=0, le=1,
        description="a speaker change counts only if the new speaker holds at least this share of "
                    "the next window's words (filters quick back-and-forth)")
    scene_change_threshold: float = Field(
        3.0, ge=0,
        description="seconds: a scene cut this close to a gap counts (linearly less with distance), "
                    "measured from the gap widened by 0.5 s each side (WORD_TIME_SLACK_S: recognised "
                    "word times miss the sound), so even 0 counts a cut within 0.5 s of the gap")
    coherence_threshold: float = Field(
        0.45, ge=0, le=1,
        description="a gap whose BERTScore F1 between neighbouring windows is below this counts "
                    "as a coherence valley")
    fragmentation_penalty: float = Field(
        14.0, ge=0, description="cost of every extra chunk: higher = fewer, longer chunks")
    cohesion_weight: float = Field(
        1.0, ge=0, description="weight of embedding cohesion inside chunks (the semantic term)")
    unit_weight_power: float = Field(
        0.75, ge=0, le=1,
        description="each utterance counts words**power in cohesion (0.75: a 25-word sentence "
                    "counts 11x a one-word back-channel)")
    window_words: float = Field(60.0, gt=0, description="words on each side of a gap for windows")
    pause_saturation_s: float = Field(2.0, gt=0, description="a pause this long scores 1")
    weights: dict[str, float] = Field(
        default_factory=lambda: {"speaker": 1.0, "floor": 3.0, "scene": 6.0, "topic": 1.0,
                                 "semantic": 3.0, "coherence": 1.0, "pause": 1.0, "cue": 3.0},
        description="weight of each boundary signal in the cut score")
    method: Literal["rules", "ppo"] = Field(
        "rules", description="rules: exact DP over the signals; ppo: the trained PPO policy "
                             "(halo.chunking.rl_policy) decides the cuts from the same signals")
    policy_path: str = Field(
        "", description="PPO policy zip for method=ppo; '' = the last trained "
                       "(data/models/chunking_policy/policy.zip), else the pretrained one HALO ships")

    @model_validator(mode="after")
    def _limits_can_both_hold(self) -> ChunkingConfig:
        """A minimum above the maximum was dropped without a word (the DP relaxes limits no cut
        can meet), so asking for chunks of at least 400 s gave chunks of any length under 300 s."""
        if self.min_chunk_duration > self.max_chunk_duration:
            raise ValueError(
                f"min_chunk_duration {self.min_chunk_duration:g} s is longer than max_chunk_duration "
                f"{self.max_chunk_duration:g} s, so no chunk can meet both: lower the minimum "
                "(--min-chunk-duration) or raise the maximum (--max-chunk-duration)")
        return self


@dataclass
class ChunkingResult:
    chunks: pd.DataFrame
    signals: BoundarySignals
    scores: np.ndarray
    cuts: list[int]


def empty_chunks() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(
        CHUNK_COLUMNS, ["int64", "float64", "float64", "int64", "int64", "int64", "float64",
                        "object", "object"])})


#: seconds by which a recognised word's start or end may miss the sound (alignment error, a
#: speaker starting a beat before the slide changes): a scene cut this far inside the next or
#: previous utterance still falls at the gap
WORD_TIME_SLACK_S = 0.5


def scene_proximity(gap_start: np.ndarray, gap_end: np.ndarray, cut_times: np.ndarray,
                    tolerance_s: float) -> np.ndarray:
    """1 when a scene cut falls inside the silence [gap_start, gap_end] between two utterances
    (widened by WORD_TIME_SLACK_S on each side), falling linearly to 0 at ``tolerance_s`` beyond
    that (nearest cut).

    Why the slack: recognised word times miss the sound by a few tenths of a second, so whether
    a slide change 0.3 s into the next speaker's first word counted fully or only 90 % decided
    whether the bundled sample's last topic change was cut (the chunker's objective differed by
    0.13 there) -- and so the answer, depending on the CPU the recogniser ran on."""
    if len(gap_start) == 0 or len(cut_times) == 0:
        return np.zeros(len(gap_start))
    cuts = np.asarray(cut_times, dtype=float)[None, :]
    lo = np.minimum(gap_start, gap_end)[:, None] - WORD_TIME_SLACK_S
    hi = np.maximum(gap_start, gap_end)[:, None] + WORD_TIME_SLACK_S
    dist = np.min(np.maximum(0.0, np.maximum(lo - cuts, cuts - hi)), axis=1)
    if tolerance_s <= 0:
        return (dist < 1e-6).astype(float)
    return np.clip(1.0 - dist / tolerance_s, 0.0, 1.0)


def boundary_signals(
    utterances: pd.DataFrame,
    vectors: np.ndarray,
    config: ChunkingConfig,
    topics: list[int] | None = None,
    scene_cuts: list[float] | None = None,
    gap_f1: np.ndarray | None = None,
) -> BoundarySignals:
    """Signals for one video, with the config's thresholds applied."""
    texts = utterances["text"].fillna("").astype(str).tolist()
    starts = utterances["start"].to_numpy(dtype=float)
    ends = utterances["end"].to_numpy(dtype=float)
    speakers = (utterances["speaker"].fillna("").astype(str).tolist()
                if "speaker" in utterances and utterances["speaker"].notna().any() else None)
    signals = compute_signals(
        texts, vectors, speakers=speakers, topics=topics, starts=starts, ends=ends,
        scene_ids=utterances["scene_id"].tolist() if "scene_id" in utterances else None,
        window_words=config.window_words, pause_saturation_s=config.pause_saturation_s)
    values = signals.values
    values["speaker"] = values["speaker"] * (values["floor"] >= config.speaker_change_threshold)
    if scene_cuts is not None:  # precise cut times beat per-utterance scene ids
        values["scene"] = scene_proximity(ends[:-1], starts[1:], np.asarray(scene_cuts, dtype=float),
                                          config.scene_change_threshold)
    if gap_f1 is not None and len(gap_f1):
        thr = max(config.coherence_threshold, 1e-6)
        values["coherence"] = np.clip((thr - np.asarray(gap_f1, dtype=float)) / thr, 0.0, 1.0)
    return signals


def explain(signals: BoundarySignals, weights: dict[str, float], gap: int, forced: bool) -> str:
    """Human-readable reason for a cut at ``gap`` (between utterance gap and gap+1)."""
    parts = sorted(
        ((weights.get(name, 0.0) * float(signals.values[name][gap]), name)
         for name in SIGNAL_NAMES if name in signals.values),
        reverse=True)
    named = [f"{SIGNAL_LABELS[name]} ({value:.2f})" for value, name in parts if value >= 0.1]
    if forced and not named:
        return "max duration"
    return " + ".join(named) if named else "semantic cohesion"


def chunk_utterances(
    utterances: pd.DataFrame,
    vectors: np.ndarray,
    config: ChunkingConfig | None = None,
    *,
    topics: list[int] | None = None,
    scene_cuts: list[float] | None = None,
    gap_f1: np.ndarray | None = None,
    n_chunks: int | None = None,
    coherence_fn=None,
    token_fn=None,
) -> ChunkingResult:
    """Chunk one video's utterances (columns utt_id, start, end, speaker, scene_id, text).

    ``vectors`` are the utterances' L2-normalised embeddings; ``topics`` their topic ids;
    ``scene_cuts`` the scene start times (except 0); ``gap_f1`` BERTScore F1 per gap;
    ``n_chunks`` forces the number of chunks (evaluations that tell every method the count).
    ``coherence_fn(list of chunk texts lists) -> list[float]`` and ``token_fn(texts) -> list[int]``
    fill the coherence and n_tokens columns (defaults: BERTScore chunk coherence, WordPiece).
    """
    config = config or ChunkingConfig()
    utterances = utterances.reset_index(drop=True)
    if len(utterances) == 0:
        return ChunkingResult(empty_chunks(), BoundarySignals({}), np.zeros(0), [])
    problem = cut_problem(utterances, vectors, config, topics, scene_cuts, gap_f1)
    if config.method == "ppo":  # learned cuts over the same signals (ignores n_chunks)
        from halo.chunking.rl_episode import Limits
        from halo.chunking.rl_policy import policy_cuts

        cuts = policy_cuts(config.policy_path, Limits(config.min_chunk_duration, config.max_chunk_duration),
                           problem.signals, problem.vectors, problem.starts, problem.ends,
                           weights=config.weights, cohesion_weight=config.cohesion_weight,
                           unit_weights=problem.unit_weights, gap_f1=gap_f1)
    else:
        cuts = problem.solve(n_chunks)
    chunks = build_chunks(utterances, cuts, problem.signals, config, coherence_fn, token_fn)
    return ChunkingResult(chunks, problem.signals, problem.scores, cuts)


@dataclass
class CutProblem:
    """The DP's inputs for one video: what the rules chunker optimises, kept apart from solving it
    so analyses (halo.chunking.margins) can re-solve it with cuts forbidden or forced."""

    vectors: np.ndarray
    signals: BoundarySignals
    scores: np.ndarray
    unit_weights: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    config: ChunkingConfig

    def solve(self, n_chunks: int | None = None, scores: np.ndarray | None = None) -> list[int]:
        """The optimal cuts (``scores`` replaces the boundary scores, e.g. to forbid a cut)."""
        return segment(
            self.vectors, self.scores if scores is None else scores, self.starts, self.ends,
            weights=self.unit_weights, cohesion_weight=self.config.cohesion_weight,
            fragmentation_penalty=self.config.fragmentation_penalty,
            min_len=self.config.min_chunk_duration, max_len=self.config.max_chunk_duration,
            n_segments=n_chunks)

    def objective(self, cuts: list[int]) -> float:
        """The penalised objective J of ``cuts`` (see halo.chunking.dp)."""
        return objective(self.vectors, self.scores, cuts, weights=self.unit_weights,
                         cohesion_weight=self.config.cohesion_weight,
                         fragmentation_penalty=self.config.fragmentation_penalty)


def cut_problem(utterances: pd.DataFrame, vectors: np.ndarray, config: ChunkingConfig,
                topics: list[int] | None = None, scene_cuts: list[float] | None = None,
                gap_f1: np.ndarray | None = None) -> CutProblem:
    """Signals, boundary scores and unit weights of one video's (non-empty, ordered) utterances."""
    utterances = utterances.reset_index(drop=True)
    vectors = np.asarray(vectors, dtype=float)
    signals = boundary_signals(utterances, vectors, config, topics, scene_cuts, gap_f1)
    words = np.maximum(utterances["text"].fillna("").astype(str).str.split().str.len()
                       .fillna(0).to_numpy(dtype=float), 1.0)
    return CutProblem(vectors, signals, signals.combined(config.weights),
                      words ** config.unit_weight_power, utterances["start"].to_numpy(dtype=float),
                      utterances["end"].to_numpy(dtype=float), config)


def build_chunks(utterances: pd.DataFrame, cuts: list[int], signals: BoundarySignals,
                 config: ChunkingConfig, coherence_fn=None, token_fn=None) -> pd.DataFrame:
    """Rows of the ``chunks`` asset from cut positions."""
    if coherence_fn is None:
        from halo.text.coherence import chunk_coherence

        def coherence_fn(groups):
            return chunk_coherence(groups, window_words=config.window_words)
    if token_fn is None:
        from halo.text.tokens import count_tokens as token_fn
    n = len(utterances)
    texts = utterances["text"].fillna("").astype(str).tolist()
    edges = [0, *cuts, n]
    groups = [texts[a:b] for a, b in zip(edges, edges[1:])]
    joined = [" ".join(t for t in g if t).strip() for g in groups]
    starts = utterances["start"].to_numpy(dtype=float)
    ends = utterances["end"].to_numpy(dtype=float)
    utt_ids = utterances["utt_id"].tolist() if "utt_id" in utterances else list(range(n))
    rows = []
    for index, (a, b) in enumerate(zip(edges, edges[1:])):
        if index == 0:
            reason = "start"
        else:
            forced = (ends[b - 1] - starts[a]) >= config.max_chunk_duration * 0.98 or (
                a > 0 and ends[a - 1] - starts[edges[index - 1]] >= config.max_chunk_duration * 0.98)
            reason = explain(signals, config.weights, a - 1, forced)
        rows.append({"chunk_id": index, "start": float(starts[a]), "end": float(ends[b - 1]),
                     "first_utt": int(utt_ids[a]), "last_utt": int(utt_ids[b - 1]),
                     "boundary_reason": reason, "text": joined[index]})
    frame = pd.DataFrame(rows)
    frame["n_tokens"] = [int(x) for x in token_fn(joined)]
    frame["coherence"] = [float(x) for x in coherence_fn(groups)]
    return frame[CHUNK_COLUMNS]
