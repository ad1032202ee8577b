"""Verify before serving: the issue's three near-miss pairs miss, their paraphrases hit.

Vocabulary of the bundled sample (QMSum val meeting 26: a remote control, its selling price,
production cost and profit target; project manager, industrial and user interface designers).
Lookups go through TieredCache on a real redis-server with real MiniLM embeddings.
"""

from __future__ import annotations

import pytest

from halo.cache.guard import verify
from halo.llm.gemini import GeminiClientConfig
from halo.llm.ledger import Ledger
from halo.llm.service import LLMService, Request
from halo_tests.test_cache.conftest import KW, META

PRICE = "What selling price did the project manager propose for the remote control?"
COST = "What production cost did the project manager propose for the remote control?"
UI_ON_ID = "What did the user interface designer think about the job of the industrial designer?"
ID_ON_UI = "What did the industrial designer think about the job of the user interface designer?"
PROFIT = "What is the profit target for the remote control?"
COST_TARGET = "What is the production cost target for the remote control?"

# (cached question, near-miss that must not be served its answer, the check that refuses it,
#  paraphrases that must be served it)
CASES = [
    (PRICE, COST, "content",
     ["What selling price did the PM suggest for the remote?",
      "Which selling price was proposed by the project manager for the remote control?"]),
    (UI_ON_ID, ID_ON_UI, "roles",
     ["What was the user interface designer's opinion about the industrial designer's job?",
      "How did the user interface designer feel about the job of the industrial designer?"]),
    (PROFIT, COST_TARGET, "content",
     ["What's the remote control's profit target?",
      "What profit target was set for the remote control?"]),
]


@pytest.mark.parametrize("cached, near_miss, reason, paraphrases", CASES)
def test_verifier_refuses_the_near_miss_and_names_why(cached, near_miss, reason, paraphrases):
    verdict = verify(near_miss, cached)
    assert not verdict.ok and reason in verdict.reasons
    for paraphrase in paraphrases:
        assert verify(paraphrase, cached).ok, (paraphrase, verify(paraphrase, cached))


def test_issue_pairs_through_the_cache(make_cache):
    cache = make_cache()
    for cached, _, _, _ in CASES:
        cache.store("meeting", cached, f"answer to {cached}", meta=META, **KW)
    for cached, near_miss, reason, paraphrases in CASES:
        hit = cache.lookup("meeting", near_miss, **KW)
        # The near-miss may only be served the answer of its own twin, never another question's.
        assert hit is None or hit.answer == f"answer to {near_miss}", (near_miss, hit)
        for paraphrase in paraphrases:
            hit = cache.lookup("meeting", paraphrase, **KW)
            assert hit is not None and hit.tier == "l2", paraphrase
            assert hit.answer == f"answer to {cached}"


def test_rejection_is_counted_per_reason_and_explained(make_cache):
    cache = make_cache()
    cache.store("meeting", PRICE, "Twenty-five euros.", meta=META, **KW)
    cache.store("meeting", UI_ON_ID, "He liked the rubber case.", meta=META, **KW)
    assert cache.lookup("meeting", COST, **KW) is None
    assert "rejected: content" in cache.last_rejection and "cost" in cache.last_rejection
    assert repr(PRICE) in cache.last_rejection
    assert cache.lookup("meeting", ID_ON_UI, **KW) is None
    assert "rejected: roles" in cache.last_rejection
    rejections = cache.stats()["l2"]["rejections"]
    assert rejections == {"content": 1, "roles": 1}
    assert cache.stats("meeting")["l2"]["rejections"] == {"content": 1, "roles": 1}
    assert cache.lookup("meeting", "What selling price did the PM suggest for the remote?", **KW) is not None
    assert cache.last_rejection == ""


def test_grounding_check_refuses_an_answer_built_from_other_chunks(make_cache):
    cache = make_cache()
    cache.store("meeting", PRICE, "Twenty-five euros.", meta=META, evidence=(3, 4, 5), **KW)
    paraphrase = "What selling price did the PM suggest for the remote?"
    assert cache.lookup("meeting", paraphrase, evidence=(7, 8, 9), **KW) is None
    assert "rejected: evidence" in cache.last_rejection
    hit = cache.lookup("meeting", paraphrase, evidence=(4, 5, 11), **KW)
    assert hit is not None and hit.answer == "Twenty-five euros."
    assert cache.stats()["l2"]["rejections"] == {"evidence": 1}


def test_ledger_row_says_why_a_cached_answer_was_not_served(make_cache):
    cache = make_cache()
    service = LLMService(video_id="meeting", asset="qa", settings=GeminiClientConfig(), client=None,
                         ledger=Ledger(persist=False), cache=cache)

    def request(question: str, evidence: tuple[int, ...]) -> Request:
        return Request(item_id="q", parts=[question], cache_query=question, purpose="question",
                       local=lambda: f"local answer to {question}", semantic=True, evidence=evidence)

    first = service.ask(request(PRICE, (3, 4, 5)))
    assert first.record.cache_tier == "" and "rejected" not in first.record.model_reason
    near = service.ask(request(COST, (3, 4, 5)))
    assert near.text == f"local answer to {COST}" and near.record.cache_tier == ""
    assert "rejected: content" in near.record.model_reason
    again = service.ask(request("What selling price did the PM suggest for the remote?", (4, 5, 6)))
    assert again.record.cache_tier == "L2" and again.text == f"local answer to {PRICE}"


def test_a_speaker_named_by_a_letter_is_a_key_fact():
    """QMSum's ICSI queries name people by letter ("What did A think ..."): an answer about A's
    view is neither the discussion's summary nor C's view (served before: the letter was read as
    the article); the same person asked in other words still shares it."""
    asked = "What did A think about setting up the recording equipment?"
    assert "speakers" in verify("Summarize the discussion about setting up the recording equipment", asked).reasons
    assert "speakers" in verify("What did C think about setting up the recording equipment?", asked).reasons
    assert verify("What was A's opinion on setting up the recording equipment?", asked).reasons == ()
    assert verify("What did a designer think about setting up the recording equipment?", asked).reasons != ()
