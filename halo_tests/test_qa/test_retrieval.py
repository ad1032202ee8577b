"""Retrieval units and scoring on small hand-made chunks whose right answer is known."""

from __future__ import annotations

import pandas as pd

from halo.qa import ChunkIndex, Retrieved, check_citations, parse_citations
from halo.qa.retrieval import QUOTE, Lexical, build_qa_index, timed_sentences, windows


def chunks_and_utterances():
    texts = [
        ("We need a new remote. The budget is twelve euro fifty per unit.", 0.0, 20.0),
        ("Let us talk about the case. Rubber feels nice in the hand.", 20.0, 40.0),
        ("The batteries should be rechargeable. A kinetic battery is expensive though.", 40.0, 60.0),
        ("Marketing found that young people want fancy designs. Fruit shapes are popular.", 60.0, 80.0),
    ]
    utts = pd.DataFrame({"utt_id": range(4), "start": [t[1] for t in texts], "end": [t[2] for t in texts],
                         "speaker": ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02", "SPEAKER_00"],
                         "text": [t[0] for t in texts]})
    chunks = pd.DataFrame({"chunk_id": [0, 1], "start": [0.0, 40.0], "end": [40.0, 80.0], "first_utt": [0, 2],
                           "last_utt": [1, 3], "text": [" ".join(utts.text[:2]), " ".join(utts.text[2:])]})
    return chunks, utts


def test_sentences_are_timed_inside_their_utterance_and_windows_keep_times():
    _, utts = chunks_and_utterances()
    sents = timed_sentences(utts.iloc[:1])
    assert [s[0] for s in sents] == ["We need a new remote.", "The budget is twelve euro fifty per unit."]
    assert sents[0][1] == 0.0 and 0 < sents[0][2] == sents[1][1] < sents[1][2] == 20.0
    assert sents[0][3] == "SPEAKER_00"
    wins = windows(timed_sentences(utts), words=12)
    assert all(a < b for _, a, b in wins) and wins[0][1] == 0.0 and wins[-1][2] == 80.0
    assert len(wins) >= 3  # half-overlapping windows, not one per chunk


def test_bm25_meets_stems_and_ignores_unknown_words():
    lex = Lexical(["the batteries are rechargeable", "the case is rubber"])
    assert list(lex.scores("battery")) == [1.0, 0.0]
    assert list(lex.scores("zebra")) == [0.0, 0.0]


def test_the_moment_is_the_best_window_inside_the_best_chunk():
    chunks, utts = chunks_and_utterances()
    index = ChunkIndex.build(chunks, utterances=utts, words=8)
    top = index.search("Which battery did they consider?", 1)[0]
    assert top.chunk_id == 1 and 40.0 <= top.moment_start < top.moment_end <= 60.5
    price = index.search("What is the budget per unit?", 2)
    assert price[0].chunk_id == 0 and price[0].moment_start < 20.0


def test_citations_outside_the_retrieved_parts_are_flagged():
    hits = [Retrieved(3, 100.0, 160.0, 1.0, 110.0, 130.0)]
    cited = parse_citations("Yes [01:50], and [1:02:03] plus [02:39]; never [9:59:59]", 4000.0)
    assert [c["start"] for c in cited] == [110.0, 3723.0, 159.0]
    kept, flagged = check_citations(cited, hits)
    assert [c["start"] for c in kept] == [110.0, 159.0] and [c["label"] for c in flagged] == ["[1:02:03]"]


def test_a_video_without_speech_quotes_and_cites_each_slide_when_it_appeared():
    """No audio track: the chunk's text is only its marked slide lines. It was one row, so quotes
    were cut mid-slide and cited at word-interpolated times ([01:20] for a slide shown at 01:29)."""
    slides = [(0.0, "Topic 1 of 5 | Goal of new remote control | project"),
              (44.0, "Topic 2 of 5 | Drawing favorite animals | and tool training"),
              (89.0, "Topic 3 of 5 | Expected price and profit | of remote control"),
              (123.0, "Topic 4 of 5 | Function and fashion | design of the remote | control")]
    text = "\n" + "\n".join(f"[on screen] [{int(t) // 60:02d}:{int(t) % 60:02d}] {line}" for t, line in slides)
    chunks = pd.DataFrame({"chunk_id": [0], "start": [0.0], "end": [160.0], "first_utt": [-1], "last_utt": [-1],
                           "text": [text]})
    no_speech = pd.DataFrame(columns=["utt_id", "start", "end", "speaker", "text"])
    quotes = build_qa_index(chunks, no_speech).query("kind == @QUOTE")
    assert list(zip(quotes["start"], quotes["text"])) == [(t, f"[on screen] {line}") for t, line in slides]
    top = ChunkIndex.build(chunks, utterances=no_speech).search("What was the expected price and profit?", 1)[0]
    assert top.moment_start == 89.0


def test_a_video_with_neither_speech_nor_screen_text_is_searched_without_error():
    """Music under a test pattern: one chunk with no text and no retrieval units. bm25s raised
    "max() arg is an empty sequence" indexing it, so `halo ask` / `halo process --query` gave a
    traceback."""
    assert list(Lexical(["", "  "]).scores("what is this about?")) == [0.0, 0.0]
    chunks = pd.DataFrame({"chunk_id": [0], "start": [0.0], "end": [40.0], "first_utt": [-1], "last_utt": [-1],
                           "text": [""]})
    no_speech = pd.DataFrame(columns=["utt_id", "start", "end", "speaker", "text"])
    hits = ChunkIndex.build(chunks, utterances=no_speech).search("What is this about?", 3)
    assert [(h.chunk_id, h.start, h.end) for h in hits] == [(0, 0.0, 40.0)]
