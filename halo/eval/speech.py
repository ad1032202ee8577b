"""Speech measures: WER after Whisper-style normalisation, word-time accuracy, and DER.

WER is only comparable across systems after normalisation (Radford et al., 2022): case,
punctuation, numbers as digits ("twenty five" -> "25"), US spelling. QMSum-style non-speech marks
({vocalsound}, {disfmarker}, {gap}) are removed first, since nobody says them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Sequence

# British -> US spellings common in meeting speech (Whisper's full table is not in any installed
# package; these cover the words QMSum's UK meetings actually use).
_US_SPELLING = {
    "colour": "color", "colours": "colors", "coloured": "colored", "favour": "favor",
    "favourite": "favorite", "behaviour": "behavior", "honour": "honor", "labour": "labor",
    "neighbour": "neighbor", "humour": "humor", "centre": "center", "centres": "centers",
    "metre": "meter", "metres": "meters", "litre": "liter", "theatre": "theater",
    "programme": "program", "programmes": "programs", "analyse": "analyze", "analysed": "analyzed",
    "organise": "organize", "organised": "organized", "organisation": "organization",
    "realise": "realize", "realised": "realized", "recognise": "recognize", "recognised": "recognized",
    "recognising": "recognizing", "recognition": "recognition", "apologise": "apologize",
    "summarise": "summarize", "prioritise": "prioritize", "customise": "customize",
    "customised": "customized", "minimise": "minimize", "maximise": "maximize", "optimise": "optimize",
    "standardise": "standardize", "emphasise": "emphasize", "licence": "license", "defence": "defense",
    "offence": "offense", "catalogue": "catalog", "dialogue": "dialog", "grey": "gray",
    "travelling": "traveling", "travelled": "traveled", "cancelled": "canceled", "modelling": "modeling",
    "labelled": "labeled", "labelling": "labeling", "fulfil": "fulfill", "enrol": "enroll",
    "mum": "mom", "aluminium": "aluminum", "ok": "okay", "okey": "okay", "mm": "hmm", "mhm": "hmm",
    "mm-hmm": "hmm", "uh-huh": "uh huh",
}
_MARKS = re.compile(r"\{[^}]*\}")


@lru_cache(maxsize=1)
def _normalizer():
    from transformers.models.whisper.english_normalizer import EnglishTextNormalizer

    return EnglishTextNormalizer(_US_SPELLING)


def normalize_text(text: str) -> str:
    """Whisper's English normaliser (+ QMSum marks removed, + a British->US spelling table)."""
    return _normalizer()(_MARKS.sub(" ", text)).strip()


def wer(reference: str | Sequence[str], hypothesis: str | Sequence[str]) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` after normalisation (0.0 if both empty)."""
    import jiwer

    ref = normalize_text(reference if isinstance(reference, str) else " ".join(reference))
    hyp = normalize_text(hypothesis if isinstance(hypothesis, str) else " ".join(hypothesis))
    if not ref:
        return 0.0 if not hyp else 1.0
    return float(jiwer.wer(ref, hyp or "<empty>"))


@dataclass(frozen=True)
class TimedWord:
    word: str
    start: float
    end: float


@dataclass(frozen=True)
class WordTiming:
    matched: int
    within: int
    median_abs_error_s: float

    @property
    def share_within(self) -> float:
        return self.within / self.matched if self.matched else 0.0


def _normalized_words(words: Iterable[TimedWord]) -> list[TimedWord]:
    out: list[TimedWord] = []
    for w in words:
        for token in normalize_text(w.word).split():
            out.append(TimedWord(token, w.start, w.end))
    return out


def word_timing(reference: Iterable[TimedWord], hypothesis: Iterable[TimedWord], tolerance_s: float = 0.5) -> WordTiming:
    """Align normalised words (jiwer/Levenshtein); of the words that match exactly, how many
    start within ``tolerance_s`` of the truth."""
    import jiwer

    ref = _normalized_words(reference)
    hyp = _normalized_words(hypothesis)
    if not ref or not hyp:
        return WordTiming(0, 0, 0.0)
    out = jiwer.process_words(" ".join(w.word for w in ref), " ".join(w.word for w in hyp))
    errors: list[float] = []
    for chunk in out.alignments[0]:
        if chunk.type != "equal":
            continue
        for k in range(chunk.ref_end_idx - chunk.ref_start_idx):
            r = ref[chunk.ref_start_idx + k]
            h = hyp[chunk.hyp_start_idx + k]
            errors.append(abs(h.start - r.start))
    if not errors:
        return WordTiming(0, 0, 0.0)
    within = sum(e <= tolerance_s for e in errors)
    return WordTiming(len(errors), within, float(sorted(errors)[len(errors) // 2]))


def der(reference: Iterable[tuple[float, float, str]], hypothesis: Iterable[tuple[float, float, str]], collar: float = 0.25) -> float:
    """Diarization error rate (pyannote.metrics) of (start, end, speaker) turns, 0.25 s collar."""
    from pyannote.core import Annotation, Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    def annotation(turns):
        ann = Annotation()
        for i, (start, end, speaker) in enumerate(turns):
            if end > start:
                ann[Segment(float(start), float(end)), i] = str(speaker)
        return ann

    ref = annotation(reference)
    hyp = annotation(hypothesis)
    extent = ref.get_timeline().union(hyp.get_timeline()).extent()
    return float(DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp, uem=Timeline([extent]) if extent else None))


def read_rttm(path) -> list[tuple[float, float, str]]:
    """Turns from an RTTM file (SPEAKER lines)."""
    turns = []
    for line in open(path, encoding="utf-8"):
        f = line.split()
        if f and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            turns.append((start, start + dur, f[7]))
    return turns


def read_stm_text(path) -> str:
    """The reference transcript of an STM file (text after the 5th field), in order."""
    lines = []
    for line in open(path, encoding="utf-8"):
        f = line.split(maxsplit=5)
        if len(f) == 6 and not line.startswith(";;"):
            lines.append((float(f[3]), f[5].strip()))
    return " ".join(t for _, t in sorted(lines))
