"""bench_headline's generated meetings: which meetings, and a file is reused only if it was made as asked."""

from __future__ import annotations

import json

from bench import bench_headline


def test_a_meeting_generated_with_slides_is_not_reused_as_one_without(tmp_path, monkeypatch):
    """The default became "no slides" under the name the slides meetings had always had
    (headline_0_3600s.mp4), so a machine that ran the benchmark before reused its slides video
    for the no-slides run without a word: titles on screen, the figures of the other setting."""
    made = []
    monkeypatch.setattr(bench_headline, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(bench_headline, "meetings_in", lambda half: ["1", "3"])
    monkeypatch.setattr(bench_headline.subprocess, "run", lambda argv, **kw: made.append(argv))
    old = tmp_path / "data" / "bench" / "headline_0_3600s.mp4"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"a slides video")
    truth = {"generator": {"realism": {}}}  # written before the realism recorded `slides`: they were always drawn
    old.with_name(old.stem + ".truth.json").write_text(json.dumps(truth))

    assert bench_headline.ensure_video(0, 3600.0, spliced=True) == old and len(made) == 1 and "--no-slides" in made[0]
    made.clear()
    truth["generator"]["realism"]["slides"] = False  # as the run above rewrites it
    old.with_name(old.stem + ".truth.json").write_text(json.dumps(truth))
    assert bench_headline.ensure_video(0, 3600.0, spliced=True) == old and made == []  # now it is reused


def test_the_default_headline_video_is_the_longest_reporting_meeting_whole(tmp_path, monkeypatch):
    """A recording is one meeting: the default renders the longest reporting-half meeting whole,
    as the generator would speak it (val-29, about 52 min), never a tuning-half one, and its name
    says which meeting. val-31 has the longest transcript but keeps only 18 min with six voices:
    rendered as the first headline it had no question left to ask."""
    from bench.splits import half_of

    made = []
    monkeypatch.setattr(bench_headline, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(bench_headline.subprocess, "run", lambda argv, **kw: made.append(argv))
    longest = bench_headline.longest_meetings("report")

    assert longest[:2] == ["val-29", "val-11"] and longest.index("val-31") > 5
    assert all(half_of(int(m.split("-")[1])) == "report" for m in longest)
    path = bench_headline.ensure_video(1, 3600.0)
    assert path.name == "headline_val-11_3600s.mp4" and bench_headline.video_id_of(path) == "headline-val-11-3600s"
    argv = made[0]
    assert argv[argv.index("--meetings") + 1:] == ["val-11"]
    assert "--full-turns" in argv and argv[argv.index("--topic-seconds") + 1] == "100000"
