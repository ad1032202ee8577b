"""Q&A over the processed sample, checked against its ground truth (bench.samplegen truth QA
spans and topics): retrieval recall@3, follow-ups read with the history, cache tiers and costs,
persistent sessions, clear errors, and the ledger to the token with a Gemini REST server."""

from __future__ import annotations

import json
import math

import pytest

from halo.errors import HaloError, InvalidVideoId
from halo.llm.baseline import media_tokens
from halo.llm.ledger import read_ledger
from halo.llm.pricing import call_cost_usd
from halo.qa import (
    Conversation, InvalidSession, VideoNotReady, VideoQA, list_sessions, local_answer, overlaps, parse_citations,
    recall_at_k,
)
from bench.samplegen import load_truth
from halo_resources.gemini import GeminiResource
from halo_tests.test_qa.conftest import VIDEO_ID

BATTERY_Q = "What did the group think of the battery design?"
PRICE_Q = "What is the target price of the remote control?"
ANIMAL_Q = "Which animals did they draw?"


def topic_span(truth, word: str) -> tuple[float, float]:
    topic = next(t for t in truth["topics"] if word in t["title"].lower())
    return topic["start"], topic["end"]


def conversation(session: str, cache=None, **kw) -> Conversation:
    video = VideoQA.load(VIDEO_ID)
    service = GeminiResource(retry_initial_delay_s=0.01, **kw).service(VIDEO_ID, "qa", f"qa-{session}", cache=cache)
    return Conversation(video, service, session)


def test_retrieval_recall_at_3_on_truth_qa_spans(sample_root):
    truth = load_truth()
    video = VideoQA.load(VIDEO_ID)
    for k, floor in ((1, 1 / 3), (3, 1.0)):
        hits = [video.index.search(qa["query"], k) for qa in truth["qa"]]
        recall = recall_at_k(hits, [[(qa["start"], qa["end"])] for qa in truth["qa"]])
        print(f"sample QA spans: recall@{k} = {recall:.2f} over {len(truth['qa'])} questions, {len(video.index)} chunks")
        assert recall >= floor
    # each truth topic title, asked as a question, has its topic among the top 3 parts
    topic_hits = [any(overlaps(h.start, h.end, t["start"], t["end"]) for h in video.index.search(t["title"], 3))
                  for t in truth["topics"]]
    assert all(topic_hits), topic_hits


def test_follow_ups_are_read_with_the_history(sample_root, cache, no_key_env):
    truth = load_truth()
    animals, battery = topic_span(truth, "animal"), topic_span(truth, "battery")
    convo = conversation("follow", cache)
    first = convo.ask(ANIMAL_Q)
    assert first.rewrite_backend == "" and first.standalone == ANIMAL_Q
    assert overlaps(first.retrieved[0]["start"], first.retrieved[0]["end"], *animals)
    who = convo.ask("who said that?")
    assert who.rewrite_backend == "heuristic" and "animal" in who.standalone.lower()
    # the answer quotes who said it (a diarized speaker), at times inside the animals topic
    assert "SPEAKER_" in who.answer and who.citations
    assert all(animals[0] - 1 <= c["start"] <= animals[1] for c in who.citations), who.citations
    about = convo.ask("what about the battery?")
    assert "animal" in about.standalone.lower() and "battery" in about.standalone.lower()
    top = about.retrieved[0]
    assert overlaps(top["start"], top["end"], *battery), about.retrieved
    assert any(battery[0] - 1 <= c["start"] <= battery[1] for c in about.citations), about.citations
    # a self-contained question after follow-ups is not rewritten
    assert convo.ask(PRICE_Q).standalone == PRICE_Q


def test_repeat_is_l1_paraphrase_is_l2_and_every_answer_is_ledgered(sample_root, cache, no_key_env):
    truth = load_truth()
    convo = conversation("cache", cache)
    first = convo.ask(PRICE_Q)
    again = convo.ask(PRICE_Q)
    para = convo.ask("What's the remote control's target price?")
    assert (first.backend, first.cache_tier) == ("local", "")
    assert (again.backend, again.cache_tier, again.cost_usd) == ("cache", "L1", 0.0)
    assert (para.backend, para.cache_tier, para.cost_usd) == ("cache", "L2", 0.0)
    assert again.answer == para.answer == first.answer
    # a different question must not be served from the cache
    other = convo.ask(BATTERY_Q)
    assert other.cache_tier == "" and other.answer != first.answer
    ledger = read_ledger(VIDEO_ID)
    assert len(ledger) == 4 and set(ledger["purpose"]) == {"qa"} and set(ledger["asset"]) == {"qa"}
    assert list(ledger["cache_tier"]) == ["", "L1", "L2", ""] and ledger["cost_usd"].sum() == 0
    naive = media_tokens(truth["duration_s"]).total
    assert (ledger["naive_tokens"] == naive).all() and all(t.naive_tokens == naive for t in convo.turns)
    # citations are real times inside the video and come from the retrieved parts
    for turn in (first, other):
        assert turn.citations and all(0 <= c["start"] <= truth["duration_s"] for c in turn.citations)
        assert all(any(r["start"] - 1 <= c["start"] <= r["end"] for r in turn.retrieved) for c in turn.citations)


def test_session_persists_and_reloads(sample_root, cache, no_key_env):
    convo = conversation("persist", cache)
    convo.ask(BATTERY_Q)
    path = sample_root / "qa" / VIDEO_ID / "persist.json"
    assert convo.path == path and path.exists()
    stored = json.loads(path.read_text())
    assert stored["session_id"] == "persist" and stored["turns"][0]["question"] == BATTERY_Q
    assert not list(path.parent.glob(".*.tmp"))  # atomic write left no temp file
    reloaded = conversation("persist", cache)
    assert [t.question for t in reloaded.turns] == [BATTERY_Q]
    follow = reloaded.ask("and who raised it?")
    assert "battery" in follow.standalone.lower() and len(reloaded.turns) == 2
    conversation("other", cache).ask(PRICE_Q)
    listed = {s.session_id: len(s.turns) for s in list_sessions(VIDEO_ID)}
    assert listed == {"persist": 2, "other": 1}
    assert list_sessions(VIDEO_ID)[0].session_id == "other"  # most recently used first


def test_clear_errors(sample_root, no_key_env, tmp_path):
    from halo import registry

    with pytest.raises(InvalidVideoId, match="Invalid video id"):
        VideoQA.load("../etc")
    with pytest.raises(VideoNotReady, match=r"Unknown video 'nope'.*Registered videos: meeting"):
        VideoQA.load("nope")
    video = tmp_path / "talk.mp4"
    video.write_bytes(b"not processed")
    registry.register(video)
    with pytest.raises(VideoNotReady, match=r"'talk' is registered but not processed yet.*--run"):
        VideoQA.load("talk")
    with pytest.raises(InvalidSession, match="Invalid session name"):
        conversation("../../x")
    with pytest.raises(HaloError, match="Empty question"):
        conversation("empty").ask("   ")


def test_a_video_with_nothing_said_or_shown_is_not_asked_about(sample_root, no_key_env):
    """A silent clip was answered "The retrieved parts of the video have nothing on this." and
    ledgered with a naive baseline (counted as savings). Nothing can be quoted or cited: say why."""
    import pandas as pd

    from halo.errors import InvalidQuestion

    chunks = pd.DataFrame([{"chunk_id": 0, "start": 0.0, "end": 20.0, "text": " "}])
    utterances = pd.DataFrame(columns=["start", "end", "speaker", "text"])
    silent = VideoQA("silent", 20.0, chunks, utterances, {0: ""}, "")
    service = GeminiResource(retry_initial_delay_s=0.01).service("silent", "qa", "qa-silent")
    with pytest.raises(InvalidQuestion, match=r"Video silent has no speech and no on-screen text.*nothing was sent or billed"):
        Conversation(silent, service, "s").ask("What colour is the screen?")
    assert read_ledger("silent").empty and not list_sessions("silent")


def test_a_follow_up_as_a_sessions_first_question_is_refused_unbilled_and_uncached(sample_root, cache, gemini_env):
    """"who said that?" opening a new session was answered from retrieval on those words alone
    (arbitrary quotes), billed and cached. There is nothing for "that" to refer to: say so."""
    from halo.errors import InvalidQuestion
    from halo.qa.cached import answer_from_cache

    convo = conversation("fresh-follow-up", cache)
    for question in ("who said that?", "and why?", "tell me more"):
        with pytest.raises(InvalidQuestion, match=r"refers to an earlier answer.*'fresh-follow-up' on meeting has "
                                                  r"none yet: ask the full question.*nothing was sent or billed"):
            convo.ask(question)
        assert answer_from_cache(VIDEO_ID, question, "fresh-follow-up") is None
    assert gemini_env.reported == [] and read_ledger(VIDEO_ID).empty and convo.turns == []
    assert not convo.path.exists() and cache.stats(VIDEO_ID)["l1"]["size"] == 0
    # a question about the video itself, and the same follow-up once there is an answer, are answered
    assert convo.ask("What is this meeting about?").backend == "gemini"
    assert convo.ask("who said that?").rewrite_backend == "gemini" and len(convo.turns) == 2


def test_gemini_ledger_records_qa_tokens_exactly(sample_root, cache, gemini_env):
    convo = conversation("gemini", cache)
    first = convo.ask(BATTERY_Q)
    follow = convo.ask("who said that?")
    assert first.backend == follow.backend == "gemini" and follow.rewrite_backend == "gemini"
    reported = gemini_env.reported
    assert len(reported) == 3  # answer, rewrite of the follow-up, answer
    ledger = read_ledger(VIDEO_ID)
    assert list(ledger["purpose"]) == ["qa", "qa_rewrite", "qa"] and set(ledger["asset"]) == {"qa"}
    assert list(ledger["input_tokens"]) == [r["promptTokenCount"] for r in reported]
    assert list(ledger["output_tokens"]) == [r["candidatesTokenCount"] + r["thoughtsTokenCount"] for r in reported]
    expected = [call_cost_usd(r["model"], r["promptTokenCount"], 0, r["candidatesTokenCount"] + r["thoughtsTokenCount"])
                for r in reported]
    assert list(ledger["cost_usd"]) == pytest.approx(expected, rel=1e-12)
    assert first.cost_usd == pytest.approx(expected[0]) and follow.cost_usd == pytest.approx(expected[1] + expected[2])
    assert first.input_tokens == reported[0]["promptTokenCount"]
    # the prompt carried timestamps and the history: more tokens than the text alone would need
    assert reported[2]["promptTokenCount"] > reported[0]["promptTokenCount"] * 0.5
    naive_usd = ledger.loc[ledger["purpose"] == "qa", "naive_cost_usd"]
    assert (naive_usd > 10 * ledger.loc[ledger["purpose"] == "qa", "cost_usd"]).all()
    # asking again is an L1 hit at $0 with no new request to the server
    again = convo.ask(BATTERY_Q)
    assert again.cache_tier == "L1" and again.cost_usd == 0 and len(gemini_env.reported) == 3
    assert all(math.isfinite(t.cost_usd) for t in convo.turns)


def test_citations_point_at_the_retrieved_moment_fresh_session_or_one_session(sample_root, no_key_env):
    truth = load_truth()
    together = conversation("all")
    first_in_span = []
    for i, qa in enumerate(truth["qa"]):
        fresh, same = conversation(f"fresh-{i}").ask(qa["query"]), together.ask(qa["query"])
        # a standalone question is read the same way after other questions as in a new session
        assert same.rewrite_backend == "" and (same.retrieved, same.answer) == (fresh.retrieved, fresh.answer)
        assert fresh.citations and not fresh.flagged
        assert all(any(r["start"] - 1 <= c["start"] <= r["end"] for r in fresh.retrieved) for c in fresh.citations)
        top, first = fresh.retrieved[0], fresh.citations[0]["start"]
        # the first citation is the moment retrieval ranked first: inside the truth span when that part is
        assert top["moment_start"] - 1 <= first <= top["moment_end"]
        if overlaps(top["moment_start"], top["moment_end"], qa["start"], qa["end"]):
            assert qa["start"] - 1 <= first <= qa["end"], (qa["query"], fresh.answer)
        first_in_span.append(qa["start"] - 1 <= first <= qa["end"])
    print(f"sample: first citation in the truth span for {sum(first_in_span)}/{len(first_in_span)} questions")
    assert any(first_in_span)


def test_a_standalone_question_is_answered_the_same_in_a_new_and_the_default_session(sample_root, no_key_env):
    default = conversation("default")
    for q in (ANIMAL_Q, "who said that?", "What did the Industrial Designer say about fashion?"):
        default.ask(q)
    old, new = default.ask(BATTERY_Q), conversation("brand-new").ask(BATTERY_Q)
    assert old.standalone == new.standalone == BATTERY_Q and old.rewrite_backend == new.rewrite_backend == ""
    assert old.retrieved == new.retrieved and old.answer == new.answer and old.citations == new.citations


def test_qa_index_is_stored_at_materialization_and_loaded_not_rebuilt(sample_root, no_key_env, monkeypatch):
    import halo.qa.video

    def no_rebuild(*args, **kwargs):
        raise AssertionError("the stored qa_index should have been loaded")

    monkeypatch.setattr(halo.qa.video, "build_units", no_rebuild)
    video = VideoQA.load(VIDEO_ID)
    windows = video.units
    assert len(windows) > len(video.chunks) and len(video.units["vector"].iloc[0]) == 384
    spans = video.chunks.set_index("chunk_id")
    assert all(spans.at[w.chunk_id, "start"] - 0.5 <= w.start < w.end <= spans.at[w.chunk_id, "end"] + 0.5
               for w in windows.itertuples())
    assert video.index.search(BATTERY_Q, 1)[0].chunk_id in set(video.chunks["chunk_id"])


def test_quoted_sentences_come_embedded_in_the_qa_index_and_answer_as_embedded_now(sample_root, no_key_env,
                                                                                  monkeypatch):
    """The local answer reads its sentences' vectors from the stored qa_index (only the question is
    embedded at ask time) and quotes what embedding them now quotes (an index stored before
    sentences were: no quote rows), first from inside the battery topic."""
    import halo.text.embed

    stored = VideoQA.load(VIDEO_ID)
    assert stored.quotes is not None and len(stored.quotes) > len(stored.units)
    hits = stored.index.search(BATTERY_Q, 3)
    embedded, embed = [], halo.text.embed.embed_texts
    monkeypatch.setattr(halo.text.embed, "embed_texts", lambda texts, *a, **k: embedded.append(list(texts)) or embed(texts, *a, **k))
    answer = local_answer(stored, BATTERY_Q, hits)
    assert embedded == [[BATTERY_Q]]
    older = VideoQA.load(VIDEO_ID)
    older.quotes = None
    assert local_answer(older, BATTERY_Q, hits) == answer and len(embedded) == 3
    first = parse_citations(answer, stored.duration_s)[0]["start"]
    start, end = topic_span(load_truth(), "battery")
    assert start - 1 <= first <= end


def test_an_exact_cache_hit_loads_no_model_and_requests_carry_their_evidence(sample_root, cache, no_key_env,
                                                                              monkeypatch):
    import halo.text.embed
    import halo.text.minilm

    convo = conversation("evidence", cache)
    sent = []
    ask = convo.service.ask
    monkeypatch.setattr(convo.service, "ask", lambda req: sent.append(req) or ask(req))
    first = convo.ask(PRICE_Q)
    assert sent[0].evidence == tuple(r["chunk_id"] for r in first.retrieved) and len(sent[0].evidence) == 3

    def no_model(*args, **kwargs):
        raise AssertionError("a cache hit must not load a model")

    monkeypatch.setattr(halo.text.embed, "load_encoder", no_model)
    monkeypatch.setattr(halo.text.minilm, "load_minilm", no_model)  # small inputs run MiniLM in NumPy
    again = conversation("evidence-2", cache).ask(PRICE_Q)
    assert (again.cache_tier, again.answer, again.citations) == ("L1", first.answer, first.citations)


def test_a_gemini_answer_citing_a_slide_inline_is_on_screen_in_the_turn_and_the_answer(sample_root, no_key_env,
                                                                                       monkeypatch):
    """An answer worded as Gemini words it cites the sample's topic-title slide after its sentence
    ("... [mm:ss].") rather than opening an "[on screen]" line: the saved turn and HALOPipeline's
    Answer attributed it to whoever talked at that second. It is on screen with no speaker now."""
    import halo.qa.conversation
    from halo.llm.prompts import clock
    from halo.vision.marks import on_screen_lines
    from halo_cli.pipeline import answer_in

    video = VideoQA.load(VIDEO_ID)
    said = {round(float(s)) for s in video.utterances["start"]}
    shown = [(t, line) for text in video.chunks["text"] for t, line in on_screen_lines(str(text)) if round(t) not in said]
    at, line = next((t, line) for t, line in shown if t > 0)
    talking = video.utterances[(video.utterances["start"] <= at) & (video.utterances["end"] > at + 1)]
    assert len(talking), "the slide must appear while someone talks, or there is no speaker to mistake"
    slide = line.split('] ', 1)[-1]
    gemini_style = f"The slide read {slide!r} [{clock(at)}]."
    monkeypatch.setattr(halo.qa.conversation, "local_answer", lambda *args, **kwargs: gemini_style)
    convo = conversation("slides")
    # the question names the slide, so its chunk is among those retrieved (a citation outside them
    # is dropped, rightly): "What did the slide say?" retrieved it only while the sample had 4 chunks
    answer = answer_in(convo, f"What did the slide {slide!r} say?")
    assert convo.session.turns[-1].citations[0]["on_screen"]
    assert [(c["start"], c["speaker"], c["on_screen"]) for c in answer.citations] == [(float(round(at)), None, True)]
