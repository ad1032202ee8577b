"""Who spoke when: speaker diarization behind one interface with two backends.

* ``local`` (offline default): silero-vad speech regions -> resemblyzer speaker embeddings over
  sliding 1.6 s windows -> spectral clustering whose speaker count is the largest eigengap (NME-SC,
  within min/max speakers). All models ship in PyPI wheels.
* ``pyannote``: pyannote.audio's speaker-diarization-community-1 pipeline (HF token or a local
  model directory), for machines that can download it.

Both take the waveform decoded once by the project (never a file path: pyannote's own decoding
needs torchcodec plus system FFmpeg libraries) and return non-overlapping-per-speaker turns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from halo.errors import ModelFileError
from halo.media import SAMPLE_RATE
from halo.speech.config import DiarizationConfig
from halo.speech.vad import SpeechRegion, speech_regions

COLUMNS = ["start", "end", "speaker"]
LOCAL_MODEL = "silero-vad + resemblyzer VoiceEncoder + spectral (NME-SC)"


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str


@dataclass
class Diarization:
    turns: list[Turn]
    backend: str
    model: str
    duration_s: float
    processing_s: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        return sorted({t.speaker for t in self.turns})

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "start": pd.Series([t.start for t in self.turns], dtype="float64"),
                "end": pd.Series([t.end for t in self.turns], dtype="float64"),
                "speaker": pd.Series([t.speaker for t in self.turns], dtype="object"),
            },
            columns=COLUMNS,
        )


def diarize(audio: np.ndarray, config: DiarizationConfig = DiarizationConfig()) -> Diarization:
    """Diarize 16 kHz mono float32 ``audio``. Silence or very short audio -> no turns."""
    started = time.perf_counter()
    duration = float(audio.size) / SAMPLE_RATE
    if config.backend == "pyannote":
        turns, model = _pyannote_turns(audio, config), config.pyannote_pipeline
        result = Diarization(turns, "pyannote", model, duration)
    elif config.backend == "local":
        result = _local_diarization(audio, config)
    else:
        raise ValueError(f"unknown diarization backend {config.backend!r}: use 'local' or 'pyannote'")
    result.processing_s = time.perf_counter() - started
    return result


# --- local backend ---------------------------------------------------------------------------


@lru_cache(maxsize=2)
def load_voice_encoder(device: str = "cpu"):
    """resemblyzer's VoiceEncoder with its sha256-verified bundled weights, once per process."""
    from resemblyzer import VoiceEncoder

    from halo.model_files import resemblyzer_weights_path

    path = resemblyzer_weights_path()
    try:
        return VoiceEncoder(device=device, verbose=False, weights_fpath=path)
    except Exception as exc:  # torch.load on a damaged file
        raise ModelFileError(
            f"Model file {path} could not be loaded ({exc}). Fix: pip install --force-reinstall resemblyzer"
        ) from exc


@dataclass
class _Window:
    region: int
    start: float
    end: float

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2


def _windows(regions: list[SpeechRegion], window_s: float, hop_s: float) -> list[_Window]:
    """Sliding windows inside each region; a region shorter than a window is one window."""
    windows: list[_Window] = []
    for i, region in enumerate(regions):
        if region.duration <= window_s:
            windows.append(_Window(i, region.start, region.end))
            continue
        starts = list(np.arange(region.start, region.end - window_s, hop_s))
        starts.append(region.end - window_s)
        windows += [_Window(i, float(s), float(s) + window_s) for s in starts]
    return windows


def _normalise_volume(audio: np.ndarray, regions: list[SpeechRegion], target_dbfs: float = -30.0) -> np.ndarray:
    """Scale so speech sits at resemblyzer's training level (its mels are not log-compressed)."""
    speech = np.concatenate([audio[int(r.start * SAMPLE_RATE) : int(r.end * SAMPLE_RATE)] for r in regions])
    rms = float(np.sqrt(np.mean(np.square(speech, dtype=np.float64)))) if speech.size else 0.0
    if rms <= 1e-6:
        return audio
    return (audio * (10 ** (target_dbfs / 20) / rms)).astype(np.float32)


def _embed_windows(audio: np.ndarray, windows: list[_Window], device: str, batch: int = 64) -> np.ndarray:
    """One L2-normalised 256-d resemblyzer embedding per window (mel computed once)."""
    import torch
    from resemblyzer.audio import wav_to_mel_spectrogram

    encoder = load_voice_encoder(device)
    mel = wav_to_mel_spectrogram(audio)  # (frames, 40), 10 ms hop
    frames = [(int(round(w.start * 100)), max(int(round(w.end * 100)), int(round(w.start * 100)) + 20)) for w in windows]
    out = np.zeros((len(windows), 256), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(frames):
        by_length.setdefault(b - a, []).append(i)
    with torch.inference_mode():
        for length, idx in by_length.items():
            for k in range(0, len(idx), batch):
                chunk = idx[k : k + batch]
                mels = np.zeros((len(chunk), length, mel.shape[1]), dtype=np.float32)
                for j, i in enumerate(chunk):
                    a, b = frames[i]
                    part = mel[a:b]
                    mels[j, : len(part)] = part
                emb = encoder(torch.from_numpy(mels).to(encoder.device)).cpu().numpy()
                out[chunk] = emb
    return out


def cluster_embeddings(x: np.ndarray, min_speakers: int = 1, max_speakers: int = 8) -> np.ndarray:
    """Spectral clustering of L2-normalised embeddings with the speaker count estimated.

    The number of speakers is not known in advance; it is chosen between ``min_speakers`` and
    ``max_speakers`` like this:

    1. NME-SC (Park et al., 2019): the cosine affinity is pruned to each row's p nearest
       neighbours and binarised; for each p the speaker count k is the largest eigengap of the
       graph Laplacian, and the p (with its k) that minimises p / normalised-eigengap wins.
    2. p ranges from 1% to 40% of the windows (P_FRACTIONS). A speaker with fewer windows than
       p is wired into its neighbours' clusters and disappears, so the small fractions are what
       let a minor speaker count: with 5% as the smallest, a 20-minute meeting with five similar
       voices, noise and echo came out as 4 speakers (one had 4% of the windows).
    3. Afterwards clusters with nearly the same centroid (cosine > ``SAME_VOICE``) are merged,
       which is how one speaker comes out as one speaker, and clusters under MIN_SHARE of the
       windows (stray laughs, noise, mixed windows at turn changes) join their nearest cluster.

    Silhouette-picked agglomerative clustering was tried first and under-counted two similar
    TTS voices.
    """
    from scipy.linalg import eigh
    from sklearn.cluster import KMeans

    n = len(x)
    if n < 3:
        return np.zeros(n, dtype=int)
    if n > MAX_SPECTRAL_POINTS:
        # The eigendecomposition is cubic in n: cluster an even subsample of the windows, then
        # give every window the cluster of its nearest centroid (an hour holds ~4,000 windows).
        picked = np.linspace(0, n - 1, MAX_SPECTRAL_POINTS).astype(int)
        sub = cluster_embeddings(x[picked], min_speakers, max_speakers)
        ids = np.unique(sub)
        cent = np.stack([x[picked][sub == c].mean(axis=0) for c in ids])
        cent /= np.linalg.norm(cent, axis=1, keepdims=True) + 1e-9
        return _merge_same_voice(x, ids[np.argmax(x @ cent.T, axis=1)], min_speakers)
    max_k = max(1, min(max_speakers, n - 1))
    min_k = max(1, min(min_speakers, max_k))
    sim = x @ x.T
    order = np.argsort(-sim, axis=1)
    best: tuple[float, int, np.ndarray] | None = None
    for p in sorted({max(2, int(n * f)) for f in P_FRACTIONS}):
        if p >= n:
            continue
        affinity = np.zeros_like(sim)
        np.put_along_axis(affinity, order[:, :p], 1.0, axis=1)
        affinity = (affinity + affinity.T) / 2
        laplacian = np.diag(affinity.sum(axis=1)) - affinity
        # Only the max_k + 1 smallest eigenpairs and the largest eigenvalue are read: LAPACK's
        # subset solver and one Lanczos run give them in under half the time of the full
        # decomposition (about 7 s of an hour's diarization went to full ones).
        values, vectors = eigh(laplacian, subset_by_index=[0, max_k])
        largest = _largest_eigenvalue(laplacian)
        gaps = np.diff(values)
        k = int(np.argmax(gaps[min_k - 1 :])) + min_k
        ratio = p / (gaps[k - 1] / (largest + 1e-9) + 1e-9)
        if best is None or ratio < best[0]:
            best = (ratio, k, vectors[:, :k])
    if best is None:
        return np.zeros(n, dtype=int)
    _, k, spectral = best
    if k <= 1:
        return np.zeros(n, dtype=int)
    labels = KMeans(k, n_init=10, random_state=0).fit_predict(spectral)
    return _merge_same_voice(x, labels, min_k)


def _largest_eigenvalue(matrix: np.ndarray) -> float:
    """The largest eigenvalue of a symmetric matrix by Lanczos, from a fixed start vector so
    that every run gives the same value (ARPACK's own start is random)."""
    from scipy.sparse.linalg import eigsh

    start = np.random.default_rng(0).random(len(matrix))
    return float(eigsh(matrix, k=1, which="LA", v0=start, return_eigenvectors=False)[0])


P_FRACTIONS = (0.01, 0.02, 0.03, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
SAME_VOICE = 0.9
MIN_SHARE = 0.02
MAX_SPECTRAL_POINTS = 1500


def _merge_same_voice(x: np.ndarray, labels: np.ndarray, min_k: int) -> np.ndarray:
    """Merge near-identical voices, and clusters too small to be a speaker (< MIN_SHARE of the
    windows: stray laughs, noise, mixed windows at turn changes) into their nearest cluster."""
    labels = labels.copy()
    while len(np.unique(labels)) > max(1, min_k):
        ids, counts = np.unique(labels, return_counts=True)
        cent = np.stack([x[labels == c].mean(axis=0) for c in ids])
        cent /= np.linalg.norm(cent, axis=1, keepdims=True) + 1e-9
        sim = cent @ cent.T
        np.fill_diagonal(sim, -1)
        smallest = int(np.argmin(counts))
        if counts[smallest] < MIN_SHARE * len(x):
            i, j = int(np.argmax(sim[smallest])), smallest
        else:
            i, j = np.unravel_index(np.argmax(sim), sim.shape)
            if sim[i, j] < SAME_VOICE:
                break
        labels[labels == ids[j]] = ids[i]
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def _local_diarization(audio: np.ndarray, config: DiarizationConfig) -> Diarization:
    duration = float(audio.size) / SAMPLE_RATE
    regions = speech_regions(audio)
    if not regions:
        return Diarization([], "local", LOCAL_MODEL, duration, extra={"speech_s": 0.0})
    audio = _normalise_volume(audio, regions)
    windows = _windows(regions, config.window_s, config.hop_s)
    embeddings = _embed_windows(audio, windows, config.device)
    labels = _cluster_windows(embeddings, np.array([w.end - w.start for w in windows]), config)
    turns = _turns_from_windows(regions, windows, labels, config.min_turn_s)
    # Name speakers by first appearance, so SPEAKER_00 is the first voice heard.
    order: dict[str, str] = {}
    for t in turns:
        order.setdefault(t.speaker, f"SPEAKER_{len(order):02d}")
    turns = [Turn(t.start, t.end, order[t.speaker]) for t in turns]
    return Diarization(
        turns,
        "local",
        LOCAL_MODEL,
        duration,
        extra={"speech_s": round(sum(r.duration for r in regions), 2), "windows": len(windows)},
    )


def _cluster_windows(embeddings: np.ndarray, durations: np.ndarray, config: DiarizationConfig) -> np.ndarray:
    """Cluster full-length windows only; short ones (regions under a window) join the nearest
    centroid. Short windows embed noisily and, clustered with the rest, formed clusters of their
    own (6 speakers found for 4 on the 60-minute benchmark; 4 with this)."""
    full = durations >= config.window_s - 0.01
    if full.sum() < 3:
        return cluster_embeddings(embeddings, config.min_speakers, config.max_speakers)
    sub = cluster_embeddings(embeddings[full], config.min_speakers, config.max_speakers)
    ids = np.unique(sub)
    centroids = np.stack([embeddings[full][sub == c].mean(axis=0) for c in ids])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-9
    return ids[np.argmax(embeddings @ centroids.T, axis=1)]


def _turns_from_windows(
    regions: list[SpeechRegion], windows: list[_Window], labels: np.ndarray, min_turn_s: float, step: float = 0.05
) -> list[Turn]:
    """Label every ``step`` of each region with its nearest window, then make turns of runs."""
    turns: list[Turn] = []
    by_region: dict[int, list[int]] = {}
    for i, w in enumerate(windows):
        by_region.setdefault(w.region, []).append(i)
    for r, region in enumerate(regions):
        idx = by_region.get(r, [])
        if not idx:
            continue
        centers = np.array([windows[i].center for i in idx])
        times = np.arange(region.start, region.end, step)
        frame_labels = labels[np.asarray(idx)[np.argmin(np.abs(times[:, None] - centers[None, :]), axis=1)]]
        runs = _runs(frame_labels)
        runs = _absorb_short_runs(runs, int(round(min_turn_s / step)))
        for label, a, b in runs:
            start = region.start + a * step
            end = min(region.end, region.start + b * step)
            turns.append(Turn(round(start, 3), round(end, 3), str(label)))
    return _merge_adjacent(turns)


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((int(values[start]), start, i))
            start = i
    return runs


def _absorb_short_runs(runs: list[tuple[int, int, int]], min_len: int) -> list[tuple[int, int, int]]:
    """Give runs shorter than ``min_len`` to their longer neighbour (a lone short region stays)."""
    runs = list(runs)
    while len(runs) > 1:
        short = [i for i, (_, a, b) in enumerate(runs) if b - a < min_len]
        if not short:
            break
        i = min(short, key=lambda j: runs[j][2] - runs[j][1])
        left = runs[i - 1] if i > 0 else None
        right = runs[i + 1] if i + 1 < len(runs) else None
        neighbour = max((n for n in (left, right) if n), key=lambda n: n[2] - n[1])
        label = neighbour[0]
        runs[i] = (label, runs[i][1], runs[i][2])
        merged: list[tuple[int, int, int]] = []
        for run in runs:
            if merged and merged[-1][0] == run[0]:
                merged[-1] = (run[0], merged[-1][1], run[2])
            else:
                merged.append(run)
        runs = merged
    return runs


def _merge_adjacent(turns: list[Turn], gap: float = 0.1) -> list[Turn]:
    merged: list[Turn] = []
    for t in turns:
        if merged and merged[-1].speaker == t.speaker and t.start - merged[-1].end <= gap:
            merged[-1] = Turn(merged[-1].start, t.end, t.speaker)
        else:
            merged.append(t)
    return merged


# --- pyannote backend ------------------------------------------------------------------------


@lru_cache(maxsize=2)
def load_pyannote_pipeline(name_or_dir: str, token: str, device: str):
    """pyannote's pipeline from a local directory or the hub (token), once per process."""
    import torch
    from pyannote.audio import Pipeline

    try:
        pipeline = Pipeline.from_pretrained(name_or_dir, token=token or None)
    except Exception as exc:
        raise ModelFileError(
            f"Could not load the pyannote pipeline {name_or_dir!r} ({type(exc).__name__}). Fix: set "
            "HF_TOKEN (accept the model's terms on the hub) and allow downloads, or point "
            "pyannote_pipeline at a local copy of the pipeline directory, or use diarization_backend='local'."
        ) from None
    if pipeline is None:
        raise ModelFileError(
            f"pyannote pipeline {name_or_dir!r} is gated or missing. Fix: set HF_TOKEN or a local directory."
        )
    pipeline.to(torch.device(device))
    return pipeline


def _pyannote_turns(audio: np.ndarray, config: DiarizationConfig) -> list[Turn]:
    import torch

    if audio.size < SAMPLE_RATE // 2:
        return []
    pipeline = load_pyannote_pipeline(config.pyannote_pipeline, config.hf_token, config.device)
    kwargs = {"min_speakers": config.min_speakers, "max_speakers": config.max_speakers}
    output = pipeline({"waveform": torch.from_numpy(audio).unsqueeze(0), "sample_rate": SAMPLE_RATE}, **kwargs)
    # pyannote.audio 4 returns a DiarizeOutput; 3.x returned the Annotation itself.
    annotation = getattr(output, "speaker_diarization", output)
    return [
        Turn(round(seg.start, 3), round(seg.end, 3), str(label))
        for seg, _, label in annotation.itertracks(yield_label=True)
    ]
