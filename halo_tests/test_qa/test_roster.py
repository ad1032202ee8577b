"""Speaker names (the roster): stored per video, matched in questions, and the named speaker's
moment found where two people discuss the same thing at different times."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from halo.qa.grounding import local_answer, parse_citations
from halo.qa.speakers import named_speakers, search_query
from halo.qa.video import VideoQA
from halo.speech.roster import named
from halo.storage import write_parquet_atomic
from halo.store import load_roster, output_path, save_roster
from halo_cli.cli import main

ROSTER = {"SPEAKER_00": "Grad A", "SPEAKER_01": "Professor B", "SPEAKER_02": "PhD C"}
# Grad A likes the recording equipment at 40-60 s, Professor B dislikes it at 100-120 s.
LINES = [
    (0, "SPEAKER_00", "Welcome everyone, today we plan the quarterly budget and the hiring schedule for spring."),
    (20, "SPEAKER_01", "Sounds good, I prepared the spreadsheet with the numbers from last year."),
    (40, "SPEAKER_00", "About the recording equipment, I think the new microphones are excellent and setting them up was easy."),
    (60, "SPEAKER_02", "Lunch will be delivered at noon today by the usual caterer downstairs."),
    (80, "SPEAKER_02", "The parking garage closes early on Fridays for the rest of this month."),
    (100, "SPEAKER_01", "On the recording equipment, I think the microphones are terrible and setting them up took me hours."),
    (120, "SPEAKER_01", "Next week we review the results of the advertising campaign together."),
    (140, "SPEAKER_02", "I will send everyone the slides tomorrow morning before nine."),
]
A_SPAN, B_SPAN = (40.0, 60.0), (100.0, 120.0)


def transcript() -> tuple[pd.DataFrame, pd.DataFrame]:
    utts = pd.DataFrame({"utt_id": range(len(LINES)), "start": [float(t) for t, _, _ in LINES],
                         "end": [t + 20.0 for t, _, _ in LINES], "speaker": [s for _, s, _ in LINES],
                         "scene_id": 0, "text": [x for _, _, x in LINES]})
    chunks = pd.DataFrame({"chunk_id": range(4), "start": [0.0, 40.0, 80.0, 120.0], "end": [40.0, 80.0, 120.0, 160.0],
                           "first_utt": [0, 2, 4, 6], "last_utt": [1, 3, 5, 7],
                           "text": [" ".join(utts.text[i:i + 2]) for i in range(0, 8, 2)]})
    return chunks, utts


def first_citation(video: VideoQA, question: str) -> float:
    """Where the local answer to ``question`` cites first, found as Conversation finds it."""
    names = video.roster.values()
    speakers = frozenset(video.named_in(question))
    hits = video.index.search(search_query(question, names), 3, focus=video.focus(speakers))
    return parse_citations(local_answer(video, search_query(question, names), hits, speakers=speakers), 160.0)[0]["start"]


@pytest.mark.parametrize("question, names, expected", [
    ("What did C think about setting up the recording equipment?", {"Professor C", "PhD A"}, {"Professor C"}),
    ("What did the Professor think about the results?", {"Professor C", "PhD A"}, {"Professor C"}),
    ("What did PhD A think about the results?", {"PhD A", "Grad A", "Professor C"}, {"PhD A"}),
    ("What did A think?", {"PhD A", "Grad A", "Professor C"}, {"PhD A", "Grad A"}),
    ("Why did Industrial Design agree with the Marketing?", {"Industrial Designer", "Marketing", "Project Manager"},
     {"Industrial Designer", "Marketing"}),
    ("What did Alice say about cats?", {"Alice", "Bob"}, {"Alice"}),
    ("What did Ann B think about the price?", {"Ann B", "Bob"}, {"Ann B"}),  # a personal name ending in a letter
    ("What did the C++ guy (Bob) say?", {"C++ guy (Bob)", "Ann"}, {"C++ guy (Bob)"}),  # regex characters
    ("What is plan B about?", {"B", "Professor C"}, set()),  # a bare letter is found by mentions only
    # a role as a topic, or a speaker the roster does not know: nobody
    ("Summarize the group's plan of their marketing strategy.", {"Marketing", "Project Manager"}, set()),
    ("What did D think about the results?", {"Professor C", "PhD A"}, set()),
    ("What did the Professor think about the results?", {"SPEAKER_00"}, set()),
])
def test_a_question_names_the_roster_speakers_it_means(question, names, expected):
    assert named_speakers(question, names) == expected


@pytest.mark.parametrize("question, names, searched", [
    ("What did Ann B think about the price?", ["Ann B"], "What did think about the price?"),
    ("What did the C++ guy (Bob) say about pricing?", ["C++ guy (Bob)"], "What did the say about pricing?"),
    ("Summarize the marketing strategy.", ["Marketing"], "Summarize the marketing strategy."),  # a topic stays
])
def test_the_search_leaves_out_roster_names_as_said(question, names, searched):
    assert search_query(question, names) == searched


def test_the_named_speakers_moment_is_cited_only_with_the_roster():
    chunks, utts = transcript()
    bare = VideoQA("v", 160.0, chunks, utts, {}, "")
    asked = [first_citation(bare, f"What did {who} think about setting up the recording equipment?") for who in "AB"]
    assert asked[0] == asked[1]  # without names the speaker cannot matter: one answer, right for one of them
    video = VideoQA("v", 160.0, chunks, named(utts, ROSTER), {}, "", roster=ROSTER)
    a = first_citation(video, "What did A think about setting up the recording equipment?")
    b = first_citation(video, "What did B think about setting up the recording equipment?")
    prof = first_citation(video, "What did the Professor think about setting up the recording equipment?")
    assert A_SPAN[0] <= a < A_SPAN[1] and B_SPAN[0] <= b < B_SPAN[1] and B_SPAN[0] <= prof < B_SPAN[1]
    nobody = first_citation(video, "What did D think about setting up the recording equipment?")
    assert nobody == asked[0]  # a name matching nobody: as without a roster


@pytest.mark.parametrize("root", ["folder", "memory://halo-roster-test"])
def test_the_roster_round_trips_through_the_store(data_root, tmp_path, monkeypatch, root):
    monkeypatch.setenv("HALO_STORAGE_ROOT", str(tmp_path / "store") if root == "folder" else root)
    assert load_roster("v") == ({}, "")
    save_roster("v", ROSTER, "0123abcd")
    assert load_roster("v") == (ROSTER, "0123abcd")
    if root == "folder":
        assert json.loads((tmp_path / "store" / "speakers" / "v.json").read_text())["names"] == ROSTER


def test_halo_speakers_lists_names_and_answers_use_the_names(data_root, fresh_redis, no_key_env, monkeypatch):
    monkeypatch.setenv("REDIS_URL", fresh_redis)
    chunks, utts = transcript()
    write_parquet_atomic(chunks, output_path("chunks", "v"))
    write_parquet_atomic(utts, output_path("utterances", "v"))
    runner = CliRunner()
    listed = runner.invoke(main, ["speakers", "v"])
    assert listed.exit_code == 0, listed.output
    assert "SPEAKER_01  (no name)  talk 01:00, 3 utterances" in listed.stdout
    assert "    [01:40] On the recording equipment, I think the microphones are terrible" in listed.stdout

    question = "What did B think about setting up the recording equipment?"
    before = runner.invoke(main, ["ask", "v", question, "--json"])
    assert before.exit_code == 0, before.output
    named_ = runner.invoke(main, ["speakers", "v", "--name", "SPEAKER_01=Professor B", "--name", "SPEAKER_00=Grad A"])
    assert named_.exit_code == 0, named_.output
    assert "SPEAKER_01  Professor B  talk 01:00" in named_.stdout and load_roster("v")[0] == {
        "SPEAKER_00": "Grad A", "SPEAKER_01": "Professor B"}
    after = json.loads(runner.invoke(main, ["ask", "v", question, "--json"]).stdout)
    assert after["cache_tier"] == ""  # naming dropped the answer cached before the names
    first = after["citations"][0]
    assert B_SPAN[0] <= first["start"] < B_SPAN[1] and first["speaker"] == "Professor B"
    assert "Professor B: " in after["response_text"]

    wrong = runner.invoke(main, ["speakers", "v", "--name", "SPEAKER_09=Nobody"])
    assert wrong.exit_code == 1 and "no speaker SPEAKER_09" in wrong.output and "SPEAKER_00" in wrong.output
    bad = runner.invoke(main, ["speakers", "v", "--name", "Professor B"])
    assert bad.exit_code == 2 and "LABEL=NAME" in bad.output
    merged = runner.invoke(main, ["speakers", "v", "--name", "SPEAKER_02=SPEAKER_01"])
    assert merged.exit_code == 1 and "another speaker's label" in merged.output
    assert load_roster("v")[0] == {"SPEAKER_00": "Grad A", "SPEAKER_01": "Professor B"}


def test_a_roster_edited_by_hand_is_quoted_at_once_not_the_cached_names(data_root, fresh_redis, no_key_env,
                                                                        monkeypatch):
    """`halo speakers --name` drops the cached answers; a speakers/<id>.json written by hand (or by
    a script) does not, so the cache key itself must follow the names answers quote."""
    from halo.speech.roster import turns_digest
    from halo.store import roster_file

    monkeypatch.setenv("REDIS_URL", fresh_redis)
    chunks, utts = transcript()
    write_parquet_atomic(chunks, output_path("chunks", "v"))
    write_parquet_atomic(utts, output_path("utterances", "v"))
    save_roster("v", {"SPEAKER_01": "Professor B"}, turns_digest(utts))
    question = "What did Professor B think about setting up the recording equipment?"
    runner = CliRunner()
    first = json.loads(runner.invoke(main, ["ask", "v", question, "--session", "s1", "--json"]).stdout)
    assert "Professor B: " in first["response_text"]
    again = json.loads(runner.invoke(main, ["ask", "v", question, "--session", "s2", "--json"]).stdout)
    assert again["cache_tier"] == "L1"  # the light path serves a repeat while nothing changed

    body = json.loads(roster_file("v").read_text())
    body["names"] = {"SPEAKER_01": "Dr Brown"}
    roster_file("v").write_text(json.dumps(body))  # an edit by hand: no cache is dropped
    edited = json.loads(runner.invoke(main, ["ask", "v", question, "--session", "s3", "--json"]).stdout)
    assert edited["cache_tier"] == ""
    assert "Dr Brown: " in edited["response_text"] and "Professor B" not in edited["response_text"]
    speakers = {c["speaker"] for c in edited["citations"]}
    assert "Dr Brown" in speakers and "Professor B" not in speakers


def test_names_are_dropped_when_processing_again_relabels_the_speakers(data_root, fresh_redis, no_key_env,
                                                                      monkeypatch, caplog):
    """Diarization's labels are cluster numbers: a second run may give SPEAKER_00 to another
    voice, and the old names would then sit on the wrong person's lines."""
    from halo.speech.roster import current_roster
    from halo_cli.pipeline import HALOPipeline

    monkeypatch.setenv("REDIS_URL", fresh_redis)
    chunks, utts = transcript()
    write_parquet_atomic(chunks, output_path("chunks", "v"))
    write_parquet_atomic(utts, output_path("utterances", "v"))
    HALOPipeline().name_speakers("v", {"SPEAKER_01": "Professor B"})
    write_parquet_atomic(utts.copy(), output_path("utterances", "v"))  # the same run again: same labels
    assert VideoQA.load("v").roster == {"SPEAKER_01": "Professor B"} and not caplog.records
    exported = CliRunner().invoke(main, ["export", "v", "-"])
    assert json.loads(exported.stdout)["speaker_names"] == {"SPEAKER_01": "Professor B"}, exported.output

    swapped = utts.assign(speaker=utts.speaker.replace({"SPEAKER_00": "SPEAKER_01", "SPEAKER_01": "SPEAKER_00"}))
    write_parquet_atomic(swapped, output_path("utterances", "v"))
    video = VideoQA.load("v")
    assert video.roster == {} and "Professor B" not in set(video.utterances.speaker)
    assert "processed again after its speakers were named" in caplog.text and "halo speakers v" in caplog.text
    listed = CliRunner().invoke(main, ["speakers", "v", "--json"])
    assert [s["name"] for s in json.loads(listed.stdout)] == ["", "", ""]
    assert json.loads(CliRunner().invoke(main, ["export", "v", "-"]).stdout)["speaker_names"] == {}
    HALOPipeline().name_speakers("v", {"SPEAKER_00": "Professor B"})  # named again: only the new name
    assert current_roster("v", swapped) == {"SPEAKER_00": "Professor B"}


@pytest.mark.parametrize("question, cached", [
    ("What did PhD A think about the results?", "What did Grad A think about the results?"),
    ("What did Professor C think about the results?", "What did Professor D think about the results?"),
    ("What did C think about the results?", "What did B think about the results?"),
    ("What did the Professor think about the results?", "What did PhD A think about the results?"),
    ("What did Alice think about the results?", "What did Bob think about the results?"),
])
def test_the_cache_never_serves_one_named_speakers_answer_for_another(question, cached):
    from halo.cache.guard import verify

    assert not verify(question, cached).ok


def test_the_overview_puts_the_most_talkative_first_with_lines_that_say_something():
    from halo.speech.roster import overview

    _, utts = transcript()
    short = pd.DataFrame([{"utt_id": 8, "start": 10.0, "end": 11.0, "speaker": "SPEAKER_02", "scene_id": 0,
                           "text": "Right, okay."}])
    listed = overview(pd.concat([utts, short], ignore_index=True), {"SPEAKER_02": "PhD C"}, lines=1)
    assert [(s.label, s.name, s.utterances) for s in listed] == [
        ("SPEAKER_02", "PhD C", 4), ("SPEAKER_01", "", 3), ("SPEAKER_00", "", 2)]
    assert listed[0].first_lines == [(60.0, LINES[3][2])]  # not "Right, okay." at 10 s


def test_a_slide_counts_the_speakers_of_what_is_said_while_it_is_shown():
    from halo.qa.speaker_focus import FOCUS_WEIGHT, SLIDE_SPEECH_S, focus
    from halo.vision.marks import ON_SCREEN_MARK

    utts = pd.DataFrame({"start": [30.0, 40.5], "end": [40.5, 60.0], "speaker": ["Grad A", "Professor B"]})
    units = pd.DataFrame({"start": [40.0, 30.0], "end": [41.0, 50.0],
                          "text": [f"{ON_SCREEN_MARK} Recording equipment", "a window of speech"]})
    got = focus(units, utts, {"Professor B"}) / FOCUS_WEIGHT
    assert got[0] == pytest.approx((SLIDE_SPEECH_S - 0.5) / SLIDE_SPEECH_S)  # not 0.5: its own second
    assert got[1] == pytest.approx(9.5 / 20.0)
    assert focus(units, utts, set()) is None


def test_a_named_speakers_moment_is_their_speech_not_the_title_slide_over_it():
    """The topic's title slide repeats the question's topic and outscores every spoken line under
    it; "What did B think about ...?" must still cite what B said (halo/qa/retrieval.py ``top``)."""
    from halo.vision.marks import ON_SCREEN_MARK

    chunks, utts = transcript()
    chunks.loc[2, "text"] += f"\n{ON_SCREEN_MARK} [01:20] Setting up the recording equipment"
    video = VideoQA("v", 160.0, chunks, named(utts, ROSTER), {}, "", roster=ROSTER)
    question = "What did B think about setting up the recording equipment?"
    assert B_SPAN[0] <= first_citation(video, question) < B_SPAN[1]
    summary = "Summarize the discussion about setting up the recording equipment"
    assert first_citation(video, summary) == 80.0  # nobody named: the slide is still the moment
