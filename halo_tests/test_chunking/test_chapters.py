"""Offline chapters (halo.chunking.chapters): runs of whole chunks, one per topic, a handful per hour.

Ground truth: topics built into the chunk vectors; a real QMSum meeting's human topic spans
(bundled tuning-half subset), chunked as production chunks it; the bundled sample's chunks.
"""

from __future__ import annotations

import numpy as np
import pytest

from halo.chunking.chapters import MIN_CHAPTERS, MINUTES_PER_CHAPTER, chapter_count, chapter_starts


def topic_chunks(topic_sizes: list[int], chunk_s: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Chunk vectors (a topic's direction + noise as large), times, and the true first chunk of each topic."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(len(topic_sizes), 384))
    rows, firsts = [], []
    for topic, size in enumerate(topic_sizes):
        firsts.append(len(rows))
        for _ in range(size):
            v = directions[topic] / np.linalg.norm(directions[topic]) + rng.normal(size=384) / np.sqrt(384)
            rows.append(v / np.linalg.norm(v))
    starts = np.arange(len(rows)) * chunk_s
    return np.array(rows), starts, starts + chunk_s, firsts


def test_an_hour_of_chunks_gets_one_chapter_per_topic_at_the_topic_starts() -> None:
    sizes = [6, 9, 7, 11, 7]  # 40 chunks over 5 topics of unequal length
    chunk_s = MINUTES_PER_CHAPTER * 60 * len(sizes) / sum(sizes)  # the rule of duration asks for 5
    vectors, starts, ends, truth = topic_chunks(sizes, chunk_s)
    assert chapter_count(float(ends[-1]), len(starts)) == len(sizes)
    assert chapter_starts(vectors, starts, ends) == truth


def test_a_short_video_still_gets_three_chapters_and_never_more_than_its_chunks() -> None:
    vectors, starts, ends, truth = topic_chunks([1, 1, 1, 1, 1], 42.0)  # the sample: 5 topics in 3.5 min
    firsts = chapter_starts(vectors, starts, ends)
    assert len(firsts) == MIN_CHAPTERS and firsts[0] == 0 and firsts == sorted(set(firsts))
    assert chapter_starts(vectors[:2], starts[:2], ends[:2]) == [0, 1]
    assert chapter_starts(vectors[:1], starts[:1], ends[:1]) == [0]
    assert chapter_starts(vectors[:0], starts[:0], ends[:0]) == []


@pytest.fixture(scope="module")
def meeting():
    """val.jsonl#22 of the bundled tuning-half subset: 65 min (2.5 words/s), 7 human topic segments,
    chunked as production chunks a video; its chunks' local summaries, as video_summary gets them."""
    from halo.chunking.rules import ChunkingConfig, chunk_utterances
    from halo.eval.datasets import load_qmsum
    from halo.eval.ppo import BUNDLED_QMSUM
    from halo.eval.segmentation import text_utterances
    from halo.llm.local import summarize_text
    from halo.text.embed import embed_texts

    doc = next(d for d in load_qmsum(BUNDLED_QMSUM) if d.doc_id == "val.jsonl#22")
    utterances = text_utterances(doc)
    chunks = chunk_utterances(utterances, embed_texts(doc.units), ChunkingConfig(),
                              coherence_fn=lambda g: [1.0] * len(g), token_fn=lambda t: [0] * len(t)).chunks
    parts = [(float(c.start), float(c.end), summarize_text(c.text)) for c in chunks.itertuples()]
    return doc, chunks, parts


def test_chapters_of_a_real_meeting_follow_its_topics_better_than_chunks_or_none(meeting) -> None:
    from halo.chunking.dp import cuts_to_masses
    from halo.chunking.metrics import pk
    from halo.llm.summarize import local_chapters

    doc, chunks, parts = meeting
    chapters = local_chapters(parts)
    first_utt = dict(zip(chunks["start"], chunks["first_utt"]))
    assert {c["start"] for c in chapters} <= set(chunks["start"]) and chapters[0]["start"] == 0.0

    def error(starts: list[float]) -> float:
        cuts = sorted({int(first_utt[s]) for s in starts} - {0})
        return pk(doc.truth, cuts_to_masses(cuts, len(doc.units)))

    ours = error([c["start"] for c in chapters])
    per_chunk = error(chunks["start"].tolist())
    print(f"{len(chunks)} chunks -> {len(chapters)} chapters ({len(doc.truth)} true topics): "
          f"Pk {ours:.3f}, one per chunk {per_chunk:.3f}, never cut {error([0.0]):.3f}")
    assert len(chapters) < len(chunks) / 3
    assert ours < per_chunk and ours < error([0.0])
    assert all(c["title"] for c in chapters) and len({c["title"] for c in chapters}) == len(chapters)


def test_the_samples_local_chapters_open_at_true_topic_starts_and_hold_whole_chunks() -> None:
    """The bundled sample (5 topics in 3.5 min) chunked as production chunks its true transcript."""
    from bench.samplegen import load_truth
    from halo.chunking.rules import ChunkingConfig, chunk_utterances
    from halo.chunking.video import scene_cut_times, truth_frames
    from halo.llm.local import summarize_text
    from halo.llm.summarize import local_chapters
    from halo.text.embed import embed_texts

    truth = load_truth()
    utterances, scenes = truth_frames(truth)
    chunks = chunk_utterances(utterances, embed_texts(utterances["text"].tolist()), ChunkingConfig(),
                              scene_cuts=scene_cut_times(scenes), coherence_fn=lambda g: [1.0] * len(g),
                              token_fn=lambda t: [0] * len(t)).chunks
    chapters = local_chapters([(float(c.start), float(c.end), summarize_text(c.text)) for c in chunks.itertuples()])
    starts = [c["start"] for c in chapters]
    assert len(chapters) == MIN_CHAPTERS <= len(chunks) and set(starts) <= set(chunks["start"])
    topic_starts = np.array([t["start"] for t in truth["topics"]])
    assert all(np.min(np.abs(topic_starts - s)) <= 2.0 for s in starts)
