"""`halo cache stats` and `halo cache clear [--video ID]` against a real server (REDIS_URL)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from halo.cache import CacheConfig, TieredCache
from halo_cli.cli import main
from halo_tests.test_cache.conftest import KW, META


def test_cache_stats_and_clear(redis_url, monkeypatch, data_root):
    monkeypatch.setenv("REDIS_URL", redis_url)
    cache = TieredCache(CacheConfig(redis_url=redis_url))
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    cache.store("lecture", "Who gave the lecture?", "Prof. B.", meta=META, **KW)
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW)
    cache.store("meeting", "Why did Laura disagree with David?", "Cost.", meta=META, **KW)
    assert cache.lookup("meeting", "Why did David disagree with Laura?", **KW) is None  # roles swapped
    runner = CliRunner()

    out = runner.invoke(main, ["cache", "stats", "--json"])
    assert out.exit_code == 0, out.output
    stats = json.loads(out.output)
    assert stats["l1"]["hits"] == 1 and stats["l1"]["size"] == 3 and stats["input_tokens_saved"] == 1200
    assert stats["l2"]["rejections"] == {"roles": 1}
    human = runner.invoke(main, ["cache", "stats"])
    assert "l1: 1 hit, 1 miss (50.0%)" in human.output and "$0.0006" in human.output
    assert "refused by the verifier: roles 1" in human.output

    for argv in (["stats", "--video", "meetnig"], ["stats", "--video", "meetnig", "--json"],
                 ["clear", "--video", "meetnig"]):  # a typo: zero figures, or "removed 0 cache entries", exit 0
        typo = runner.invoke(main, ["cache", *argv])
        assert typo.exit_code == 1 and "Unknown video 'meetnig'" in typo.output, typo.output
    meeting = runner.invoke(main, ["cache", "stats", "--video", "meeting"])  # not registered here, but cached
    assert meeting.exit_code == 0 and "l1: 1 hit," in meeting.output, meeting.output
    out = runner.invoke(main, ["cache", "clear", "--video", "meeting"])
    assert out.exit_code == 0 and "removed 4 cache entries of meeting" in out.output
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW) is None
    assert cache.lookup("lecture", "Who gave the lecture?", **KW) is not None
    bad = runner.invoke(main, ["cache", "clear", "--video", "../etc"])
    assert bad.exit_code != 0 and "Invalid video id" in bad.output
    assert runner.invoke(main, ["cache", "clear"]).exit_code == 0
    assert cache.lookup("lecture", "Who gave the lecture?", **KW) is None
    cache.close()


def test_a_video_the_shared_cache_holds_but_nobody_asked_about_is_known(redis_url, monkeypatch, data_root):
    """`halo cache stats --video ID` took an id as known only once a question had been looked up:
    a video another machine processed (its summaries stored, L3) or whose answers were stored but
    not yet looked up was "Unknown video ...: the cache holds nothing of it" (exit 1), while
    `halo cache clear --video ID` found and removed its entries."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    cache = TieredCache(CacheConfig(redis_url=redis_url))
    cache.store_summaries("elsewhere", [{"text": "The budget was cut.", "start": 0.0, "end": 30.0, "chunk_id": 0}])
    cache.store("lecture", "Who gave the lecture?", "Prof. B.", meta=META, **KW)
    runner = CliRunner()
    for video in ("elsewhere", "lecture"):  # neither is registered here
        stats = runner.invoke(main, ["cache", "stats", "--video", video, "--json"])
        assert stats.exit_code == 0 and json.loads(stats.output)["lookups"] == 0, stats.output
    assert runner.invoke(main, ["cache", "stats", "--video", "elsewher"]).exit_code == 1  # a typo still is not
    cleared = runner.invoke(main, ["cache", "clear", "--video", "elsewhere"])
    assert cleared.exit_code == 0 and "removed 1 cache entry of elsewhere" in cleared.output, cleared.output
    again = runner.invoke(main, ["cache", "clear", "--video", "elsewhere"])  # cleared before: known, nothing left
    assert again.exit_code == 0 and "removed 0 cache entries of elsewhere" in again.output, again.output
    cache.close()


def test_stats_of_one_video_count_its_own_entries(redis_url, monkeypatch, data_root):
    """`halo cache stats --video hd60`, after `halo cache clear --video hd60`, said "l1: ...
    42/10000 entries": the entry counts were the whole cache's, under the heading of one video."""
    monkeypatch.setenv("REDIS_URL", redis_url)
    cache = TieredCache(CacheConfig(redis_url=redis_url))
    cache.store("meeting", "Who chaired the meeting?", "Laura.", meta=META, **KW)
    cache.store("meeting", "What did they decide about the battery?", "Rechargeable.", meta=META, **KW)
    cache.store("lecture", "Who gave the lecture?", "Prof. B.", meta=META, **KW)
    cache.store_summaries("meeting", [{"text": "They chose a rubber case.", "start": 0.0, "end": 30.0, "chunk_id": 0},
                                      {"text": "The battery is rechargeable.", "start": 30.0, "end": 60.0,
                                       "chunk_id": 1}])
    sizes = {}
    for video in (None, "meeting", "lecture"):
        out = CliRunner().invoke(main, ["cache", "stats", "--json", *(["--video", video] if video else [])])
        assert out.exit_code == 0, out.output
        stats = json.loads(out.output)
        sizes[video] = (stats["l1"]["size"], stats["l2"]["size"], stats["l3"]["size"])
    assert sizes == {None: (3, 3, 2), "meeting": (2, 2, 2), "lecture": (1, 1, 0)}
    assert CliRunner().invoke(main, ["cache", "clear", "--video", "meeting"]).exit_code == 0
    assert json.loads(CliRunner().invoke(main, ["cache", "stats", "--json", "--video", "meeting"]).output)["l1"]["size"] == 0
    cache.close()
