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
    assert "l1: 1 hits" in human.output and "$0.0006" in human.output
    assert "refused by the verifier: roles 1" in human.output

    for argv in (["stats", "--video", "meetnig"], ["stats", "--video", "meetnig", "--json"],
                 ["clear", "--video", "meetnig"]):  # a typo: zero figures, or "removed 0 cache entries", exit 0
        typo = runner.invoke(main, ["cache", *argv])
        assert typo.exit_code == 1 and "Unknown video 'meetnig'" in typo.output, typo.output
    meeting = runner.invoke(main, ["cache", "stats", "--video", "meeting"])  # not registered here, but cached
    assert meeting.exit_code == 0 and "l1: 1 hits" in meeting.output, meeting.output
    out = runner.invoke(main, ["cache", "clear", "--video", "meeting"])
    assert out.exit_code == 0 and "removed 4 cache entries of meeting" in out.output
    assert cache.lookup("meeting", "Who chaired the meeting?", **KW) is None
    assert cache.lookup("lecture", "Who gave the lecture?", **KW) is not None
    bad = runner.invoke(main, ["cache", "clear", "--video", "../etc"])
    assert bad.exit_code != 0 and "Invalid video id" in bad.output
    assert runner.invoke(main, ["cache", "clear"]).exit_code == 0
    assert cache.lookup("lecture", "Who gave the lecture?", **KW) is None
    cache.close()
