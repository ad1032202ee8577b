"""L3: fallback answers come from the stored summary of the matching part of the video."""

from __future__ import annotations

SUMMARIES = [
    {"chunk_id": 0, "start": 0.0, "end": 40.0,
     "text": "The project manager opens the kick-off meeting and each member introduces their role."},
    {"chunk_id": 1, "start": 40.0, "end": 80.0,
     "text": "The team agrees the remote control should cost at most twelve euros fifty and sell for twenty-five."},
    {"chunk_id": 2, "start": 80.0, "end": 120.0,
     "text": "Everyone draws their favourite animal on the whiteboard; the designer draws a whale."},
]


def test_fallback_answers_from_the_matching_summary(make_cache):
    cache = make_cache()
    cache.store_summaries("meeting", SUMMARIES)
    hit = cache.fallback("meeting", "How much should the remote cost?")
    assert hit is not None and hit.tier == "l3" and hit.meta["fallback"] is True
    assert hit.meta["chunk_id"] == 1 and (hit.meta["start"], hit.meta["end"]) == (40.0, 80.0)
    assert "twelve euros" in hit.answer
    assert hit.meta["cost_usd"] == 0.0 and len(hit.meta["sources"]) == 3
    animal = cache.fallback("meeting", "Which animal did the designer draw?")
    assert animal.meta["chunk_id"] == 2
    assert cache.fallback("no-summaries", "anything?") is None
    stats = cache.stats()
    assert stats["l3"]["hits"] == 2 and stats["l3"]["misses"] == 1 and stats["l3"]["size"] == 3


def test_l3_bound_evicts_least_recently_used_videos(make_cache):
    cache = make_cache(l3_max_size=7)
    cache.store_summaries("video-a", SUMMARIES)
    cache.store_summaries("video-b", SUMMARIES)
    assert cache.fallback("video-a", "budget?") is not None  # video-a is now more recent than b
    cache.store_summaries("video-c", SUMMARIES)
    assert cache.l3.size() <= 7
    assert cache.fallback("video-b", "budget?") is None
    assert cache.fallback("video-a", "budget?") is not None
    assert cache.fallback("video-c", "budget?") is not None
    assert cache.stats()["l3"]["evictions"] == 3
