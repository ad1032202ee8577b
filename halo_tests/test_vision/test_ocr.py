"""On-screen text against the lecture generator's truth (QMSum reporting-half meeting val-1).

Slides say their topic's title and key terms; every other slide builds up without a cut, so its
terms are only readable from frames after the middle keyframe. Thresholds were set on tuning-half
meetings (val-2); the figures asserted here come from a reporting-half meeting.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, materialize

from bench import samplegen_lecture
from halo import registry
from halo.errors import ModelFileError
from halo.eval.ocr import slide_word_scores
from halo.store import parquet_root
from halo.vision import ocr
from halo.vision.marks import on_screen_lines
from halo.vision.ocr import OCR_COLUMNS, read_on_screen_text, restore_spaces, text_between, words
from halo.vision.scenes import detect_scenes
from halo.vision.slides import slide_titles, title_during
from halo_assets.ingest import video_file
from halo_assets.vision import on_screen_text, scenes
from halo_resources.environments import get_resources
from halo_tests.synth import make_portrait_video, portrait_slide

pytestmark = pytest.mark.skipif(shutil.which("flite") is None, reason="flite is not installed (apt-get install flite)")

REPORT_MEETING = "val-1"  # odd line of QMSum val: the reporting half (bench/splits.py)


@pytest.fixture(scope="module")
def lecture(tmp_path_factory):
    """One spoken lecture, rendered at 720p, 360p and 360p without text."""
    plan = samplegen_lecture.plan_lecture(100.0, meeting_ids=[REPORT_MEETING])
    root = tmp_path_factory.mktemp("lecture")
    videos = {}
    for name, height, with_text in (("720p", 720, True), ("360p", 360, True), ("notext", 360, False)):
        path = root / f"lecture_{name}.mp4"
        videos[name] = (path, samplegen_lecture.render_lecture(path, plan, height, with_text))
    return videos


def _read(path, tmp_path):
    found = detect_scenes(path, tmp_path / "keyframes")
    return found.scenes, read_on_screen_text(path, found.scenes)


def test_generator_truth_tiles_each_scene(lecture) -> None:
    _, truth = lecture["720p"]
    slides = truth["slides"]
    assert (truth["width"], truth["height"]) == (1280, 720)
    assert [s["scene_id"] for s in slides] == sorted(s["scene_id"] for s in slides)
    for prev, nxt in zip(slides, slides[1:]):
        assert prev["end"] == pytest.approx(nxt["start"])
    assert slides[-1]["end"] == pytest.approx(truth["duration_s"])
    builds = [s for s in slides if sum(t["scene_id"] == s["scene_id"] for t in slides) == 2]
    assert builds, "at least one slide must build up inside its scene"
    assert all(s["lines"] for s in slides)
    assert not any(s["lines"] for s in lecture["notext"][1]["slides"])


@pytest.mark.parametrize("name", ["720p", "360p"])
def test_slide_words_recall_and_precision(lecture, name, tmp_path) -> None:
    path, truth = lecture[name]
    _, result = _read(path, tmp_path)
    table = result.table
    scores = slide_word_scores(table, truth)
    assert scores.true_words >= 20
    assert scores.recall >= 0.9 and scores.precision >= 0.9, scores
    assert list(table.columns) == OCR_COLUMNS and (table["confidence"] >= ocr.OcrConfig().min_confidence).all()
    # Reading order: within one read frame, the title comes before the key terms.
    for state in truth["slides"]:
        rows = table[(table["frame_s"] >= state["start"]) & (table["frame_s"] < state["end"])]
        if len(rows):
            first_title_word = words(state["lines"][0])[0]
            assert words(rows.iloc[0]["text"])[0] == first_title_word
    # Slide titles (the first run of the largest lines) are the truth's titles, word for word.
    titles = slide_titles(table)
    same = [words(title_during(titles, s["start"], s["end"])) == words(" ".join(l for l in s["lines"] if l[0] != "\u2022"))
            for s in truth["slides"]]
    assert sum(same) >= 0.9 * len(same), same
    # A slide that builds up: its terms are read after the keyframe, from about when they appear.
    for before, after in zip(truth["slides"], truth["slides"][1:]):
        if before["scene_id"] == after["scene_id"]:
            term = words(after["lines"][-1])[-1]
            rows = table[table["text"].map(lambda t: term in words(t))]
            assert len(rows), f"term {term!r} of a building slide was not read"
            assert abs(rows["start"].min() - after["start"]) <= samplegen_lecture.GOP_S


def test_video_without_text_gives_an_empty_table(lecture, tmp_path) -> None:
    path, _ = lecture["notext"]
    found, result = _read(path, tmp_path)
    assert len(found) >= 2 and result.frames_read >= len(found)
    assert result.table.empty and list(result.table.columns) == OCR_COLUMNS
    assert result.characters == 0


def test_asset_reports_frames_characters_and_seconds(lecture, data_root) -> None:
    path, truth = lecture["360p"]
    video = data_root / "videos" / "Lecture.mp4"
    video.parent.mkdir(parents=True)
    shutil.copy(path, video)
    entry, _ = registry.register(video)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("videos", [entry.video_id])
    result = materialize([video_file, scenes, on_screen_text], partition_key=entry.video_id,
                         instance=instance, resources=get_resources())
    assert result.success
    meta = result.asset_materializations_for_node("on_screen_text")[0].metadata
    table = pd.read_parquet(parquet_root() / "on_screen_text" / f"{entry.video_id}.parquet")
    assert meta["frames_read"].value >= len(pd.read_parquet(parquet_root() / "scenes" / f"{entry.video_id}.parquet"))
    assert meta["characters"].value == int(table["text"].str.len().sum()) > 0
    assert meta["processing_s"].value > 0
    assert slide_word_scores(table, truth).recall >= 0.9


def test_asset_is_wired_after_scenes_and_partitioned_by_video() -> None:
    from halo_assets.definitions import defs

    node = defs.resolve_asset_graph().get(AssetKey("on_screen_text"))
    assert {k.to_user_string() for k in node.parent_keys} == {"video_file", "scenes"}
    assert node.partitions_def is not None and node.partitions_def.name == "videos"


def test_restore_spaces_splits_glued_words_but_keeps_names() -> None:
    assert restore_spaces("Thefinancial blueprintof") == "The financial blueprint of"
    assert restore_spaces("theremotecontrol") == "the remote control"
    assert restore_spaces("Topic1of5") == "Topic 1 of 5"
    for kept in ("Kubernetes", "PyTorch", "Dagster", "self-introduction", "HALO 2.0", "H264", "mp4"):
        assert restore_spaces(kept) == kept


def test_lines_are_grouped_and_ordered_top_down_left_to_right() -> None:
    def box(x0, y0, x1, y1):
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], float)

    boxes = [(box(300, 102, 400, 140), "world", 0.9), (box(10, 200, 200, 240), "second", 0.9),
             (box(10, 100, 250, 138), "hello", 0.9)]
    lines = [ocr._join(line, 400) for line in ocr._group_lines(boxes)]
    assert [t for t, _, _ in lines] == ["hello world", "second"]
    assert [h for _, _, h in lines] == [pytest.approx(0.095, abs=0.003), pytest.approx(0.1)]


def test_text_between_returns_lines_shown_in_a_span() -> None:
    table = pd.DataFrame([
        {"scene_id": 0, "start": 0.0, "end": 10.0, "frame_s": 5.0, "text": "Intro", "confidence": 0.99},
        {"scene_id": 1, "start": 10.0, "end": 20.0, "frame_s": 15.0, "text": "Budget", "confidence": 0.99},
    ])
    assert text_between(table, 8.0, 12.0) == ["Intro", "Budget"]
    assert text_between(table, 12.0, 18.0) == ["Budget"]
    assert text_between(table, 9.8, 20.0) == ["Budget"]  # Intro's last 0.2 s: a cut's jitter, not this span's slide
    assert text_between(table, 0.0, 10.5) == ["Intro", "Budget"]  # Budget appears inside the span: its time is right
    short = table.assign(end=[0.5, 20.0])
    assert text_between(short, 0.0, 20.0) == ["Intro", "Budget"]  # shown briefly but wholly inside: kept
    assert text_between(table.iloc[:0], 0.0, 5.0) == []


def test_a_swapped_model_file_fails_loudly(monkeypatch) -> None:
    det, rec = ocr.ocr_model_paths()
    assert det.name == ocr.DET_MODEL and rec.name == ocr.REC_MODEL
    monkeypatch.setitem(ocr.MODEL_SHA256, ocr.REC_MODEL, "0" * 64)
    with pytest.raises(ModelFileError, match="corrupt"):
        ocr.ocr_model_paths()


def test_chunk_text_gets_the_slide_text_of_its_span_marked() -> None:
    table = pd.DataFrame([
        {"scene_id": 0, "start": 0.0, "end": 10.0, "frame_s": 5.0, "text": "Quarterly budget", "confidence": 0.99},
        {"scene_id": 0, "start": 0.0, "end": 10.0, "frame_s": 5.0, "text": "Euros", "confidence": 0.98},
    ])
    assert ocr.with_on_screen_text("we spend", table, 2.0, 8.0) == "we spend\n[on screen] [00:02] Quarterly budget | Euros"
    assert ocr.with_on_screen_text("later", table, 10.0, 20.0) == "later"
    built = pd.concat([table.assign(end=6.0), table.assign(start=6.0, text=["Quarterly budget", "Taxes"])])
    assert ocr.with_on_screen_text("we spend", built, 2.0, 8.0) == (
        "we spend\n[on screen] [00:02] Quarterly budget | Euros\n[on screen] [00:06] Quarterly budget | Taxes")
    assert on_screen_lines(ocr.with_on_screen_text("we spend", built, 2.0, 8.0)) == [
        (2.0, "[on screen] Quarterly budget | Euros"), (6.0, "[on screen] Quarterly budget | Taxes")]
    assert on_screen_lines("we spend [on screen] nothing timed") == []
    grows = pd.concat([table.iloc[:1].assign(end=6.0), table.assign(start=6.0)])  # the title, then title + bullet
    assert ocr.with_on_screen_text("we spend", grows, 2.0, 8.0) == "we spend\n[on screen] [00:06] Quarterly budget | Euros"
    assert ocr.with_on_screen_text("we spend", grows, 2.0, 5.0) == "we spend\n[on screen] [00:02] Quarterly budget"


def test_chunks_get_slide_text_without_moving_boundaries() -> None:
    chunks = pd.DataFrame({"chunk_id": [0, 1], "start": [0.0, 12.0], "end": [12.0, 30.0], "n_tokens": [2, 1],
                           "text": ["we spend money", "later"]})
    table = pd.DataFrame([{"scene_id": 0, "start": 0.0, "end": 10.0, "frame_s": 5.0,
                           "text": "Quarterly budget", "confidence": 0.99}])
    out = ocr.chunks_with_on_screen_text(chunks, table)
    assert out[["chunk_id", "start", "end"]].equals(chunks[["chunk_id", "start", "end"]])
    assert out["text"].tolist() == ["we spend money\n[on screen] [00:00] Quarterly budget", "later"]
    assert out["n_tokens"].iloc[0] > chunks["n_tokens"].iloc[0] and out["n_tokens"].iloc[1] == 1
    assert ocr.chunks_with_on_screen_text(chunks, table.iloc[:0]) is chunks


def test_bundled_sample_slides_are_read(tmp_path) -> None:
    """samplegen's meeting slides (another layout: a small "Topic k of n" over the title, 360p)."""
    import textwrap

    from halo.paths import samples_dir
    from bench.samplegen import load_truth

    truth = load_truth()
    bounds = [0.0, *truth["scene_cuts"], truth["duration_s"]]
    n = len(truth["topics"])
    slides = {"slides": [
        {"start": bounds[i], "end": bounds[i + 1],
         "lines": [f"Topic {i + 1} of {n}", *textwrap.wrap(t["title"], width=26)[:4]]}
        for i, t in enumerate(truth["topics"])
    ]}
    _, result = _read(samples_dir() / "meeting.mp4", tmp_path)
    scores = slide_word_scores(result.table, slides)
    assert scores.recall >= 0.9 and scores.precision >= 0.9, scores


def test_a_portrait_phone_video_is_read_upright(tmp_path) -> None:
    """A phone stores a portrait video sideways with a display rotation: its keyframe was saved
    on its side and OCR read the slide as one line, bottom line first ("Two AA cells BATTERY PLAN"
    on a real one). The line added in the scene's second half is read from an I-frame, upright too."""
    import cv2

    pictures = [portrait_slide(), portrait_slide(), portrait_slide("Ask Alice"), portrait_slide("Ask Alice")]
    scenes, result = _read(make_portrait_video(tmp_path / "phone.mp4", pictures, seconds_each=3.0), tmp_path)
    assert len(scenes) == 1 and cv2.imread(scenes["keyframe_path"].iloc[0]).shape[:2] == (640, 360)
    assert result.table["text"].tolist() == ["BATTERY PLAN", "Vote next week", "BATTERY PLAN", "Vote next week",
                                             "Ask Alice"]


def test_a_file_without_pictures_gives_an_empty_table() -> None:
    """Podcasts have no scenes (issue 13): nothing is decoded and the table is empty."""
    from halo.paths import samples_dir
    from halo.vision.scenes import empty_scenes

    result = read_on_screen_text(samples_dir() / "meeting.mp4", empty_scenes())
    assert result.table.empty and list(result.table.columns) == OCR_COLUMNS and result.frames_read == 0
