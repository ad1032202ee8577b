"""Lecture-style videos with the truth of what every slide says, for on-screen text (OCR).

Same speech, timeline and truth as ``bench.samplegen`` (QMSum turns spoken by flite voices,
a cut when a topic starts), but the picture is a lecture slide per scene: the topic's title
and a few key terms of what is said under it, written large. Every other slide builds up: its
key terms appear only after 60 % of the scene, without a cut, as a presenter's bullet list
does; the scene's middle keyframe then shows the title alone, so reading the terms needs a
later frame. The truth JSON adds ``slides``: each on-screen state with its span and lines.

``slide_text=False`` draws the same slides without any text (colours and shapes only): the
video on which OCR must find nothing.

    python -m bench.samplegen_lecture --duration 120 --height 720 --out data/bench/lecture_720p.mp4
"""

from __future__ import annotations

import argparse
import json
import random
import re
import textwrap
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from bench import samplegen as sg
from halo.paths import data_dir
from halo.storage import atomic_path, write_bytes_atomic

LECTURE_FPS = 5  # slides are static; few frames keep encoding cheap
GOP_S = 5  # an I-frame at least every 5 s (what OCR reads between cuts)
REVEAL_AT = 0.6  # building slides show their key terms from this share of the scene on
N_TERMS = 3
# Slides vary in type face (sans, serif, regular, condensed), one per slide in turn; a face
# that is not installed falls back to samplegen's font.
_FONTS = (
    "dejavu/DejaVuSans-Bold.ttf", "liberation/LiberationSerif-Bold.ttf",
    "liberation/LiberationSans-Regular.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf",
)
_SPOKEN = frozenset(
    "about actually after again against alright around because before being between could doing "
    "don't every first going gonna great little maybe might other people pretty really right "
    "should something sound sounds still their there these thing things think those three through "
    "where which while would yeah years you're that's there's it's they're we're what's okay".split()
)


@dataclass
class LecturePlan:
    """Speech and topics laid out in time, before any picture is drawn (drawn at any size)."""

    timeline: sg.Timeline
    qa: list[dict[str, Any]]
    seed: int


def key_terms(texts: Sequence[str], title: str, n: int = N_TERMS) -> list[str]:
    """The topic's most repeated long words (first use breaks ties), not already in the title."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    skip = ENGLISH_STOP_WORDS | _SPOKEN | set(re.findall(r"[a-z]+", title.lower()))
    found = [w for t in texts for w in re.findall(r"[a-z][a-z']+", t.lower())]
    counts = Counter(w for w in found if len(w) >= 6 and w not in skip and "'" not in w)
    order = {w: i for i, w in reversed(list(enumerate(found)))}
    ranked = sorted(counts, key=lambda w: (-counts[w], order[w]))
    return [w.capitalize() for w in ranked[:n]]


def title_lines(title: str) -> list[str]:
    return textwrap.wrap(title, width=26)[:3]


def slide_states(plan: LecturePlan) -> list[dict[str, Any]]:
    """What each slide says and when: one state per slide, two for slides that build up."""
    tl = plan.timeline
    states: list[dict[str, Any]] = []
    for i, topic in enumerate(tl.topics):
        texts = [t["text"] for t in tl.turns if t["topic_id"] == i]
        title = title_lines(topic["title"])
        terms = key_terms(texts, topic["title"])
        start, end = float(topic["start"]), float(topic["end"])
        if i % 2 == 1 and terms:
            cut = round((start + REVEAL_AT * (end - start)) * tl.fps) / tl.fps
            states.append({"scene_id": i, "start": start, "end": cut, "title": title, "terms": []})
            start = cut
        states.append({"scene_id": i, "start": start, "end": end, "title": title, "terms": terms})
    return states


def _face(index: int, size: int) -> Any:
    from PIL import ImageFont

    path = Path("/usr/share/fonts/truetype") / _FONTS[index % len(_FONTS)]
    return ImageFont.truetype(str(path), size) if path.exists() else sg._font(size)


def _gradient(bg: tuple[int, int, int], width: int, height: int) -> Any:
    """The slide colour shading 20 % from top to bottom: darker if bright, brighter if dark."""
    from PIL import Image

    fade = np.linspace(1.0, 0.8 if sum(bg) > 380 else 1.2, height)[:, None, None]
    rows = np.clip(np.array(bg, float)[None, None, :] * fade, 0, 255).astype(np.uint8)
    return Image.fromarray(np.repeat(rows, width, axis=1), "RGB")


def draw_lecture_slide(state: dict[str, Any], height: int, slide_text: bool = True) -> np.ndarray:
    """An RGB 16:9 slide: a colour gradient, the title large, key terms as bullets, a few shapes."""
    from PIL import ImageDraw

    width = height * 16 // 9
    index = state["scene_id"]
    bg = sg._PALETTE[index % len(sg._PALETTE)]
    ink = (15, 15, 15) if sum(bg) > 380 else (250, 250, 250)
    accent = sg._PALETTE[(index + 3) % len(sg._PALETTE)]
    image = _gradient(bg, width, height)
    draw = ImageDraw.Draw(image)
    margin = width // 20
    if slide_text:
        title_font, term_font = _face(index, height // 13), _face(index, height // 17)
        draw.multiline_text((margin, height // 10), "\n".join(state["title"]), font=title_font, fill=ink,
                            spacing=height // 40)
        y = height // 10 + len(state["title"]) * (height // 13 + height // 40) + height // 15
        for term in state["terms"]:
            draw.text((margin + width // 30, y), f"\u2022 {term}", font=term_font, fill=ink)
            y += height // 17 + height // 30
    shapes = random.Random(index)
    size = height // 8
    for k in range(3):
        x = width - (k + 1) * (size + width // 25) + shapes.randint(-10, 10) * height // 720
        y = height - size - height // 12
        box = (x, y, x + size, y + size)
        kind = (index + k) % 3
        if kind == 0:
            draw.ellipse(box, fill=accent, outline=ink, width=max(2, height // 240))
        elif kind == 1:
            draw.rectangle(box, fill=accent, outline=ink, width=max(2, height // 240))
        else:
            draw.polygon([(x + size // 2, y), (x + size, y + size), (x, y + size)], fill=accent, outline=ink)
    return np.asarray(image)


def slide_truth(states: Sequence[dict[str, Any]], slide_text: bool = True) -> list[dict[str, Any]]:
    """The truth's ``slides``: each state's span and the lines ``draw_lecture_slide`` writes
    (title lines, then "• term" per key term; none without ``slide_text``)."""
    return [{"scene_id": s["scene_id"], "start": s["start"], "end": s["end"],
             "lines": (s["title"] + [f"\u2022 {t}" for t in s["terms"]]) if slide_text else []}
            for s in states]


def encode_states_mp4(path: Path, timeline: sg.Timeline, states: Sequence[dict[str, Any]],
                      images: Sequence[np.ndarray]) -> None:
    """H.264 + AAC MP4: each state's picture from its start frame, the timeline's audio beside it.

    Unlike ``samplegen.encode_mp4`` the size comes from the pictures and a picture may change
    inside a scene; an I-frame every ``GOP_S`` seconds, as screen recorders and encoders do.
    """
    import av

    fps = timeline.fps
    frame_len = sg.SAMPLE_RATE // fps
    n_frames = len(timeline.audio) // frame_len
    firsts = [int(round(s["start"] * fps)) for s in states] + [n_frames]
    height, width = images[0].shape[:2]
    with atomic_path(path) as tmp, av.open(str(tmp), "w", format="mp4") as out:
        options = {"preset": "veryfast", "crf": "28", "tune": "stillimage"}
        video = out.add_stream(sg._h264_encoder(), rate=fps, options=options)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = fps * GOP_S
        audio = out.add_stream("aac", rate=sg.SAMPLE_RATE, layout="mono")
        audio.bit_rate = 40_000
        yuv = [av.VideoFrame.from_ndarray(im, format="rgb24").reformat(format="yuv420p") for im in images]
        for k in range(len(states)):
            for i in range(firsts[k], firsts[k + 1]):
                frame = yuv[k]
                frame.pts, frame.time_base = i, Fraction(1, fps)
                out.mux(video.encode(frame))
                chunk = timeline.audio[i * frame_len : (i + 1) * frame_len]
                aframe = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
                aframe.sample_rate, aframe.pts = sg.SAMPLE_RATE, i * frame_len
                aframe.time_base = Fraction(1, sg.SAMPLE_RATE)
                out.mux(audio.encode(aframe))
        out.mux(video.encode(None))
        out.mux(audio.encode(None))


def plan_lecture(
    target_duration_s: float,
    source: str | Path | None = None,
    seed: int = 0,
    meeting_ids: Sequence[str] | None = None,
    topic_seconds: float = sg.TOPIC_SECONDS,
    workers: int = 2,
    fps: int = LECTURE_FPS,
) -> LecturePlan:
    """Speak and lay out the topics (the costly part), once for any number of renderings."""
    meetings = sg.load_meetings(Path(source) if source else None)
    ordered = [meetings[m] for m in meeting_ids] if meeting_ids else sg.meeting_order(meetings, seed)
    topic_seconds = sg.fit_topic_seconds(ordered, target_duration_s, topic_seconds)
    topics, speeches, voice_of = sg.plan_and_speak(ordered, target_duration_s, topic_seconds, workers)
    if not topics:
        raise ValueError(f"no speakable turns in meetings {[m.meeting_id for m in ordered]} of {source}")
    timeline = sg.build_timeline(topics, speeches, voice_of, fps, random.Random(seed), target_duration_s)
    return LecturePlan(timeline, sg.questions_in(timeline, meetings), seed)


def render_lecture(out_path: str | Path, plan: LecturePlan, height: int = 720, slide_text: bool = True) -> dict[str, Any]:
    """Draw, encode and write the truth (JSON with ``slides``) and RTTM beside the video."""
    out = Path(out_path)
    states = slide_states(plan)
    images = [draw_lecture_slide(s, height, slide_text) for s in states]
    out.parent.mkdir(parents=True, exist_ok=True)
    encode_states_mp4(out, plan.timeline, states, images)
    truth = sg.build_truth(out, plan.timeline, plan.qa, plan.seed)
    truth["width"], truth["height"] = images[0].shape[1], height
    truth["generator"]["module"] = "bench.samplegen_lecture"
    truth["generator"]["slides"] = (
        "one slide per topic: title and key terms (most repeated long words of its turns); every "
        f"other slide shows its terms only from {REVEAL_AT:.0%} of the scene on" if slide_text
        else "slides without text (colours and shapes only)"
    )
    truth["slides"] = slide_truth(states, slide_text)
    write_bytes_atomic(sg.truth_path(out), (json.dumps(truth, indent=1) + "\n").encode())
    rttm = "\n".join(sg.rttm_lines(out.stem, plan.timeline.turns)) + "\n"
    write_bytes_atomic(sg.rttm_path(out), rttm.encode())
    return truth


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.samplegen_lecture", description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120.0, help="target seconds")
    parser.add_argument("--height", type=int, nargs="+", default=[720], help="one video per height (16:9)")
    parser.add_argument("--out", type=Path, help="output .mp4 (default data/bench/lecture_<s>s_<h>p.mp4)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--meetings", nargs="+", help="QMSum meeting ids in order, e.g. val-1 val-3")
    parser.add_argument("--source", type=Path, help="QMSum folder (default ../shared/data/qmsum or $HALO_QMSUM_DIR)")
    parser.add_argument("--no-text", action="store_true", help="slides without text")
    parser.add_argument("--workers", type=int, default=2, help="TTS processes")
    args = parser.parse_args(argv)
    plan = plan_lecture(args.duration, args.source, args.seed, args.meetings, workers=args.workers)
    for h in args.height:
        out = args.out if args.out and len(args.height) == 1 else (
            data_dir() / "bench" / f"lecture_{int(args.duration)}s_{h}p{'_notext' if args.no_text else ''}.mp4")
        truth = render_lecture(out, plan, h, not args.no_text)
        print(f"{out}: {truth['duration_s']:.1f} s, {out.stat().st_size / 1e6:.2f} MB, {len(truth['slides'])} slide states")


if __name__ == "__main__":
    main()
