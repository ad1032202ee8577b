"""On-screen text: what the slides say, read offline with PP-OCRv4 (RapidOCR on ONNX Runtime).

Lectures and talks put their key words on screen, so a question about "the slide" needs the
slide's text. Reading every frame would cost more than the rest of the pipeline; slides change
rarely, so we read few frames:

* each scene's keyframe (the middle frame the ``scenes`` asset already saved), always;
* inside scenes longer than ``long_scene_s``, the video's own I-frames (decoded alone with
  FFmpeg's ``skip_frame=NONKEY``, so the P/B frames in between are never decoded) become
  candidates, and a candidate is read only if its small grey thumbnail differs from every frame
  already read in that scene (a slide that changes without a cut: a bullet list that builds up).
  The bar was 20 s, and a 20-s slide whose bullets came up after 60 % of it was never read past
  its title (issue 14). A change after the middle keyframe is seen only by an I-frame in the
  scene's second half, ``edge_s`` short of the cut; under 10 s that stretch is under 4 s, which
  the I-frame interval of the generated lectures (5 s) and of common encoders (2-10 s) often
  skips, so below 10 s there is little to gain. Above it the cost is small: the stream's
  I-frames are decoded once as soon as one scene qualifies, a thumbnail each is compared, and a
  frame is read only where the picture changed.

Each read frame's text holds from the first candidate that looks like it until the first
candidate that looks like another read frame; so rows carry the span in which that text was on
screen. A change is dated at the first frame seen showing it, not halfway to the frame before:
the change happened somewhere between the two, and halfway put a slide's bullets up to half an
I-frame interval (2.5 s on the generated lectures) before they were shown, so an answer citing
them pointed at a moment they were not yet on screen. Dated at the frame, a state starts late
by at most one interval and never early.

Boxes below ``min_confidence`` are dropped (low-scoring boxes on a picture without text are
shapes and textures read as letters), the rest are grouped into lines and put in reading order
(top to bottom, left to right within a line).

The detection and recognition models ship inside the rapidocr-onnxruntime wheel and are checked
against pinned sha256 sums before they are loaded.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import cv2
import numpy as np
import pandas as pd

from halo.errors import MediaError, ModelFileError
from halo.media import ffmpeg_reason, picture_streams, upright_bgr
from halo.model_files import verify_file
from halo.vision.marks import ON_SCREEN_MARK

OCR_COLUMNS = ["scene_id", "start", "end", "frame_s", "text", "confidence", "height"]

DET_MODEL = "ch_PP-OCRv4_det_infer.onnx"
REC_MODEL = "ch_PP-OCRv4_rec_infer.onnx"
MODEL_SHA256 = {
    DET_MODEL: "d2a7720d45a54257208b1e13e36a8479894cb74155a5efe29462512d42f49da9",
    REC_MODEL: "48fc40f24f6d2a207a2b1091d3437eb3cc3eb6b676dc3ef9c37384005483683b",
}
_THUMB = (160, 90)  # thumbnail size (w, h) on which frames are compared
_ALNUM = re.compile(r"[A-Za-z0-9]")
_LETTERS = re.compile(r"[A-Za-z]{6,}")
_MIXED = re.compile(r"\b(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*[0-9])[A-Za-z0-9]+\b")
_RUNS = re.compile(r"[A-Za-z]+|[0-9]+")
_SHORT_WORDS = frozenset("a an as at be by do i if in is it of on or so to up we".split())
_COMMON_RANK = 30_000  # a split's longer pieces must be among this many most frequent words


@dataclass(frozen=True)
class OcrConfig:
    """How much is read and what is kept. Defaults suit slides at 360p and above."""

    min_confidence: float = 0.8  # recogniser score below which a box is dropped
    long_scene_s: float = 10.0  # scenes longer than this get extra frames read (see the module docstring)
    min_read_gap_s: float = 8.0  # at most one extra read per this many seconds in a scene
    edge_s: float = 1.0  # candidates this close to a cut are skipped (fades, encoder lag)
    change_fraction: float = 0.004  # share of thumbnail pixels that must change to read again
    pixel_delta: int = 24  # grey-level difference that counts a thumbnail pixel as changed
    det_max_side: int = 640  # text is detected on a copy scaled down to this longest side
    threads: int = 1  # ONNX Runtime threads: one keeps OCR cheap beside the other stages


@dataclass(frozen=True)
class OcrResult:
    """The table and what it cost, for the asset's metadata and the benchmark."""

    table: pd.DataFrame
    frames_read: int
    candidates: int
    seconds: float

    @property
    def characters(self) -> int:
        return int(self.table["text"].str.len().sum()) if len(self.table) else 0


def ocr_model_paths() -> tuple[Path, Path]:
    """The PP-OCRv4 detection and recognition ONNX files inside the rapidocr-onnxruntime wheel."""
    try:
        import rapidocr_onnxruntime
    except ImportError as exc:
        raise ModelFileError(
            "rapidocr-onnxruntime is not installed. Fix: pip install rapidocr-onnxruntime==1.4.4"
        ) from exc
    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    fix = "reinstall it: pip install --force-reinstall rapidocr-onnxruntime==1.4.4"
    det, rec = (verify_file(models / name, MODEL_SHA256[name], fix) for name in (DET_MODEL, REC_MODEL))
    return det, rec


@lru_cache(maxsize=2)
def _engine(threads: int) -> Any:
    from rapidocr_onnxruntime import RapidOCR

    det, rec = ocr_model_paths()
    return RapidOCR(
        use_cls=False,  # slides are upright; the angle classifier would only cost time
        det_model_path=str(det),
        rec_model_path=str(rec),
        det_limit_type="max",  # never upscale for detection
        intra_op_num_threads=threads,
        inter_op_num_threads=1,
    )


def _recognise(engine: Any, image_bgr: np.ndarray, det_max_side: int) -> list[tuple[np.ndarray, str, float]]:
    """(box, text, score) per text box: detection on a copy scaled to ``det_max_side``, recognition
    on crops of the full-size picture.

    Detection's cost grows with the pixels while slide text stays easy to find at 640 px;
    recognition scales every crop to 48 px high anyway, so full-size crops cost no more and keep
    small text legible. (RapidOCR 1.4.4's own "max" limit ignores the side length it is given,
    hence the steps are called here.)
    """
    scale = min(1.0, det_max_side / max(image_bgr.shape[:2]))
    small = cv2.resize(image_bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image_bgr
    boxes, _ = engine.auto_text_det(small)
    if not boxes:
        return []
    boxes = [np.asarray(b, dtype=np.float32) / scale for b in boxes]
    recognised, _ = engine.text_rec(engine.get_crop_img_list(image_bgr, boxes), False)
    return [(b, r[0], float(r[1])) for b, r in zip(boxes, recognised)]


def read_lines(image_bgr: np.ndarray, settings: OcrConfig = OcrConfig()) -> list[tuple[str, float, float]]:
    """Text lines of one picture in reading order, each with its confidence (char-weighted mean)
    and its height as a share of the picture's (how large it is written: titles are largest)."""
    engine = _engine(settings.threads)
    boxes = [
        (box, restore_spaces(text.strip()), score)
        for box, text, score in _recognise(engine, image_bgr, settings.det_max_side)
        if score >= settings.min_confidence and _ALNUM.search(text)
    ]
    return [_join(line, image_bgr.shape[0]) for line in _group_lines(boxes)]


@lru_cache(maxsize=1)
def _word_ranks() -> tuple[Any, dict[str, float], float]:
    import math

    import wordninja

    model = wordninja.DEFAULT_LANGUAGE_MODEL
    return model, model._wordcost, math.log(len(model._wordcost))


def _split_glued(run: str) -> str:
    """``theremotecontrol`` -> ``the remote control``; unknown words stay whole.

    The PP-OCRv4 recogniser (trained mostly on Chinese) often drops the spaces of a line of
    English. A run of letters that is not a word is split where English word frequencies say
    (wordninja), but only if every piece is a common word (rank <= _COMMON_RANK) or one of a
    few short function words; otherwise names like "Kubernetes" would become "Ku berne tes".
    """
    model, cost, _ = _word_ranks()
    if run.lower() in cost:
        return run
    pieces = model.split(run)
    return " ".join(pieces) if len(pieces) > 1 and all(_is_common(p) for p in pieces) else run


def _is_common(word: str) -> bool:
    _, cost, log_n = _word_ranks()
    if len(word) <= 2:
        return word.lower() in _SHORT_WORDS
    return cost.get(word.lower(), 1e9) <= np.log(_COMMON_RANK * log_n)


def _split_numbers(token: str) -> str:
    """``Topic1of5`` -> ``Topic 1 of 5`` when every letter run is a common word; ``H264`` stays."""
    runs = _RUNS.findall(token)
    return " ".join(runs) if all(r.isdigit() or _is_common(r) for r in runs) else token


def restore_spaces(text: str) -> str:
    """The recognised text with spaces put back into runs of glued English words and numbers."""
    text = _MIXED.sub(lambda m: _split_numbers(m.group(0)), text)
    return _LETTERS.sub(lambda m: _split_glued(m.group(0)), text)


def _group_lines(boxes: list[tuple[np.ndarray, str, float]]) -> list[list[tuple[np.ndarray, str, float]]]:
    """Boxes whose vertical centres lie within half a box height form one line; lines top-down."""
    lines: list[list[tuple[np.ndarray, str, float]]] = []
    for item in sorted(boxes, key=lambda b: b[0][:, 1].mean()):
        box = item[0]
        centre, height = box[:, 1].mean(), np.ptp(box[:, 1])
        last = lines[-1] if lines else None
        if last is not None and abs(last[-1][0][:, 1].mean() - centre) <= 0.5 * max(height, np.ptp(last[-1][0][:, 1])):
            last.append(item)
        else:
            lines.append([item])
    return [sorted(line, key=lambda b: b[0][:, 0].min()) for line in lines]


def _join(line: list[tuple[np.ndarray, str, float]], picture_height: int) -> tuple[str, float, float]:
    """(text, char-weighted confidence, median box height / picture height) of one line."""
    text = " ".join(t for _, t, _ in line)
    chars = sum(len(t) for _, t, _ in line)
    height = float(np.median([np.ptp(b[:, 1]) for b, _, _ in line])) / max(picture_height, 1)
    return text, round(sum(len(t) * s for _, t, s in line) / max(chars, 1), 4), round(height, 4)


def thumbnail(image_bgr: np.ndarray) -> np.ndarray:
    """A small grey copy, on which two frames are compared."""
    grey = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
    return cv2.resize(grey, _THUMB, interpolation=cv2.INTER_AREA)


def changed_fraction(a: np.ndarray, b: np.ndarray, pixel_delta: int) -> float:
    """Share of thumbnail pixels whose grey level differs by more than ``pixel_delta``."""
    return float(np.mean(cv2.absdiff(a, b) > pixel_delta))


@dataclass
class _Read:
    time_s: float
    thumb: np.ndarray
    lines: list[tuple[str, float, float]]


@dataclass
class _Scene:
    scene_id: int
    start: float
    end: float
    reads: list[_Read]
    seen: list[tuple[float, int]]  # (time, index of the read it looks like), every candidate
    last_extra: float = float("-inf")


def _iframes(path: Path, wanted: Callable[[float], bool]) -> Iterator[tuple[float, Any]]:
    """(time, frame) for each I-frame of the video for which ``wanted(time)`` is true.

    Times count from the stream's first picture, as the scene times do."""
    import av

    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"{path} could not be opened to read on-screen text: {ffmpeg_reason(exc)}") from exc
    with container:
        pictures = picture_streams(container)  # cover art is not the video
        if not pictures:
            return
        stream = pictures[0]
        stream.codec_context.skip_frame = "NONKEY"
        stream.thread_type = "AUTO"
        offset = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
        for frame in container.decode(stream):
            if frame.time is not None and wanted(float(frame.time) - offset):
                yield float(frame.time) - offset, frame


def _nearest_read(scene: _Scene, thumb: np.ndarray, pixel_delta: int) -> tuple[int, float]:
    diffs = [changed_fraction(r.thumb, thumb, pixel_delta) for r in scene.reads]
    best = int(np.argmin(diffs))
    return best, diffs[best]


def read_on_screen_text(
    video: Path, scenes: pd.DataFrame, settings: OcrConfig = OcrConfig()
) -> OcrResult:
    """On-screen text of ``video`` given its ``scenes`` table (scene_id, start, end, keyframe_path).

    Returns one row per text line per stretch of time it was on screen, in time then reading
    order; a video without text gives an empty table with the same columns.
    """
    t0 = time.perf_counter()
    states: list[_Scene] = []
    for row in scenes.itertuples(index=False):
        image = cv2.imread(str(row.keyframe_path))
        if image is None:
            raise MediaError(
                f"Keyframe {row.keyframe_path} of {video} is missing or unreadable. "
                "Fix: materialize the `scenes` asset again."
            )
        mid = (float(row.start) + float(row.end)) / 2
        read = _Read(mid, thumbnail(image), read_lines(image, settings))
        states.append(_Scene(int(row.scene_id), float(row.start), float(row.end), [read], [(mid, 0)]))
    long_scenes = [s for s in states if s.end - s.start > settings.long_scene_s]
    candidates = 0
    if long_scenes:
        starts = [s.start for s in long_scenes]

        def owner(t: float) -> _Scene | None:
            i = int(np.searchsorted(starts, t, side="right")) - 1
            s = long_scenes[i] if i >= 0 else None
            return s if s is not None and s.start + settings.edge_s <= t <= s.end - settings.edge_s else None

        for t, frame in _iframes(Path(video), lambda t: owner(t) is not None):
            scene = owner(t)
            assert scene is not None
            candidates += 1
            image = upright_bgr(frame)
            thumb = thumbnail(image)
            best, diff = _nearest_read(scene, thumb, settings.pixel_delta)
            if diff > settings.change_fraction and t - scene.last_extra >= settings.min_read_gap_s:
                scene.reads.append(_Read(t, thumb, read_lines(image, settings)))
                scene.last_extra = t
                best = len(scene.reads) - 1
            scene.seen.append((t, best))
    table = _table(states)
    frames_read = sum(len(s.reads) for s in states)
    return OcrResult(table, frames_read, candidates + len(states), time.perf_counter() - t0)


def _runs(scene: _Scene) -> list[tuple[float, float, int]]:
    """(start, end, read index): stretches of the scene in which one read's picture was shown;
    each after the first starts at the first frame seen showing it (see the module docstring)."""
    seen = sorted(scene.seen)
    runs: list[tuple[float, float, int]] = []
    start = scene.start
    for k, (_, idx) in enumerate(seen):
        nxt = seen[k + 1] if k + 1 < len(seen) else None
        if nxt is None or nxt[1] != idx:
            end = scene.end if nxt is None else nxt[0]
            runs.append((start, end, idx))
            start = end
    return runs


def _table(scenes: Sequence[_Scene]) -> pd.DataFrame:
    rows = [
        {"scene_id": s.scene_id, "start": round(a, 3), "end": round(b, 3), "frame_s": round(s.reads[i].time_s, 3),
         "text": text, "confidence": conf, "height": height}
        for s in scenes
        for a, b, i in _runs(s)
        for text, conf, height in s.reads[i].lines
    ]
    df = pd.DataFrame(rows, columns=OCR_COLUMNS)
    return df.astype({"scene_id": "int64", "start": "float64", "end": "float64", "frame_s": "float64",
                      "text": "object", "confidence": "float64", "height": "float64"})


def words(text: str) -> list[str]:
    """Lower-case words and numbers of a text: how slide text is compared with the truth."""
    return re.findall(r"[a-z0-9]+", text.lower())


EDGE_S = 2.0  # a screen state already up that leaves a span within this (of a longer showing) is not its


def shown_between(table: pd.DataFrame, start: float, end: float) -> list[tuple[float, list[str]]]:
    """What was on screen in [start, end): (time it appeared, its lines) per screen state.

    A state's time is when its frame's text took over, or ``start`` if it was already up; each
    state lists all its lines. A state whose lines all stay on screen in the next one (a slide
    that builds up: the title alone, then the title with its bullets) is left out for that
    next, fuller state: when both were listed, a question naming the title and asking for the
    bullets matched the shorter title-only line best and cited a time before the bullets were
    shown; the fuller state still answers for the title, at a time inside that slide's span.

    A state already up when the span begins that leaves within ``EDGE_S`` (and was shown
    longer than that) is left out: chunk and scene cuts fall a fraction of a second apart, and
    the previous slide's last instant inside a chunk made that chunk answer, and cite, questions
    about that slide. A state that appears inside the span is kept however late: its time is
    inside its own showing, so citing it is right, and cut at both ends a build-up in the last
    seconds of a video (bullets read 1.8 s before a chunk cut, 1.4 s before the end) was in no
    chunk at all.
    """
    if table.empty:
        return []
    overlap = table["end"].clip(upper=end) - table["start"].clip(lower=start)
    tail = (table["start"] < start) & (overlap < np.minimum(EDGE_S, table["end"] - table["start"]))
    shown = table[(overlap > 0) & ~tail]
    states: dict[float, list[str]] = {}
    for t, line in zip(shown["start"].clip(lower=start), shown["text"]):
        lines = states.setdefault(float(t), [])
        if line not in lines:
            lines.append(str(line))
    out: list[tuple[float, list[str]]] = []
    for t, lines in sorted(states.items()):
        if out and set(out[-1][1]) <= set(lines):
            out.pop()  # the slide built up: its fuller state stands for it (see below)
        if not out or out[-1][1] != lines:
            out.append((t, lines))
    return out


def text_between(table: pd.DataFrame, start: float, end: float) -> list[str]:
    """Distinct on-screen lines shown at any time in [start, end), in order of appearance."""
    return list(dict.fromkeys(line for _, lines in shown_between(table, start, end) for line in lines))


def with_on_screen_text(text: str, table: pd.DataFrame, start: float, end: float) -> str:
    """``text`` (a chunk's words) plus the slide lines shown during [start, end), marked and timed.

    For the chunk text used in retrieval and the Gemini prompts: the mark tells the model the
    words were on screen, not spoken, so an answer can say "the slide read ..."; the [mm:ss]
    time (as in transcript lines) is when they appeared, so the answer can cite it. One marked
    line per screen state. Unchanged when nothing was on screen.
    """
    from halo.llm.prompts import clock

    marked = [f"{ON_SCREEN_MARK} [{clock(t)}] " + " | ".join(lines) for t, lines in shown_between(table, start, end)]
    return "\n".join([text, *marked]) if marked else text


def chunks_with_on_screen_text(chunks: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """``chunks`` whose ``text`` also carries the slide lines of each chunk's span, marked.

    Applied after the boundaries are chosen (they come from the utterances alone), so slides
    change what retrieval and the summary prompts read, never where chunks are cut. ``n_tokens``
    is recounted because it stands for what a prompt with this text costs.
    """
    if table.empty or chunks.empty:
        return chunks
    from halo.text.tokens import count_tokens

    out = chunks.copy()
    out["text"] = [with_on_screen_text(str(t), table, float(s), float(e))
                   for t, s, e in zip(out["text"], out["start"], out["end"])]
    out["n_tokens"] = [int(n) for n in count_tokens(out["text"].tolist())]
    return out
