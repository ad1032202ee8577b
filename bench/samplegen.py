"""Meeting videos with full ground truth, made from QMSum transcripts.

Every HALO stage needs a video whose truth is known exactly: who spoke when (diarization),
which words at which times (ASR), where the picture cuts (scenes), where the topics change
(chunking) and which question is answered where (QA). Real recordings never come with all of
that, so we build one: real meeting turns from QMSum are spoken by four flite voices (one per
meeting role), and the picture is one static "slide" per topic, cut exactly when the topic's
first turn starts.

Word times come from flite itself: the utterance flite synthesises carries a Segment relation
with each phone's end time, and each word's start and end are read from its first and last
phone (through libflite's ``ffeature`` paths, via ctypes). The audio and the times come from the
same synthesis, so they cannot drift apart. The ``flite`` command line prints word names
(``-pw``) and phone end times (``-psdur``) but not which phone belongs to which word, hence the
library call.

Everything is seeded: the same source, seed and arguments give the same truth.

    python -m bench.samplegen                       # the bundled sample in data/samples/
    python -m bench.samplegen --duration 3600       # an hour for benchmarks, in data/bench/
"""

from __future__ import annotations

import argparse
import ctypes
import json
import math
import random
import re
import textwrap
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from bench.splits import qmsum_dir
from halo.paths import data_dir, samples_dir
from halo.storage import atomic_path, write_bytes_atomic

SAMPLE_RATE = 16_000
WIDTH, HEIGHT = 640, 360
VOICES = ("rms", "slt", "awb", "kal16")  # the four flite voices that ASR recognises well
# Five male voices whose median pitch lies within 86-119 Hz, for the hard diarization case:
# "name@f" is flite voice `name` resampled by f (pitch and formants x f, tempo x f), so two pairs
# share one synthesiser and differ only as two people with different vocal tract lengths would.
SIMILAR_VOICES = ("kal16", "rms", "awb@0.92", "kal16@1.12", "rms@1.1")
SAMPLE_NAME = "meeting"
# QMSum val meeting 26 (an AMI design meeting): five topics, the four AMI roles, and several
# question spans short enough to fit whole inside a 45 s excerpt of their topic.
SAMPLE_MEETING = "val-26"
SAMPLE_DURATION_S = 210.0
SAMPLE_FPS = 25
BENCH_FPS = 5  # slides are static, so long videos need few frames; 5 fps keeps encoding fast
TOPIC_SECONDS = 45.0
TRUTH_SCHEMA_VERSION = 1

_AAC_FRAME = 1024  # samples per AAC frame: padding to it keeps the audio track's end exact
_EDGE_S = 0.05  # silence kept around each turn's first and last phone
_WORD_S = {"rms": 0.31, "slt": 0.27, "awb": 0.27, "kal16": 0.28}  # measured; for planning only
_NON_SPEECH = re.compile(r"\{[^}]*\}")
_FILLERS = re.compile(
    r"(?i)(?<![\w'-])(?:um+|uh+m?|erm|er|mm+|hmm+|mm-hmm|mm-mm|hmm-mm|uh-huh)(?![\w'-])"
)
_SPELLED = re.compile(r"\b((?:[A-Za-z]_)+)")  # AMI writes spelled letters as L_C_D_
_PUNCT = ".,?!;:"


# ---------------------------------------------------------------------------------------------
# Source: QMSum meetings
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    title: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Query:
    query: str
    answer: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Meeting:
    """One QMSum meeting; ``texts`` are the turns already cleaned for speaking ("" = skip)."""

    meeting_id: str
    speakers: tuple[str, ...]
    texts: tuple[str, ...]
    topics: tuple[Topic, ...]
    queries: tuple[Query, ...]


def clean_text(raw: str) -> str:
    """Turn a QMSum turn into text a TTS voice can say, or "" if nothing speakable is left.

    Non-speech marks ({vocalsound}, {disfmarker}, ...) go, and so do fillers (um, mm-hmm, ...):
    flite spells those letter by letter, which neither sounds like speech nor helps ASR.
    """
    text = _NON_SPEECH.sub(" ", raw)
    text = _SPELLED.sub(lambda m: m.group(1).replace("_", ""), text)
    text = _FILLERS.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([.,?!;:])", r"\1", text)  # "word ." -> "word."
    text = re.sub(r"([.,?!;:])(?:\s*[.,?!;:])+", _strongest_punct, text)  # ", ." -> "."
    text = re.sub(r"^[\s.,?!;:'-]+", "", text).strip()
    if not re.search(r"[A-Za-z0-9]", text):
        return ""
    return text[0].upper() + text[1:]


def _strongest_punct(match: re.Match[str]) -> str:
    """Of a run of punctuation left by removed marks, keep the one that ends a sentence."""
    marks = [c for c in match.group(0) if c in _PUNCT]
    enders = [c for c in marks if c in ".?!"]
    return enders[-1] if enders else marks[-1]


def trim_turn(text: str, max_sentences: int = 2, max_words: int = 30) -> str:
    """Keep a turn's first sentences so one long monologue cannot eat a topic's time budget."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", text) if s]
    kept: list[str] = []
    n_words = 0
    for sentence in sentences[:max_sentences]:
        words = sentence.split()
        if kept and n_words + len(words) > max_words:
            break
        if len(words) > max_words:
            sentence = " ".join(words[:max_words]).rstrip(_PUNCT) + "."
        kept.append(sentence)
        n_words += len(sentence.split())
    return " ".join(kept)


def _spans(raw: Sequence[Sequence[str]]) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in raw)


def parse_meeting(meeting_id: str, record: dict[str, Any], full_turns: bool = False) -> Meeting:
    """One QMSum meeting; turns trimmed to their first sentences unless ``full_turns`` (a whole
    meeting spoken as it was, e.g. one meeting filling an hour-long video)."""
    turns = record["meeting_transcripts"]
    return Meeting(
        meeting_id=meeting_id,
        speakers=tuple(t["speaker"] for t in turns),
        texts=tuple(clean_text(t["content"]) if full_turns else trim_turn(clean_text(t["content"])) for t in turns),
        topics=tuple(Topic(t["topic"], _spans(t["relevant_text_span"])) for t in record["topic_list"]),
        queries=tuple(
            Query(q["query"], q["answer"], _spans(q["relevant_text_span"]))
            for q in record.get("specific_query_list", [])
        ),
    )


@lru_cache(maxsize=4)
def load_meetings(source: Path | None = None, full_turns: bool = False) -> dict[str, Meeting]:
    """All meetings of the source folder: ``ES2002a`` and ``val-<line>`` for val.jsonl."""
    root = Path(source) if source else qmsum_dir()
    if not root.is_dir():
        raise FileNotFoundError(
            f"QMSum data not found at {root}: set HALO_QMSUM_DIR or pass source=<folder with val.jsonl>"
        )
    meetings: dict[str, Meeting] = {}
    for path in sorted(root.glob("*.json")):
        meetings[path.stem] = parse_meeting(path.stem, json.loads(path.read_text()), full_turns)
    val = root / "val.jsonl"
    if val.exists():
        for i, line in enumerate(val.read_text().splitlines()):
            if line.strip():
                meetings[f"val-{i}"] = parse_meeting(f"val-{i}", json.loads(line), full_turns)
    return meetings


# ---------------------------------------------------------------------------------------------
# Plan: which turns of which topics, in order
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedTurn:
    meeting_id: str
    qmsum_turn: int
    qmsum_speaker: str
    text: str


@dataclass(frozen=True)
class PlannedTopic:
    meeting_id: str
    title: str
    turns: tuple[PlannedTurn, ...]


def parse_voice(voice: str) -> tuple[str, float]:
    """``"rms@1.1"`` -> ("rms", 1.1): a flite voice and the resampling factor applied to it."""
    name, _, factor = voice.partition("@")
    if name not in _VOICE_LIB or (factor and not 0.5 <= float(factor) <= 2.0):
        raise ValueError(f"unknown voice {voice!r}: use one of {sorted(_VOICE_LIB)}, optionally '@<factor 0.5-2>'")
    return name, float(factor) if factor else 1.0


def estimate_seconds(text: str, voice: str) -> float:
    """Rough spoken length, only used to choose how many turns to synthesise."""
    name, factor = parse_voice(voice) if voice else ("", 1.0)
    return len(text.split()) * _WORD_S.get(name, 0.3) / factor + 0.75  # + edges, inner pauses, the gap


def _span_turns(meeting: Meeting, query: Query) -> set[int]:
    """The speakable turns of a question's spans (turns left empty were never spoken)."""
    return {i for a, b in query.spans for i in range(a, b + 1) if i < len(meeting.texts) and meeting.texts[i]}


def choose_window(
    meeting: Meeting,
    candidates: list[int],
    budget_s: float,
    voice_of: dict[str, str],
    chosen: frozenset[int] = frozenset(),
) -> list[int]:
    """Pick contiguous turns of one topic that fit the time budget.

    Windows start at the topic's start or where one of the meeting's question spans starts;
    the window that completes the most questions (with the turns ``chosen`` for earlier
    topics) wins, earliest on ties, so the video keeps QMSum questions answerable with times.
    """
    if not candidates:
        return []
    needs = [n for n in (_span_turns(meeting, q) for q in meeting.queries) if n]
    starts = {0}
    for q in meeting.queries:
        for a, _ in q.spans:
            starts.update(p for p, i in enumerate(candidates) if i >= a and (p == 0 or candidates[p - 1] < a))
    best: tuple[int, list[int]] | None = None
    for p in sorted(starts):
        window, used = [], 0.0
        for i in candidates[p:]:
            cost = estimate_seconds(meeting.texts[i], voice_of.get(meeting.speakers[i], "rms"))
            if window and used + cost > budget_s:
                break
            window.append(i)
            used += cost
        have = chosen | set(window)
        score = sum(1 for n in needs if n <= have and n & set(window))
        if best is None or score > best[0]:
            best = (score, window)
    return best[1] if best else []


def assign_voices(speakers: Sequence[str], mapping: dict[str, str], voices: Sequence[str] = VOICES) -> bool:
    """Give each new QMSum speaker the next free voice; False if the voices are all taken."""
    for s in speakers:
        if s not in mapping:
            if len(mapping) == len(voices):
                return False
            mapping[s] = voices[len(mapping)]
    return True


def keep_talkative(meeting: Meeting, n_new: int, known: Sequence[str]) -> Meeting:
    """The meeting with only its known speakers and its ``n_new`` most talkative new ones;
    everyone else's turns are left unspoken (""), as unspeakable turns already are."""
    counts: dict[str, int] = {}
    for speaker, text in zip(meeting.speakers, meeting.texts):
        if text and speaker not in known:
            counts[speaker] = counts.get(speaker, 0) + 1
    kept = set(known) | set(sorted(counts, key=lambda s: (-counts[s], meeting.speakers.index(s)))[:n_new])
    texts = tuple(t if s in kept else "" for s, t in zip(meeting.speakers, meeting.texts))
    return Meeting(meeting.meeting_id, meeting.speakers, texts, meeting.topics, meeting.queries)


def plan_meeting(
    meeting: Meeting, topic_seconds: float, voice_of: dict[str, str]
) -> list[PlannedTopic]:
    """The meeting's topics in order of their first span, each cut to a window of turns."""
    topics: list[PlannedTopic] = []
    chosen: set[int] = set()
    for topic in sorted(meeting.topics, key=lambda t: t.spans[0][0]):
        a, b = topic.spans[0]
        first = max(a, max(chosen, default=-1) + 1)
        candidates = [i for i in range(first, b + 1) if i < len(meeting.texts) and meeting.texts[i]]
        window = choose_window(meeting, candidates, topic_seconds, voice_of, frozenset(chosen))
        if not window:
            continue
        chosen.update(window)
        turns = tuple(PlannedTurn(meeting.meeting_id, i, meeting.speakers[i], meeting.texts[i]) for i in window)
        topics.append(PlannedTopic(meeting.meeting_id, topic.title, turns))
    return topics


def iter_topics(
    meetings: Sequence[Meeting],
    topic_seconds: float,
    voice_of: dict[str, str],
    voices: Sequence[str] = VOICES,
    top_speakers: bool = False,
) -> Iterator[PlannedTopic]:
    """Planned topics from the meetings in order; ``voice_of`` grows as new speakers appear.

    Meetings whose speakers do not fit the voices (more people than voices, or new names once
    all voices are taken) are skipped, so one voice is always one person; with
    ``top_speakers`` such a meeting keeps its most talkative people instead (see keep_talkative).
    """
    for meeting in meetings:
        if top_speakers:
            meeting = keep_talkative(meeting, len(voices) - len(voice_of), list(voice_of))
        trial = dict(voice_of)
        heard = [s for s, t in zip(meeting.speakers, meeting.texts) if t or not top_speakers]
        speakers = sorted(set(heard), key=meeting.speakers.index)
        if not assign_voices(speakers, trial, voices):
            continue
        voice_of.update(trial)
        yield from plan_meeting(meeting, topic_seconds, voice_of)


def planned_seconds(topics: Sequence[PlannedTopic], voice_of: dict[str, str]) -> float:
    """Estimated length of planned topics, pauses included."""
    speech = sum(estimate_seconds(t.text, voice_of.get(t.qmsum_speaker, "")) for topic in topics for t in topic.turns)
    return speech + 1.0 * len(topics)


# ---------------------------------------------------------------------------------------------
# Speech: flite through libflite, with word times
# ---------------------------------------------------------------------------------------------


@dataclass
class Speech:
    """A spoken turn: 16 kHz mono int16 samples, and its words as (word, first, end) sample offsets.

    Word times are whole samples so that placing a turn on the timeline is exact arithmetic.
    """

    samples: np.ndarray
    words: list[tuple[str, int, int]]


class _Wave(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_char_p),
        ("sample_rate", ctypes.c_int),
        ("num_samples", ctypes.c_int),
        ("num_channels", ctypes.c_int),
        ("samples", ctypes.POINTER(ctypes.c_short)),
    ]


_VOICE_LIB = {"rms": "cmu_us_rms", "slt": "cmu_us_slt", "awb": "cmu_us_awb", "kal16": "cmu_us_kal16"}


@lru_cache(maxsize=1)
def _libflite() -> ctypes.CDLL:
    """Load libflite (shipped by the Debian/Ubuntu ``flite`` package) and declare what we call."""
    try:
        lib = ctypes.CDLL("libflite.so.1", mode=ctypes.RTLD_GLOBAL)
        for dep in ("libflite_usenglish.so.1", "libflite_cmulex.so.1"):
            ctypes.CDLL(dep, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise RuntimeError("libflite not found: install it with `apt-get install flite`") from exc
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    for name, res, args in [
        ("flite_init", ctypes.c_int, []),
        ("flite_synth_text", vp, [cp, vp]),
        ("utt_relation", vp, [vp, cp]),
        ("relation_head", vp, [vp]),
        ("item_next", vp, [vp]),
        ("path_to_item", vp, [vp, cp]),
        ("ffeature_string", cp, [vp, cp]),
        ("ffeature_float", ctypes.c_float, [vp, cp]),
        ("utt_wave", ctypes.POINTER(_Wave), [vp]),
        ("delete_utterance", None, [vp]),
    ]:
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    lib.flite_init()
    return lib


@lru_cache(maxsize=None)
def _voice(name: str) -> int:
    lib_name = _VOICE_LIB[name]
    lib = ctypes.CDLL(f"libflite_{lib_name}.so.1")
    register = getattr(lib, f"register_{lib_name}")
    register.restype, register.argtypes = ctypes.c_void_p, [ctypes.c_char_p]
    return register(None)


def _word_times(lib: ctypes.CDLL, utt: int) -> list[tuple[str, float, float]]:
    """Times of the written tokens ("25", "kick-off") from the phones of the words they became.

    flite expands a token into one or more words ("25" -> twenty five); a token starts where
    its first word's first phone starts (the previous phone's end) and ends with its last phone.
    """
    tokens: list[tuple[str, float, float]] = []
    last_token = None
    item = lib.relation_head(lib.utt_relation(utt, b"Word"))
    while item:
        if lib.path_to_item(item, b"R:SylStructure.daughter1.daughter1"):
            start = lib.ffeature_float(item, b"R:SylStructure.daughter1.daughter1.R:Segment.p.end")
            end = lib.ffeature_float(item, b"R:SylStructure.daughtern.daughtern.R:Segment.end")
            token = lib.path_to_item(item, b"R:Token.parent")
            name = (lib.ffeature_string(token, b"name") if token else lib.ffeature_string(item, b"name")).decode()
            if token and token == last_token:
                tokens[-1] = (tokens[-1][0], tokens[-1][1], float(end))
            else:
                tokens.append((name, float(start), float(end)))
            last_token = token
        item = lib.item_next(item)
    return tokens


def _resample(samples: np.ndarray, rate: int) -> np.ndarray:
    """Linear resampling to 16 kHz; the four voices are 16 kHz already, so this is a guard."""
    if rate == SAMPLE_RATE:
        return samples
    n = int(round(len(samples) * SAMPLE_RATE / rate))
    x = np.linspace(0, len(samples) - 1, n)
    return np.interp(x, np.arange(len(samples)), samples.astype(np.float64)).astype(np.int16)


def _warp(samples: np.ndarray, factor: float) -> tuple[np.ndarray, Fraction]:
    """Resample so the voice sounds ``factor`` higher and faster; returns the length ratio too."""
    from scipy.signal import resample_poly

    ratio = Fraction(1 / factor).limit_denominator(64)
    out = resample_poly(samples.astype(np.float64), ratio.numerator, ratio.denominator)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16), ratio


def synthesize(text: str, voice: str) -> Speech:
    """Speak one turn with a flite voice (``name@factor``: resampled, see SIMILAR_VOICES); cut to
    its first and last phone plus a short edge."""
    name, factor = parse_voice(voice)
    lib = _libflite()
    utt = lib.flite_synth_text(text.encode("utf-8"), _voice(name))
    try:
        wave = lib.utt_wave(utt).contents
        n = wave.num_samples * wave.num_channels
        raw = np.ctypeslib.as_array(wave.samples, shape=(n,)).copy()
        rate = wave.sample_rate
        if wave.num_channels > 1:
            raw = raw.reshape(-1, wave.num_channels).mean(axis=1).astype(np.int16)
        words = _word_times(lib, utt)
    finally:
        lib.delete_utterance(utt)
    samples = _resample(raw, rate)
    if not words:
        return Speech(np.zeros(0, np.int16), [])
    scale = Fraction(1)
    if factor != 1.0:
        samples, scale = _warp(samples, factor)
    edge = int(round(_EDGE_S * SAMPLE_RATE))
    at = [(w, int(round(s * SAMPLE_RATE * scale)), int(round(e * SAMPLE_RATE * scale))) for w, s, e in words]
    lo = max(0, at[0][1] - edge)
    hi = min(len(samples), at[-1][2] + edge)
    return Speech(samples[lo:hi], [(w, s - lo, min(e, hi) - lo) for w, s, e in at])


def _synthesize_job(job: tuple[str, str]) -> Speech:
    return synthesize(*job)


def synthesize_all(jobs: Sequence[tuple[str, str]], workers: int = 2) -> list[Speech]:
    """Synthesise (text, voice) jobs, in a process pool when workers > 1 (flite is single-threaded)."""
    if workers <= 1 or len(jobs) < 8:
        return [synthesize(t, v) for t, v in jobs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_synthesize_job, jobs, chunksize=16))


# ---------------------------------------------------------------------------------------------
# Timeline: where each turn goes, and the ground truth it implies
# ---------------------------------------------------------------------------------------------


@dataclass
class Timeline:
    audio: np.ndarray
    fps: int
    scene_starts: list[float]  # the start of every topic's scene, 0.0 first
    turns: list[dict[str, Any]] = field(default_factory=list)
    words: list[dict[str, Any]] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    cutaways: list[tuple[float, float]] = field(default_factory=list)  # camera cuts away and back

    def shots(self) -> list[tuple[float, int, bool]]:
        """Every picture shot as (start, topic index, is a cutaway), in order."""
        shots = [(start, i, False) for i, start in enumerate(self.scene_starts)]
        for away, back in self.cutaways:
            topic = max(i for i, start in enumerate(self.scene_starts) if start <= away)
            shots += [(away, topic, True), (back, topic, False)]
        return sorted(shots)

    @property
    def camera_cuts(self) -> list[float]:
        return sorted(t for pair in self.cutaways for t in pair)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / SAMPLE_RATE


def _ceil_to(n: int, step: int) -> int:
    return -(-n // step) * step


def _t(samples: int | float) -> float:
    return round(samples / SAMPLE_RATE, 4)


def build_timeline(
    topics: Sequence[PlannedTopic],
    speeches: Sequence[Speech],
    voice_of: dict[str, str],
    fps: int,
    rng: random.Random,
    max_duration_s: float | None = None,
) -> Timeline:
    """Lay the spoken turns end to end with 0.3-0.6 s pauses (0.8-1.2 s between topics).

    A topic's first word starts exactly on a video frame, and the picture cuts on that frame.
    The total length is padded to a whole number of video frames and AAC frames so both
    tracks end together. Turns that would end after ``max_duration_s`` are left out.
    Speaker labels (SPEAKER_A, ...) follow the order in which the voices are first heard.
    """
    frame = SAMPLE_RATE // fps
    limit = None if max_duration_s is None else int((max_duration_s - 0.5) * SAMPLE_RATE)
    tl = Timeline(np.zeros(0, np.int16), fps, [])
    placed: list[tuple[int, np.ndarray]] = []
    labels: dict[str, str] = {}
    cursor = int(0.3 * SAMPLE_RATE)
    spoken = iter(speeches)
    for topic in topics:
        pairs = [(turn, next(spoken)) for turn in topic.turns]
        pairs = [(turn, speech) for turn, speech in pairs if speech.words]
        for k, (turn, speech) in enumerate(pairs):
            gap = rng.uniform(0.8, 1.2) if k == 0 else rng.uniform(0.3, 0.6)
            start = cursor + int(gap * SAMPLE_RATE) if tl.turns else cursor
            lead = speech.words[0][1]
            if k == 0:
                start = _ceil_to(start + lead, frame) - lead  # the first phone lands on a frame
            if limit is not None and start + len(speech.samples) > limit:
                break
            if k == 0:
                tl.scene_starts.append(0.0 if not tl.turns else _t(start + lead))
                tl.topics.append({"topic_id": len(tl.topics), "title": topic.title, "meeting_id": topic.meeting_id})
            if turn.qmsum_speaker not in labels:
                labels[turn.qmsum_speaker] = f"SPEAKER_{chr(ord('A') + len(labels))}"
            _add_turn(tl, turn, speech, start, voice_of[turn.qmsum_speaker], labels[turn.qmsum_speaker])
            placed.append((start, speech.samples))
            cursor = start + len(speech.samples)
        else:
            continue
        break  # the duration limit was reached
    total = _ceil_to(cursor + int(0.5 * SAMPLE_RATE), math.lcm(frame, _AAC_FRAME))
    tl.audio = np.zeros(total, np.int16)
    for start, samples in placed:
        tl.audio[start : start + len(samples)] = samples
    _close_topics(tl)
    return tl


def add_cutaways(tl: Timeline, every_s: float, rng: random.Random, margin_s: float = 2.0) -> None:
    """Camera cuts unrelated to topics: about every ``every_s`` seconds the picture cuts away to
    another camera for 3-8 s and back, on video frames and >= ``margin_s`` from any topic cut,
    so a topic change is always a cut between two topics' main shots."""
    bounds = tl.scene_starts + [_t(len(tl.audio))]
    for start, end in zip(bounds, bounds[1:]):
        t = start + rng.uniform(0.5, 1.5) * every_s
        while True:
            away = round(t * tl.fps) / tl.fps
            back = round((away + rng.uniform(3.0, 8.0)) * tl.fps) / tl.fps
            if back > end - margin_s:
                break
            if away >= start + margin_s:
                tl.cutaways.append((away, back))
            t = back + rng.uniform(0.5, 1.5) * every_s


def _add_turn(tl: Timeline, turn: PlannedTurn, speech: Speech, start: int, voice: str, speaker: str) -> None:
    """Record one turn and its words in absolute seconds."""
    turn_id = len(tl.turns)
    words = [(w, _t(start + s), _t(start + e)) for w, s, e in speech.words]
    tl.turns.append({
        "turn_id": turn_id,
        "start": words[0][1],
        "end": words[-1][2],
        "speaker": speaker,
        "voice": voice,
        "qmsum_speaker": turn.qmsum_speaker,
        "text": turn.text,
        "topic_id": len(tl.topics) - 1,
        "meeting_id": turn.meeting_id,
        "qmsum_turn": turn.qmsum_turn,
    })
    tl.words.extend({"word": w, "start": s, "end": e, "speaker": speaker, "turn_id": turn_id} for w, s, e in words)


def _close_topics(tl: Timeline) -> None:
    """Topics tile the video: each runs from its scene cut to the next one (the last to the end)."""
    bounds = tl.scene_starts + [_t(len(tl.audio))]
    for i, topic in enumerate(tl.topics):
        topic["start"], topic["end"] = bounds[i], bounds[i + 1]
        ids = [t["turn_id"] for t in tl.turns if t["topic_id"] == i]
        topic["first_turn"], topic["last_turn"] = ids[0], ids[-1]


def questions_in(timeline: Timeline, meetings: dict[str, Meeting]) -> list[dict[str, Any]]:
    """QMSum questions whose every speakable span turn is in the video, with their times."""
    by_turn = {(t["meeting_id"], t["qmsum_turn"]): t for t in timeline.turns}
    out: list[dict[str, Any]] = []
    for meeting_id in dict.fromkeys(t["meeting_id"] for t in timeline.turns):
        meeting = meetings[meeting_id]
        for q in meeting.queries:
            needed = [i for a, b in q.spans for i in range(a, b + 1) if i < len(meeting.texts) and meeting.texts[i]]
            if not needed or any((meeting_id, i) not in by_turn for i in needed):
                continue
            turns = [by_turn[(meeting_id, i)] for i in needed]
            out.append({
                "query": q.query,
                "answer": q.answer,
                "start": min(t["start"] for t in turns),
                "end": max(t["end"] for t in turns),
                "turn_ids": [t["turn_id"] for t in turns],
                "meeting_id": meeting_id,
                "qmsum_spans": [list(s) for s in q.spans],
            })
    return sorted(out, key=lambda q: (q["start"], q["end"]))


# ---------------------------------------------------------------------------------------------
# Picture: one static slide per topic
# ---------------------------------------------------------------------------------------------

# Consecutive colours alternate dark and bright and jump in hue, so every cut is a large
# change in hue, saturation and value (what PySceneDetect's ContentDetector measures).
_PALETTE = [
    (20, 40, 110), (245, 205, 40), (130, 20, 30), (150, 225, 235),
    (20, 95, 45), (250, 140, 30), (75, 30, 120), (235, 235, 225),
]
_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.truetype(str(_FONT), size) if _FONT.exists() else ImageFont.load_default(size=size)


def draw_slide(
    title: str, index: int, total: int, width: int = WIDTH, height: int = HEIGHT, cutaway: bool = False,
    scale_to: int | None = None, text: bool = True,
) -> np.ndarray:
    """An RGB slide: a solid colour, the topic title in large type, and a few shapes (``text``
    False: the colour and shapes alone, Realism.slides).

    ``scale_to``: the slide drawn at 360p, then resized to that height (16:9), so HD videos show
    the same picture with HD's decoding cost.

    A ``cutaway`` is the same topic seen by another camera: inverted colours (a large change in
    hue and value from the main shot, as ContentDetector needs) and the shapes on top.
    """
    from PIL import Image, ImageDraw

    bg = _PALETTE[index % len(_PALETTE)]
    accent = _PALETTE[(index + 3) % len(_PALETTE)]
    if cutaway:
        bg, accent = tuple(255 - c for c in bg), tuple(255 - c for c in accent)
    ink = (15, 15, 15) if sum(bg) > 380 else (250, 250, 250)
    image = Image.new("RGB", (width, height), bg)
    draw = ImageDraw.Draw(image)
    if text:
        draw.text((32, 24), f"Topic {index + 1} of {total}" + (" - camera 2" if cutaway else ""), font=_font(18), fill=ink)
        lines = textwrap.wrap(title, width=26)[:4]
        draw.multiline_text((32, height // 2 if cutaway else 60), "\n".join(lines), font=_font(34), fill=ink, spacing=8)
    shape_rng = random.Random(index)
    for k in range(3):
        x = 60 + k * 190 + shape_rng.randint(0, 40)
        y = (60 if cutaway else height - 90) + shape_rng.randint(-10, 10)
        box = (x, y, x + 60, y + 60)
        kind = (index + k) % 3
        if kind == 0:
            draw.ellipse(box, fill=accent, outline=ink, width=3)
        elif kind == 1:
            draw.rectangle(box, fill=accent, outline=ink, width=3)
        else:
            draw.polygon([(x + 30, y), (x + 60, y + 60), (x, y + 60)], fill=accent, outline=ink)
    if scale_to and scale_to != height:
        image = image.resize((scale_to * 16 // 9 // 2 * 2, scale_to), Image.Resampling.LANCZOS)
    return np.asarray(image)


# ---------------------------------------------------------------------------------------------
# Encoding: H.264 + AAC in MP4 with PyAV
# ---------------------------------------------------------------------------------------------


def _h264_encoder() -> str:
    import av

    for name in ("libx264", "libopenh264", "h264"):
        try:
            av.codec.Codec(name, "w")
            return name
        except Exception:  # noqa: BLE001 - PyAV raises different errors for unknown codecs
            continue
    raise RuntimeError("this PyAV build has no H.264 encoder; install the `av` wheel from PyPI")


def _scene_frames(scene_starts: Sequence[float], n_frames: int, fps: int) -> Iterator[int]:
    """For each video frame, the index of the shot it shows."""
    firsts = [int(round(s * fps)) for s in scene_starts] + [n_frames]
    for scene in range(len(scene_starts)):
        for _ in range(firsts[scene], firsts[scene + 1]):
            yield scene


def encode_mp4(path: Path, timeline: Timeline, slides: Sequence[np.ndarray]) -> None:
    """Write the slides (one per shot of ``timeline.shots()``) and the audio as an MP4,
    interleaved frame by frame.

    Each slide is converted to YUV once and the same frame is re-sent with a new timestamp,
    so an hour of video costs little more than the encoder's work on static pictures.
    """
    import av

    fps = timeline.fps
    frame_len = SAMPLE_RATE // fps
    n_frames = len(timeline.audio) // frame_len
    with atomic_path(path) as tmp, av.open(str(tmp), "w", format="mp4") as out:
        options = {"preset": "veryfast", "crf": "30", "tune": "stillimage"}
        video = out.add_stream(_h264_encoder(), rate=fps, options=options)
        video.height, video.width = slides[0].shape[:2]
        video.pix_fmt = "yuv420p"
        video.codec_context.gop_size = fps * 10
        audio = out.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
        audio.bit_rate = 40_000
        yuv = [av.VideoFrame.from_ndarray(s, format="rgb24").reformat(format="yuv420p") for s in slides]
        for i, scene in enumerate(_scene_frames([s[0] for s in timeline.shots()], n_frames, fps)):
            frame = yuv[scene]
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
            chunk = timeline.audio[i * frame_len : (i + 1) * frame_len]
            aframe = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
            aframe.sample_rate, aframe.pts, aframe.time_base = SAMPLE_RATE, i * frame_len, Fraction(1, SAMPLE_RATE)
            out.mux(audio.encode(aframe))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


# ---------------------------------------------------------------------------------------------
# Acoustics: room echo and background noise (the words, turns and their times do not change)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Realism:
    """What makes a generated meeting harder than the clean studio of the bundled sample (the
    defaults). None of it changes the words, turns, topics or questions of a given seed.

    * ``voices``: who speaks (SIMILAR_VOICES: five close male voices); ``top_speakers``: a
      meeting with more people than voices keeps its most talkative ones instead of being skipped.
    * ``rt60_s`` > 0: reverberation, a synthetic room impulse response (a direct path, then
      exponentially decaying Gaussian noise falling 60 dB in rt60_s, Polack's model) whose tail
      holds ``drr_db`` less energy than the direct sound (0: a table microphone a few metres away).
    * ``snr_db``: pink (1/f) noise, like air conditioning and room hum, at that ratio to the
      (reverberant) speech power over the true turns; it runs through the pauses too.
    * ``camera_cut_s`` > 0: about that often the picture cuts away to another camera and back,
      cuts that are not topic changes (listed as ``camera_cuts`` in the truth).
    * ``slides`` False: no slides, as in most meeting recordings: one picture without text for the
      whole video (camera cuts still cut away), so neither a topic's title nor its start shows on
      screen. With slides each topic's title is on screen for the whole topic, which Q&A retrieves
      and the chunker cuts at: real meetings give neither.
    """

    voices: tuple[str, ...] = VOICES
    top_speakers: bool = False
    snr_db: float | None = None
    rt60_s: float = 0.0
    drr_db: float = 0.0
    camera_cut_s: float = 0.0
    slides: bool = True

    @property
    def clean_audio(self) -> bool:
        return self.snr_db is None and self.rt60_s <= 0


def room_impulse_response(rt60_s: float, drr_db: float, rng: np.random.Generator) -> np.ndarray:
    n = max(2, int(rt60_s * SAMPLE_RATE))
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.908 * t / rt60_s)  # ln(1000): -60 dB at rt60
    tail[: int(0.004 * SAMPLE_RATE)] = 0.0  # first reflections arrive a few ms after the direct path
    tail *= np.sqrt(10 ** (-drr_db / 10) / np.sum(tail**2))
    tail[0] = 1.0
    return tail


def pink_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-power pink noise (Paul Kellett's -3 dB/octave filter on white noise)."""
    from scipy.signal import lfilter

    b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
    a = [1.0, -2.494956002, 2.017265875, -0.522189400]
    pink = lfilter(b, a, rng.standard_normal(n + 4000))[4000:]  # drop the filter's start-up
    return pink / np.sqrt(np.mean(pink**2))


def apply_acoustics(audio: np.ndarray, turns: Sequence[dict[str, Any]], acoustics: Realism, seed: int) -> np.ndarray:
    """int16 ``audio`` as heard in the room that ``acoustics`` describes (seeded), as int16.

    The direct path has no delay, so every word still starts where the truth says.
    """
    if acoustics.clean_audio or not turns:
        return audio
    from scipy.signal import oaconvolve

    rng = np.random.default_rng(seed)
    x = audio.astype(np.float64) / 32768.0
    if acoustics.rt60_s > 0:
        x = oaconvolve(x, room_impulse_response(acoustics.rt60_s, acoustics.drr_db, rng))[: len(x)]
    if acoustics.snr_db is not None:
        spans = [(int(t["start"] * SAMPLE_RATE), int(t["end"] * SAMPLE_RATE)) for t in turns]
        speech_power = np.mean(np.concatenate([x[a:b] for a, b in spans]) ** 2)
        x = x + pink_noise(len(x), rng) * np.sqrt(speech_power / 10 ** (acoustics.snr_db / 10))
    peak = float(np.max(np.abs(x)))
    if peak > 0.9:  # scale down rather than clip
        x *= 0.9 / peak
    return np.round(x * 32767.0).astype(np.int16)


# ---------------------------------------------------------------------------------------------
# Truth files
# ---------------------------------------------------------------------------------------------


def truth_path(video: Path) -> Path:
    return video.with_name(video.stem + ".truth.json")


def rttm_path(video: Path) -> Path:
    return video.with_name(video.stem + ".rttm")


def rttm_lines(file_id: str, turns: Sequence[dict[str, Any]]) -> list[str]:
    """RTTM (NIST) speaker turns, the format pyannote.metrics reads."""
    return [
        f"SPEAKER {file_id} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['speaker']} <NA> <NA>"
        for t in turns
    ]


def build_truth(
    video: Path, timeline: Timeline, qa: list[dict[str, Any]], seed: int, realism: Realism = Realism(),
    size: tuple[int, int] = (WIDTH, HEIGHT), full_turns: bool = False,
) -> dict[str, Any]:
    speakers = {t["speaker"]: (t["voice"], t["qmsum_speaker"]) for t in timeline.turns}
    return {
        "schema_version": TRUTH_SCHEMA_VERSION,
        "video": video.name,
        "rttm": rttm_path(video).name,
        "duration_s": timeline.duration_s,
        "fps": timeline.fps,
        "width": size[0],
        "height": size[1],
        "sample_rate": SAMPLE_RATE,
        "generator": {
            "module": "bench.samplegen",
            "seed": seed,
            "source": "QMSum (Zhong et al., NAACL 2021): AMI meeting turns, topic and query spans",
            "meetings": sorted({t["meeting_id"] for t in timeline.turns}),
            "tts": f"flite 2.2 via libflite (voices {', '.join(realism.voices)}; name@f: resampled by f), 16 kHz mono",
            "word_times": (
                "from the same flite synthesis: each written token starts at the end of the phone "
                "before its first word's first phone and ends at its last word's last phone "
                "(libflite Segment relation, read through ctypes)"
            ),
            "text": "QMSum turns without {...} marks and fillers (um, uh, mm-hmm)"
                    + ("" if full_turns else ", at most 2 sentences / 30 words"),
            "realism": {k: v for k, v in asdict(realism).items() if k != "voices"},
        },
        "speakers": [{"speaker": s, "voice": v, "qmsum_speaker": q} for s, (v, q) in sorted(speakers.items())],
        # without slides a new topic shows nothing new: only the camera cuts are picture cuts
        "scene_cuts": [s[0] for s in timeline.shots()][1:] if realism.slides else timeline.camera_cuts,
        "camera_cuts": timeline.camera_cuts,  # the scene cuts that are not topic changes
        "topics": timeline.topics,
        "turns": timeline.turns,
        "words": timeline.words,
        "qa": qa,
    }


def load_truth(path: str | Path | None = None) -> dict[str, Any]:
    """Ground truth of a generated video: pass the .truth.json or the video; None = the bundled sample."""
    p = Path(path) if path is not None else samples_dir() / f"{SAMPLE_NAME}.mp4"
    if not p.name.endswith(".truth.json"):
        p = truth_path(p)
    return json.loads(p.read_text())


def _write_text(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------


def meeting_order(meetings: dict[str, Meeting], seed: int, first: str | None = SAMPLE_MEETING) -> list[Meeting]:
    """The sample's meeting first (so short videos are the sample's topics), the rest shuffled."""
    rest = sorted(m for m in meetings if m != first)
    random.Random(seed).shuffle(rest)
    head = [first] if first in meetings else []
    return [meetings[m] for m in head + rest]


def fit_topic_seconds(
    meetings: Sequence[Meeting], target_s: float, topic_seconds: float, realism: Realism = Realism()
) -> float:
    """Raise the per-topic budget until the meetings' estimated speech covers the target.

    An hour from the bundled QMSum meetings needs more than the default 45 s per topic;
    planning is cheap (no synthesis), so we simply try larger budgets.
    """
    for _ in range(12):
        planned = iter_topics(meetings, topic_seconds, {}, realism.voices, realism.top_speakers)
        if planned_seconds(list(planned), {}) >= target_s * 1.05:
            break
        topic_seconds *= 1.25
    return topic_seconds


def plan_and_speak(
    meetings: Sequence[Meeting], target_s: float, topic_seconds: float, workers: int, realism: Realism = Realism()
) -> tuple[list[PlannedTopic], list[Speech], dict[str, str]]:
    """Plan topics and synthesise them in batches until the real speech reaches the target.

    Estimates only decide how much to synthesise next; real lengths decide when to stop, so a
    long video neither falls short nor wastes much TTS time on turns that will be cut.
    """
    voice_of: dict[str, str] = {}
    upcoming = iter_topics(meetings, topic_seconds, voice_of, realism.voices, realism.top_speakers)
    topics: list[PlannedTopic] = []
    speeches: list[Speech] = []
    spoken_s = 0.0
    while spoken_s < target_s:
        batch: list[PlannedTopic] = []
        for topic in upcoming:
            batch.append(topic)
            if planned_seconds(batch, voice_of) >= (target_s - spoken_s) * 1.05:
                break
        if not batch:
            break  # the meetings ran out: the video is shorter than the target
        speeches += synthesize_all([(t.text, voice_of[t.qmsum_speaker]) for b in batch for t in b.turns], workers)
        topics += batch
        n_turns = sum(len(t.turns) for t in topics)
        spoken_s = sum(len(s.samples) for s in speeches) / SAMPLE_RATE + 0.45 * n_turns + 0.6 * len(topics)
    return topics, speeches, voice_of


def make_meeting_video(
    out_path: str | Path,
    target_duration_s: float,
    source: str | Path | None = None,
    seed: int = 0,
    fps: int | None = None,
    topic_seconds: float = TOPIC_SECONDS,
    meeting_ids: Sequence[str] | None = None,
    workers: int = 2,
    realism: Realism = Realism(),
    height: int = HEIGHT,
    full_turns: bool = False,
) -> dict[str, Any]:
    """Make a meeting video of about ``target_duration_s`` with its truth JSON and RTTM beside it.

    Topics are taken in meeting order (``meeting_ids``, or the sample's meeting then the rest,
    shuffled by ``seed``), each cut to ~``topic_seconds`` of speech (more if the meetings would
    not fill the target otherwise), until the target is reached; if even whole topics do not
    suffice, the video is shorter. ``realism`` adds similar voices, echo, noise and camera cuts.
    ``height``: frame height (720 = HD; the slides are scaled up). ``full_turns``: turns spoken
    whole (one long meeting can fill an hour with all its questions), not trimmed to 30 words.
    Returns the truth dict.
    """
    out = Path(out_path)
    fps = fps or (SAMPLE_FPS if target_duration_s <= 600 else BENCH_FPS)
    if SAMPLE_RATE % fps:
        raise ValueError(f"fps must divide {SAMPLE_RATE} so frames hold whole audio samples; got {fps}")
    meetings = load_meetings(Path(source) if source else None, full_turns)
    ordered = [meetings[m] for m in meeting_ids] if meeting_ids else meeting_order(meetings, seed)
    topic_seconds = fit_topic_seconds(ordered, target_duration_s, topic_seconds, realism)
    topics, speeches, voice_of = plan_and_speak(ordered, target_duration_s, topic_seconds, workers, realism)
    if not topics:
        raise ValueError(f"no speakable turns in meetings {[m.meeting_id for m in ordered]} of {source}")
    timeline = build_timeline(topics, speeches, voice_of, fps, random.Random(seed), target_duration_s)
    # Realism draws from its own seeded generators, so the truth above is the same with or without it.
    timeline.audio = apply_acoustics(timeline.audio, timeline.turns, realism, seed)
    if realism.camera_cut_s > 0:
        add_cutaways(timeline, realism.camera_cut_s, random.Random(f"camera-{seed}"))
    pictures = {
        (i, away): (draw_slide(t["title"], i, len(timeline.topics), cutaway=away, scale_to=height)
                    if realism.slides else draw_slide("", 0, 1, cutaway=away, scale_to=height, text=False))
        for i, t in enumerate(timeline.topics)
        for away in (False, True)
        if not away or realism.camera_cut_s > 0
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    encode_mp4(out, timeline, [pictures[(topic, away)] for _, topic, away in timeline.shots()])
    truth = build_truth(out, timeline, questions_in(timeline, meetings), seed, realism,
                        (pictures[(0, False)].shape[1], pictures[(0, False)].shape[0]), full_turns)
    _write_text(truth_path(out), json.dumps(truth, indent=1) + "\n")
    _write_text(rttm_path(out), "\n".join(rttm_lines(out.stem, timeline.turns)) + "\n")
    return truth


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.samplegen", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="output .mp4 (default: the bundled sample, or data/bench/ with --duration)")
    parser.add_argument("--duration", type=float, help=f"target seconds (default {SAMPLE_DURATION_S:.0f}: the sample)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fps", type=int, help=f"default {SAMPLE_FPS} up to 10 minutes, {BENCH_FPS} beyond")
    parser.add_argument("--topic-seconds", type=float, default=TOPIC_SECONDS, help="speech kept per topic")
    parser.add_argument("--source", type=Path, help="QMSum folder (default ../shared/data/qmsum or $HALO_QMSUM_DIR)")
    parser.add_argument("--workers", type=int, default=2, help="TTS processes")
    parser.add_argument("--meetings", nargs="+", help=f"meeting ids in order, e.g. {SAMPLE_MEETING} ES2002a")
    parser.add_argument("--height", type=int, default=HEIGHT, help="frame height, e.g. 720 for HD (16:9)")
    parser.add_argument("--full-turns", action="store_true",
                        help="speak turns whole (default: first 2 sentences / 30 words); with --topic-seconds 1e5 "
                             "one meeting fills the video as it was held")
    hard = parser.add_argument_group("realism (the truth stays the same; see Realism)")
    hard.add_argument("--voices", nargs="+", help=f"flite voices, name[@factor] (default {' '.join(VOICES)})")
    hard.add_argument("--similar-voices", action="store_true", help=f"the five similar voices {' '.join(SIMILAR_VOICES)}")
    hard.add_argument("--top-speakers", action="store_true", help="meetings with more people than voices keep the most talkative")
    hard.add_argument("--snr-db", type=float, help="pink background noise at this speech-to-noise ratio")
    hard.add_argument("--echo-rt60", type=float, default=0.0, help="room echo: reverberation time in seconds (e.g. 0.5)")
    hard.add_argument("--camera-cuts", type=float, default=0.0, help="cut away to another camera about every N seconds")
    hard.add_argument("--no-slides", action="store_true",
                      help="no slides: one picture without text for the whole meeting, as most recordings are")
    args = parser.parse_args(argv)
    voices = tuple(args.voices or (SIMILAR_VOICES if args.similar_voices else VOICES))
    try:
        for voice in voices:
            parse_voice(voice)
    except ValueError as exc:
        parser.error(str(exc))
    realism = Realism(voices, args.top_speakers, args.snr_db, args.echo_rt60, camera_cut_s=args.camera_cuts,
                      slides=not args.no_slides)
    sample = args.duration is None
    duration = SAMPLE_DURATION_S if sample else args.duration
    meetings = args.meetings or ([SAMPLE_MEETING] if sample else None)
    out = args.out or (
        samples_dir() / f"{SAMPLE_NAME}.mp4" if sample else data_dir() / "bench" / f"{SAMPLE_NAME}_{int(duration)}s.mp4"
    )
    truth = make_meeting_video(
        out, duration, args.source, args.seed, args.fps, args.topic_seconds, meetings, args.workers, realism,
        args.height, args.full_turns,
    )
    size_mb = out.stat().st_size / 1e6
    print(
        f"{out}: {truth['duration_s']:.1f} s, {size_mb:.2f} MB, {len(truth['topics'])} topics, "
        f"{len(truth['turns'])} turns, {len(truth['words'])} words, {len(truth['qa'])} questions"
    )


if __name__ == "__main__":
    main()
