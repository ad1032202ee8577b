"""L1 exact tier on a real redis-server: normalisation, isolation, TTL, LRU bound, stats."""

from __future__ import annotations

import time

from halo_tests.test_cache.conftest import KW, META


def test_exact_hit_ignores_case_spacing_and_trailing_punctuation(make_cache):
    cache = make_cache()
    cache.store("meeting", "What did the group decide about the remote's colour?", "Yellow.",
                meta=META, **KW)
    hit = cache.lookup("meeting", "  what did the group decide about the remote's colour ", semantic=False, **KW)
    assert hit is not None and hit.tier == "l1" and hit.answer == "Yellow."
    assert hit.meta["input_tokens"] == 1200 and hit.meta["cost_usd"] == META["cost_usd"]


def test_exact_key_separates_video_model_and_prompt_version(make_cache):
    cache = make_cache()
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    assert cache.lookup("other-video", "Who chaired the meeting?", **KW) is None
    assert cache.lookup("meeting", "Who chaired the meeting?", model="gemini-2.5-pro",
                        prompt_version="qa-v1") is None
    assert cache.lookup("meeting", "Who chaired the meeting?", model="gemini-2.5-flash",
                        prompt_version="qa-v2") is None
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW).answer == "Laura."


def test_ttl_expires_entries(make_cache):
    cache = make_cache(ttl=2)
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, semantic=False, **KW)
    assert cache.lookup("meeting", "Who chaired the meeting?", semantic=False, **KW) is not None
    time.sleep(2.2)
    assert cache.lookup("meeting", "Who chaired the meeting?", semantic=False, **KW) is None


def test_lru_eviction_keeps_l1_at_its_bound(make_cache):
    cache = make_cache(l1_max_size=5, l2_max_size=1000)
    for i in range(5):
        cache.store("meeting", f"question number {i}", f"answer {i}", meta=META, semantic=False, **KW)
    # Touch question 0 so it is the most recently used; question 1 is now the oldest.
    assert cache.lookup("meeting", "question number 0", semantic=False, **KW) is not None
    for i in range(5, 12):
        cache.store("meeting", f"question number {i}", f"answer {i}", meta=META, semantic=False, **KW)
        assert cache.l1.size() <= 5
    assert cache.l1.size() == 5
    survivors = {i for i in range(12)
                 if cache.lookup("meeting", f"question number {i}", semantic=False, **KW)}
    assert survivors == {7, 8, 9, 10, 11}
    stats = cache.stats()
    assert stats["l1"]["size"] == 5 and stats["l1"]["evictions"] == 7


def test_stats_count_hits_misses_and_savings(make_cache):
    cache = make_cache()
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    assert cache.lookup("meeting", "Who chaired the meeting?", semantic=False, **KW)
    assert cache.lookup("meeting", "Who chaired the meeting?", semantic=False, **KW)
    assert cache.lookup("meeting", "What was the budget?", semantic=False, **KW) is None
    stats = cache.stats()
    assert stats["l1"]["hits"] == 2 and stats["l1"]["misses"] == 1
    assert stats["input_tokens_saved"] == 2400 and stats["output_tokens_saved"] == 160
    assert abs(stats["usd_saved"] - 2 * META["cost_usd"]) < 1e-9
    per_video = cache.stats("meeting")
    assert per_video["l1"]["hits"] == 2
    assert cache.stats("other")["l1"]["hits"] == 0


def test_clear_one_video_keeps_the_others(make_cache):
    cache = make_cache()
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    cache.store("lecture", "Who gave the lecture?", "Prof. B.", meta=META, **KW)
    assert cache.clear("meeting") == 2  # one L1 + one L2 entry
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW) is None
    assert cache.lookup("lecture", "Who gave the lecture?", **KW).answer == "Prof. B."
    assert cache.clear() == 2
    assert cache.lookup("lecture", "Who gave the lecture?", **KW) is None
