"""The offline answer's quotes: first from the top moment, and no line quoted twice."""

from __future__ import annotations

import pandas as pd

from halo.qa.grounding import local_answer, parse_citations
from halo.qa.retrieval import Retrieved

TITLE = "[on screen] Topic 1 of 5 | Setting up recording equipment and explaining its use"


class _Video:
    """Two parts of one topic, each opening under the same on-screen title (as a generated
    meeting shows the topic's title for the whole topic)."""

    rows = {
        0: pd.DataFrame({"start": [0.0, 0.0, 12.0], "end": [0.0, 10.0, 20.0], "speaker": ["", "A", "B"],
                         "text": [TITLE, "Please wear the wireless microphone close to your mouth.",
                                  "The recording equipment needs the consent forms first."]}),
        1: pd.DataFrame({"start": [30.0, 30.0], "end": [30.0, 40.0], "speaker": ["", "C"],
                         "text": [TITLE, "We should read the digit strings before we start."]}),
    }

    def chunk_utterances(self, chunk_id: int) -> pd.DataFrame:
        return self.rows[chunk_id]

    def sentence_vectors(self, texts: list[str]):
        from halo.text.embed import embed_texts

        return embed_texts(texts)  # no stored qa_index: embedded now, as for an index stored before quotes


def test_a_line_shown_under_every_part_is_quoted_once_and_the_first_quote_is_the_top_moment():
    hits = [Retrieved(0, 0.0, 20.0, 1.5, 0.0, 1.0), Retrieved(1, 30.0, 40.0, 1.45, 30.0, 31.0)]
    answer = local_answer(_Video(), "Summarize the discussion about setting up the recording equipment", hits)
    assert answer.count("Topic 1 of 5") == 1
    cited = parse_citations(answer, 60.0)
    assert cited[0]["start"] == 0.0  # the top part's moment (the title as it appeared)
    assert len(cited) == 2 and cited[1]["start"] != 30.0  # the second quote is speech, not the title again


def test_a_quoted_slide_is_cited_as_on_screen_not_as_the_speaker_talking_then():
    """The local answer quotes a slide as "[00:00] [on screen] Topic 1 ...", and its citation was
    resolved to the utterance overlapping that second: `halo ask` showed "[00:00-00:10] A", as if
    A had said the slide. A slide's citation carries no speaker and says it was on screen."""
    import click
    from click.testing import CliRunner

    from halo_cli.cli import _print_answer
    from halo_cli.pipeline import Answer, resolve_citation

    video = _Video()
    hits = [Retrieved(0, 0.0, 20.0, 1.5, 0.0, 1.0)]
    answer = local_answer(video, "Summarize the discussion about setting up the recording equipment", hits)
    assert answer.startswith("[00:00] [on screen] Topic 1 of 5")
    chunks = pd.DataFrame({"chunk_id": [0], "start": [0.0], "end": [20.0]})
    cited = [resolve_citation(c, chunks, video.rows[0].iloc[1:]) for c in parse_citations(answer, 60.0)]
    slide, said = cited[0], cited[1]
    assert (slide["start"], slide["end"], slide["speaker"], slide["chunk_id"]) == (0.0, 1.0, None, 0)
    assert slide["on_screen"]
    assert said["speaker"] in {"A", "B"} and not said["on_screen"]

    shown = Answer(video_id="v", session="s", question="q", response_text=answer, citations=cited, cache_tier="",
                   backend="local", model="extractive", input_tokens=0, cached_tokens=0, output_tokens=0,
                   cost_usd=0.0, naive_tokens=0, naive_cost_usd=0.0)
    printed = CliRunner().invoke(click.Command("show", callback=lambda: _print_answer(shown, as_json=False)))
    assert "cited: [00:00-00:01] on screen (chunk 0), " in printed.stderr, printed.stderr


class _SlideVideo:
    """One part: A talks 0-10 s, a slide appears at 5 s and at 0 s (with A's first words), B talks 12-20 s."""

    chunks = pd.DataFrame({"chunk_id": [0], "start": [0.0], "end": [20.0]})
    rows = pd.DataFrame({"start": [0.0, 0.0, 5.0, 12.0], "end": [5.0, 10.0, 12.0, 20.0],
                         "speaker": [None, "A", None, "B"],
                         "text": ["[on screen] Recording set-up", "Please wear the wireless microphone.",
                                  "[on screen] Consent forms before any recording",
                                  "The recording equipment needs the consent forms first."]})

    def chunk_utterances(self, chunk_id: int) -> pd.DataFrame:
        return self.rows


def test_a_slide_cited_inline_as_gemini_writes_it_is_on_screen_not_the_speaker_talking_then():
    """Gemini cites a slide line as it cites speech, after its sentence ("... [00:05]."), not as
    "[00:05] [on screen] ..." the way the local answer quotes it: such a citation was resolved to
    A, talking at 5 s, as if A had said the slide. It is on screen with no speaker now; a time at
    which a line was also said (0 s) stays that line's, and speech stays the speaker's."""
    from halo.qa.grounding import mark_slide_citations
    from halo_cli.pipeline import resolve_citation

    video = _SlideVideo()
    answer = ("Consent forms come before any recording, as the slide says [00:05]. B said the equipment needs "
              "them first [00:12], and A asked everyone to wear the microphone [00:00].")
    marked = mark_slide_citations(parse_citations(answer, 20.0), video)
    spoken = video.rows[video.rows["speaker"].notna()]
    cited = [resolve_citation(c, video.chunks, spoken) for c in marked]
    assert [(c["start"], c["end"], c["speaker"], c["on_screen"]) for c in cited] == [
        (5.0, 6.0, None, True), (12.0, 20.0, "B", False), (0.0, 10.0, "A", False)]


def test_a_spoken_sentence_quoted_in_the_second_a_slide_appeared_stays_the_speaker_s():
    """The local answer quotes sentences timed by their share of the words, so a second sentence
    starts inside its utterance: A's "Consent forms come before any recording." at 5 s, the
    second the consent slide appeared. No utterance starts at 5 s, so the citation
    "[00:05] A: ..." was marked on screen and shown with no speaker, as if A's words were the
    slide. A sentence said at the cited second counts as said, as an utterance starting then does."""
    from halo.qa.grounding import _line, mark_slide_citations
    from halo.qa.retrieval import quotable
    from halo_cli.pipeline import resolve_citation

    video = _SlideVideo()
    video.rows = pd.DataFrame({
        "start": [0.0, 5.0, 12.0], "end": [10.0, 12.0, 20.0], "speaker": ["A", None, "B"],
        "text": ["Please wear the wireless microphone now. Consent forms come before any recording.",
                 "[on screen] Consent forms before any recording",
                 "The recording equipment needs the consent forms first."]})
    said = next(s for s in quotable(video.rows) if s[0].startswith("Consent forms come"))
    assert (round(said[1]), said[3]) == (5, "A")  # quoted at the slide's second, mid-utterance
    marked = mark_slide_citations(parse_citations(_line(said[1], said[3], said[0]), 20.0), video)
    spoken = video.rows[video.rows["speaker"].notna()]
    cited = [resolve_citation(c, video.chunks, spoken) for c in marked]
    assert [(c["start"], c["speaker"], c["on_screen"]) for c in cited] == [(0.0, "A", False)]


def test_a_slide_cited_at_a_chunk_edge_is_in_the_chunk_that_shows_it():
    """Chunks are cut at slide changes, and a slide's time is written in whole seconds: a slide
    shown from 43.4 s, the first line of the part starting there, is cited [00:43] -- a second
    the part before still covers. The citation named that earlier part, whose text does not hold
    the slide; it names the part that shows it."""
    from halo_cli.pipeline import resolve_citation

    chunks = pd.DataFrame({"chunk_id": [0, 1], "start": [0.0, 43.4], "end": [43.4, 90.0],
                           "text": ["Welcome, everyone.", "We move on to the budget.\n[on screen] [00:43] Budget 2027"]})
    spoken = pd.DataFrame({"start": [0.0, 44.0], "end": [43.3, 90.0], "speaker": ["A", "B"]})
    cited = resolve_citation({"start": 43.0, "end": 43.0, "on_screen": True}, chunks, spoken)
    assert (cited["start"], cited["speaker"], cited["chunk_id"]) == (43.0, None, 1)
    spoken_at_the_edge = resolve_citation({"start": 43.0, "end": 43.0, "on_screen": False}, chunks, spoken)
    assert (spoken_at_the_edge["speaker"], spoken_at_the_edge["chunk_id"]) == ("A", 0)


def test_a_slide_and_a_line_quoted_at_the_same_second_are_both_cited():
    """A 4 s clip cut at a topic change: the slide appears as a speaker starts, and the local answer
    quotes both at [00:01]. The second citation was dropped as a repeat of the first, so `halo ask`
    listed only "on screen" and the speaker's line had no citation."""
    answer = "[00:01] [on screen] Topic 3 of 5 | Expected price [00:01] SPEAKER_01: there we go okay"
    cited = parse_citations(answer, 4.0)
    assert [(c["start"], c["on_screen"]) for c in cited] == [(1.0, True), (1.0, False)]
    assert len(parse_citations("Yes [00:01], as said [00:01].", 4.0)) == 1  # a true repeat is still one
