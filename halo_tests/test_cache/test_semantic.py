"""L2 semantic tier: paraphrases hit, near-misses do not, workers rebuild from Redis, bound holds."""

from __future__ import annotations

from halo.cache import CacheConfig, TieredCache
from halo_tests.test_cache.conftest import KW, META

Q = "What did the Project Manager say about the budget for the remote control?"
A = "The budget was twelve euros fifty per unit."


def test_paraphrase_hits_l2_and_is_promoted_to_l1(make_cache):
    cache = make_cache()
    cache.store("meeting", Q, A, meta=META, **KW)
    paraphrase = "What did the project manager say regarding the remote control's budget?"
    hit = cache.lookup("meeting", paraphrase, **KW)
    assert hit is not None and hit.tier == "l2" and hit.answer == A
    assert hit.similarity >= cache.config.l2_similarity_threshold
    assert hit.meta["matched_question"] == Q and hit.meta["input_tokens"] == 1200
    again = cache.lookup("meeting", paraphrase, **KW)
    assert again.tier == "l1" and again.answer == A
    stats = cache.stats()
    assert stats["l2"]["hits"] == 1 and stats["l1"]["hits"] == 1


def test_near_misses_do_not_hit(make_cache):
    cache = make_cache()
    cache.store("meeting", "What did Laura say before the break about the buttons?", "She wanted fewer.",
                meta=META, **KW)
    cache.store("meeting", "Why did the group choose the rubber case?", "It is cheaper.", meta=META, **KW)
    cache.store("meeting", "What was decided in the first 10 minutes?", "The roles.", meta=META, **KW)
    near_misses = [
        "What did Laura say after the break about the buttons?",       # before vs after
        "What did David say before the break about the buttons?",      # different name
        "Why did the group not choose the rubber case?",               # negation
        "What was decided in the first 20 minutes?",                   # different number
        "What was decided in the last 10 minutes?",                    # first vs last
        "What did the Marketing expert say before the break about the buttons?",  # speaker
    ]
    for question in near_misses:
        hit = cache.lookup("meeting", question, **KW)
        assert hit is None, f"{question!r} wrongly hit {hit.meta.get('matched_question')!r}"
    assert cache.stats()["l2"]["hits"] == 0


def test_l2_is_scoped_by_video_model_and_prompt_version(make_cache):
    cache = make_cache()
    cache.store("meeting", Q, A, meta=META, **KW)
    paraphrase = "What did the project manager say regarding the remote control's budget?"
    assert cache.lookup("lecture", paraphrase, **KW) is None
    assert cache.lookup("meeting", paraphrase, model="gemini-2.5-pro", prompt_version="qa-v1") is None
    assert cache.lookup("meeting", paraphrase, model="gemini-2.5-flash", prompt_version="qa-v2") is None


def test_a_question_answered_again_under_new_outputs_replaces_its_old_copy(make_cache):
    """Each re-processing into other outputs gives the video's answers a new version (the outputs
    digest): the old copies of a question can never be served, and ten of them used to fill the
    TOP_K nearest entries, so a paraphrase missed the current answer."""
    from halo.cache.semantic import TOP_K

    cache = make_cache()
    for run in range(TOP_K + 2):
        cache.store("meeting", Q, f"{A} (run {run})", model=KW["model"], prompt_version=f"qa-v1+outputs{run}",
                    meta=META)
    current = f"qa-v1+outputs{TOP_K + 1}"
    assert cache.l2.size() == 1
    hit = cache.lookup("meeting", "What did the project manager say regarding the remote control's budget?",
                       model=KW["model"], prompt_version=current)
    assert hit is not None and hit.tier == "l2" and hit.answer == f"{A} (run {TOP_K + 1})"
    other_model = dict(KW, model="gemini-2.5-pro")
    cache.store("meeting", Q, "Pro's answer.", meta=META, **other_model)
    assert cache.l2.size() == 2  # another model's answer is not a stale copy


def test_new_worker_rebuilds_the_index_from_redis(make_cache, redis_url):
    writer = make_cache()
    writer.store("meeting", Q, A, meta=META, **KW)
    reader = make_cache()  # another worker: empty local FAISS, same Redis
    assert reader.rebuild_semantic_index() == 1
    hit = reader.lookup("meeting", "What did the project manager say regarding the remote control's budget?", **KW)
    assert hit is not None and hit.tier == "l2"
    # A later store by the writer reaches the reader's index through the version counter.
    writer.store("meeting", "Which colour did the team pick for the case?", "Yellow.", meta=META, **KW)
    later = reader.lookup("meeting", "What colour did the team choose for the case?", **KW)
    assert later is not None and later.answer == "Yellow."


def test_lru_eviction_keeps_l2_at_its_bound_and_in_every_worker(make_cache):
    cache = make_cache(l2_max_size=4, l1_max_size=100)
    other = make_cache(l2_max_size=4, l1_max_size=100)
    topics = ["the budget", "the colour", "the buttons", "the battery", "the logo", "the screen",
              "the case material", "the launch date"]
    for topic in topics:
        cache.store("meeting", f"What was said about {topic}?", f"About {topic}.", meta=META, **KW)
        assert cache.l2.size() <= 4
    assert cache.l2.size() == 4
    assert other.rebuild_semantic_index() == 4
    assert len(other.l2.sync("meeting").ids) == 4
    assert len(cache.l2.sync("meeting").ids) == 4
    assert cache.stats()["l2"]["evictions"] == 4


def test_semantic_false_skips_l2(make_cache):
    cache = make_cache()
    cache.store("meeting", "Summarise chunk 3: ...text...", "summary", meta=META, semantic=False, **KW)
    assert cache.l2.size() == 0
    assert cache.lookup("meeting", "Summarise chunk 3: ...text...", semantic=False, **KW).tier == "l1"


def test_config_threshold_is_honoured(redis_url):
    strict = TieredCache(CacheConfig(redis_url=redis_url, l2_similarity_threshold=0.999))
    strict.store("meeting", Q, A, meta=META, **KW)
    assert strict.lookup("meeting", "What did the project manager say regarding the remote control's budget?",
                         **KW) is None
    strict.close()


def test_every_deletion_leaves_redis_consistent_and_reaches_every_worker(make_cache, redis_url):
    """Superseding an old copy, LRU eviction and clearing a video delete through one helper: after
    each, the entries Redis holds are exactly those the LRU ranks and the videos' sets list, and
    another worker's index holds the same ids."""
    import redis

    from halo.cache.semantic import LRU_KEY, PREFIX

    cache, other = (make_cache(l2_max_size=3, l1_max_size=100) for _ in range(2))
    assert other.rebuild_semantic_index() == 0  # connects the other worker: an empty index
    client = redis.Redis.from_url(redis_url)

    def held() -> dict[str, int]:
        hashes = {k.decode().rsplit(":", 1)[1] for k in client.scan_iter(match=f"{PREFIX}:e:*")}
        ranked = {m.decode() for m in client.zrange(LRU_KEY, 0, -1)}
        listed = {video: {m.decode() for m in client.smembers(f"{PREFIX}:v:{video}")}
                  for video in ("meeting", "lecture")}
        assert hashes == ranked == set().union(*listed.values())
        for video, ids in listed.items():
            assert {str(i) for i in other.l2.sync(video).ids} == ids
        return {video: len(ids) for video, ids in listed.items()}

    cache.store("meeting", Q, A, model=KW["model"], prompt_version="qa-v1+outputs1", meta=META)
    cache.store("lecture", "What is a monad?", "A monoid in endofunctors.", meta=META, **KW)
    assert held() == {"meeting": 1, "lecture": 1}
    cache.store("meeting", Q, A, model=KW["model"], prompt_version="qa-v1+outputs2", meta=META)  # supersedes
    assert held() == {"meeting": 1, "lecture": 1}
    for topic in ("the colour", "the buttons"):  # four entries in a tier of three: lecture's, the oldest, goes
        cache.store("meeting", f"What was said about {topic}?", f"About {topic}.", meta=META, **KW)
    assert held() == {"meeting": 3, "lecture": 0}
    assert cache.l2.clear("meeting") == 3
    assert held() == {"meeting": 0, "lecture": 0}
