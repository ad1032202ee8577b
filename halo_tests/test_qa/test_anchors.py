"""What a question quotes or names (halo/qa/anchors.py), checked against texts whose right match is known.

The transcript and slide texts are the ones a generated tuning-half lecture (val-0, 2, 4) gave:
the quote is the generator's truth, the candidates what ASR and OCR made of it.
"""

from __future__ import annotations

import pandas as pd

from halo.qa.anchors import Anchors, quotes_of, title_of_state

SAID = [
    "Right. So I'm just gonna start this PowerPoint real quick. We'll go from there.",
    "I'll be if you guys, if at the same time, if you like logically, if something doesn't like it",  # ASR's
    "Yeah.",
    "I'll leave that to you guys but that's something that I -I -it is gonna be an international thing",
]
SLIDES = [
    "[on screen] Multi functions and a | user-friendly appearance | ·Remote | · Initial | · Control",
    "[on screen] Presentations on working | design, technical | functions, functional",
    "[on screen] Presentations on working | design, technical | functions, functional | ·Function | ·Signal | . Computer",
]


def test_quotes_are_the_quoted_phrases_of_three_words_or_more() -> None:
    assert quotes_of('When somebody said "Obvi if if you guys if if at", what did the slide say?') == [
        "Obvi if if you guys if if at"]
    assert quotes_of("What did the slide about “Budget” list?") == []  # one word: a name, not a quote
    assert quotes_of("What was decided?") == []


def test_a_misheard_quote_still_finds_what_was_said() -> None:
    scores = Anchors(SAID).quote_scores(["Obvi if if you guys if if at"])  # the truth; ASR heard "I'll be if ..."
    assert scores.argmax() == 1 and scores[1] > 0 and scores[2] == 0.0  # "Yeah." aligns inside nothing
    exact = Anchors(SAID).quote_scores(["I'll leave that to you guys but that's"])
    assert exact.argmax() == 3 and exact[3] == 1.0


def test_the_title_of_a_screen_state_is_its_lines_before_the_bullets() -> None:
    assert title_of_state(SLIDES[0]) == "Multi functions and a user-friendly appearance"
    assert title_of_state("[on screen] [06:40] Budget | \u2022 Euros") == "Budget"
    assert title_of_state(SAID[0]) == ""


def test_a_numbering_header_is_no_title_and_saying_topic_names_no_slide() -> None:
    """The bundled sample's slides read "Topic N of 5" above their titles (bench/samplegen.py)."""
    states = ["[on screen] [00:00] Topic 1 of 5 | Remote control design | \u2022 Buttons",
              "[on screen] [01:40] Topic 2 of 5 | Target price and cost"]
    assert [title_of_state(t) for t in states] == ["Remote control design", "Target price and cost"]
    anchors = Anchors(states)
    assert not anchors.title_scores("What was the second topic of the meeting about?").any()
    assert list(anchors.title_scores("What did the slide on remote control design show?")) == [1.0, 0.0]


def test_a_slide_named_in_full_beats_a_neighbour_sharing_a_word() -> None:
    anchors = Anchors(SAID + SLIDES)
    named = anchors.title_scores("List the words shown on the Presentations on working design, technical functions, "
                                 "functional slide.")
    assert list(named[:4]) == [0.0] * 4  # speech has no title
    assert named[5] == named[6] == 1.0 and named[4] < 0.5  # "functions" alone does not name slide 0
    assert not Anchors(SLIDES).scores("What did they decide about the budget?").any()  # names and quotes nothing


def lecture_part() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two chunks of the tuning lecture: the slide's title alone from 317.6 s, its terms from 400.1 s."""
    utts = pd.DataFrame({"utt_id": range(4), "start": [318.0, 340.0, 392.0, 410.0], "end": [330.0, 390.0, 400.0, 450.0],
                         "speaker": ["SPEAKER_00"] * 4,
                         "text": ["I think that has to come out of there.", "Shall shall we pull this up? Okay, yeah.",
                                  "I don't see anything on my computer now.", "If you press function and that again."]})
    chunks = pd.DataFrame({"chunk_id": [4, 5], "start": [317.6, 391.7], "end": [391.0, 455.3], "first_utt": [0, 2],
                           "last_utt": [1, 3],
                           "text": [" ".join(utts.text[:2]) + "\n[on screen] [05:17] " + SLIDES[1][12:],
                                    " ".join(utts.text[2:]) + "\n[on screen] [06:40] " + SLIDES[2][12:]]})
    return chunks, utts


def test_a_slide_that_builds_up_across_a_chunk_cut_is_searched_as_its_fuller_state() -> None:
    """Asked for the terms by the slide's title, the answer cites 400 s, when they were on
    screen, not 317 s, when the title appeared alone (the earlier chunk still shows it)."""
    from halo.qa.retrieval import built_up

    assert built_up([SLIDES[1], SAID[0], SLIDES[2], SLIDES[2]]) == [True, False, False, False]
    from halo.qa import VideoQA
    from halo.qa.grounding import local_answer

    video = VideoQA("lecture", 478.0, *lecture_part(), {}, "")
    question = 'Which key terms were on the slide titled "Presentations on working design, technical functions, functional"?'
    hits = video.index.search(question, 2)
    assert hits[0].chunk_id == 5 and hits[0].moment_start == 400.0
    assert local_answer(video, question, hits).startswith(f"[06:40] {SLIDES[2]}")  # whole, "| . Computer" too


def test_the_slide_shown_while_the_quote_was_said_is_quoted_with_it() -> None:
    """The excerpt of the moment a quote was said carries the screen state of that time (for
    Gemini), and the offline answer cites a time inside the slide's span (317.6-400.1 s)."""
    from halo.qa import VideoQA
    from halo.qa.grounding import excerpt_rows, local_answer, parse_citations

    chunks, utts = lecture_part()
    video = VideoQA("lecture", 478.0, chunks, utts, {}, "")
    question = 'What was the title of the slide shown when someone said "Shall we pull this up okay"?'
    hits = video.index.search(question, 2)
    assert hits[0].chunk_id == 4 and hits[0].moment_start <= 340.0 < hits[0].moment_end  # when it was said
    quoted = excerpt_rows(video.chunk_utterances(4), hits[0])
    assert quoted["text"].str.startswith("[on screen] Presentations on working").any()
    first = parse_citations(local_answer(video, question, hits), 478.0)[0]["start"]
    assert 317.0 <= first < 400.1


def two_slides() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two chunks of the tuning lecture: "The financial blueprint of the remote control" on screen
    in the first, "Multi functions and a user-friendly appearance" in the second, where someone
    says "remote control" at 202.6 s."""
    utts = pd.DataFrame({"utt_id": range(4), "start": [131.0, 150.0, 190.0, 202.6], "end": [148.0, 160.0, 200.0, 210.0],
                         "speaker": ["SPEAKER_00"] * 4,
                         "text": ["Okay, so I'll go over the money we have for this project.",
                                  "I'll leave that to you guys but that's something that I it is gonna be international.",
                                  "So actually in a way you guys could pick what it looks like.",
                                  "I assume that we're building a stand alone remote control, we can't kind of build it "
                                  "into other products."]})
    blueprint = "[on screen] [02:09] The financial blueprint of | the remote control | •Especially | •General | •Region"
    chunks = pd.DataFrame({"chunk_id": [1, 2], "start": [129.8, 184.0], "end": [184.0, 317.6], "first_utt": [0, 2],
                           "last_utt": [1, 3],
                           "text": [" ".join(utts.text[:2]) + "\n" + blueprint,
                                    " ".join(utts.text[2:]) + "\n[on screen] [03:04] " + SLIDES[0][12:]]})
    return chunks, utts


def test_quoted_speech_that_spells_another_slides_title_names_no_slide() -> None:
    """Words quoted as said ("... remote control ...") are when, not which slide: the slide whose
    title they spell ("... the remote control") gets no title share from them, and the answer
    cites the moment they were said (202.6 s, under the other slide). A quoted title (held by its
    screen state word for word) still names its slide."""
    from halo.qa import VideoQA

    said = 'What was the title of the slide shown when someone said "building a stand alone remote control"?'
    chunks, utts = two_slides()
    anchors = Anchors([*SAID, utts.text[3], *SLIDES, "[on screen] The financial blueprint of | the remote control | •Especially"])
    assert anchors.title_scores(said)[-1] == 0.5  # two of its four title words are in the question...
    assert anchors.scores(said)[-1] == anchors.quote_scores(quotes_of(said))[-1]  # ...but quoted as speech
    titled = 'Which key terms were on the slide titled "The financial blueprint of the remote control"?'
    assert anchors.scores(titled)[-1] == 2.0  # quoted title: held word for word and named in full
    hits = VideoQA("lecture", 478.0, chunks, utts, {}, "").index.search(said, 2)
    assert hits[0].chunk_id == 2 and hits[0].moment_start <= 202.6 < hits[0].moment_end
