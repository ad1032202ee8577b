"""What a Q&A question costs (issue #12), against the local Gemini REST server: the prompt quotes
the lines around each retrieved moment, recent turns only for follow-ups, and a session context
cache holds the stable head only when that is cheaper (storage included).

The video is the bundled sample's ground truth (its turns as utterances, its topics as chunks),
so these tests need no pipeline run."""

from __future__ import annotations

import pandas as pd
import pytest

from bench.samplegen import load_truth
from halo.llm.ledger import read_ledger
from halo.llm.pricing import cache_storage_usd, call_cost_usd
from halo.llm.prompts import QA_SYSTEM
from halo.qa import Conversation, Retrieved, VideoQA
from halo.qa.grounding import MOMENT_PAD_S, build_context, context_head, excerpt_rows
from halo_resources.gemini import GeminiResource

VIDEO = "meeting"
QUESTIONS = ["What is the target price of the remote control?", "What did the group think of the battery design?",
             "Which animals did the team draw on the whiteboard?"]


@pytest.fixture
def video(data_root) -> VideoQA:
    truth = load_truth()
    utts = pd.DataFrame([{"utt_id": t["turn_id"], "start": t["start"], "end": t["end"], "speaker": t["speaker"],
                          "scene_id": 0, "text": t["text"]} for t in truth["turns"]])
    chunks = pd.DataFrame([{"chunk_id": i, "start": tp["start"], "end": tp["end"], "first_utt": tp["first_turn"],
                            "last_utt": tp["last_turn"],
                            "text": " ".join(utts["text"][tp["first_turn"]: tp["last_turn"] + 1])}
                           for i, tp in enumerate(truth["topics"])])
    return VideoQA(VIDEO, float(truth["duration_s"]), chunks, utts, {}, "A design meeting about a new remote control.")


def conversation(video: VideoQA, session: str, **kw) -> Conversation:
    return Conversation(video, GeminiResource(retry_initial_delay_s=0.01, **kw).service(VIDEO, "qa", session), session)


def test_excerpts_are_the_lines_around_the_moment(video, no_key_env):
    hit = video.index.search(QUESTIONS[0], 1)[0]
    rows = video.chunk_utterances(hit.chunk_id)
    near = excerpt_rows(rows, hit)
    assert 0 < len(near) <= len(rows)
    assert ((near["end"] >= hit.moment_start - MOMENT_PAD_S) & (near["start"] <= hit.moment_end + MOMENT_PAD_S)).all()
    assert len(excerpt_rows(rows, hit, None)) == len(rows)  # None: the whole part
    assert len(excerpt_rows(rows, Retrieved(hit.chunk_id, hit.start, hit.end, hit.score))) == len(rows)  # no moment
    truth = load_truth()["qa"][0]  # the target-price question: its span is quoted
    assert any(r.start <= truth["end"] and truth["start"] <= r.end for r in near.itertuples())


def test_standalone_questions_carry_no_history_and_a_small_head_is_not_cached(video, gemini_env):
    convo = conversation(video, "plain")
    for q in QUESTIONS:
        convo.ask(q)
    reported = gemini_env.reported
    assert len(reported) == 3 and gemini_env.count("/cachedContents") == 0  # head far below 1024 tokens
    head = f"CONTEXT:\n{context_head(video)}"
    for r, turn, q in zip(reported, convo.turns, QUESTIONS):  # system + this question's context alone
        prompt = f"CONTEXT:\n{build_context(video, [Retrieved(**h) for h in turn.retrieved], [])}\n\nQUESTION: {q}"
        assert r["promptTokenCount"] == sum(-(-len(p) // 4) for p in (QA_SYSTEM, head, prompt[len(head):]))
    assert read_ledger(VIDEO)["cached_tokens"].sum() == 0


def test_a_long_head_goes_into_one_context_cache_for_the_session(video, gemini_env):
    video.video_summary = "The team designed a remote control with a rubber case and a kinetic battery. " * 80
    convo = conversation(video, "long", flash_model="gemini-3.5-flash-lite")  # a model where the cache pays
    for q in QUESTIONS:
        convo.ask(q)
    assert gemini_env.count("/cachedContents") == 1
    create, *answers = gemini_env.reported
    assert create["kind"] == "cache_create" and len(answers) == 3
    assert all(r["cachedContentTokenCount"] == create["promptTokenCount"] for r in answers)
    ledger = read_ledger(VIDEO)
    qa = ledger[ledger["purpose"] == "qa"]
    assert qa["cached_tokens"].tolist() == [create["promptTokenCount"]] * 3
    model = qa["model"].iloc[0]
    storage = ledger.loc[ledger["purpose"] == "context_cache_storage", "cost_usd"].sum()
    assert storage == pytest.approx(cache_storage_usd(model, create["promptTokenCount"], 1.0))
    # the cached head at the cached rate, the rest at the input rate
    expected = [call_cost_usd(model, r["promptTokenCount"], r["cachedContentTokenCount"],
                              r["candidatesTokenCount"] + r["thoughtsTokenCount"]) for r in answers]
    assert qa["cost_usd"].tolist() == pytest.approx(expected, rel=1e-12)
    conversation(video, "off", use_context_cache=False, flash_model="gemini-3.5-flash-lite").ask("Who presented the finances?")
    assert gemini_env.count("/cachedContents") == 1  # GeminiResource.use_context_cache is read
