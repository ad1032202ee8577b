"""What a question pins down word for word: speech it quotes, a slide it names by its title.

Dense retrieval (MiniLM) reads a question for its gist, which is the wrong reading of two
kinds of question about lectures (issue 14):

* "What was on the slide when someone said "I'll leave that to you guys but that's"?" -- the
  quoted words say *where*; their gist ("leaving something to you guys") matched other talk.
  The transcript rarely holds the quote exactly (ASR mishears: "Obvi if if you guys if if at"
  was transcribed "I'll be if you guys, if at the same time"), so the quote is matched
  fuzzily, characters aligned (RapidFuzz ``partial_ratio``).
* "Which key terms were on the slide titled Presentations on working design, technical
  functions?" -- the title is named, but adjacent slides share words ("...technical
  functions" next to "Multi functions and ..."), and a screen state of a few words embeds
  poorly. A screen state scores the share of its title's words that the question contains, so
  the slide named in full beats a neighbour that shares one word.

Quotation marks hold either: speech ("when someone said "...we're building a stand alone
remote control""), or a title ("the slide titled "The financial blueprint of the remote
control""). A quote is taken as speech when some speech holds it better than any screen state
does; then its words name no slide, else a quote of speech that spelled part of another
slide's title ("remote control") gave that slide a title share and pulled the answer to it.

Both scores lie in [0, 1] and are added to a unit's (or a quoted sentence's) score, so they
decide between units only when the question quotes or names something; a question that does
neither scores 0 everywhere (QMSum's questions, a video without slides). The weights were set
to 1 (the size of a cosine) and not swept; the floor is the chance level measured on a
tuning-half lecture (val-0, 2, 4: unrelated 50-word windows reach 55-64, the garbled quote
above 71). Three tuning-half lectures, four phrasings per question: 78/96 cite inside the
slide's span before, 96/96 after; the reporting-half lecture (val-1, 3, 5) 55/80 -> 64/80
(bench/bench_slide_qa.py). Quotes of speech naming no slide: on seven tuning-half lectures,
title questions quoting 8 words around a word of another slide's title, 341/356 -> 349/356
(no question lost); the reporting lecture, with OCR's dating fixes of the same round, 80/80.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from halo.qa.lexical import lexical_terms
from halo.vision.marks import ON_SCREEN_MARK, on_screen_mask
from halo.vision.slides import title_of

QUOTE_WEIGHT = 1.0  # added for a unit holding the quoted words exactly
QUOTE_FLOOR = 60.0  # partial_ratio (0-100) reached by chance between a quote and unrelated talk
QUOTE_MIN_WORDS = 3  # shorter quoted bits are names or terms, left to the other scores
TITLE_WEIGHT = 1.0  # added for a screen state whose whole title the question names
_QUOTED = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")
_NOT_WORD = re.compile(r"[^a-z0-9']+")


def quotes_of(question: str) -> list[str]:
    """The phrases ``question`` puts in quotation marks, at least ``QUOTE_MIN_WORDS`` words long."""
    return [q.strip() for q in _QUOTED.findall(question) if len(q.split()) >= QUOTE_MIN_WORDS]


def _plain(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


class Anchors:
    """Scores of a fixed list of texts (retrieval units, or sentences to quote) against what a
    question quotes or names; the texts' plain forms and screen titles are prepared once."""

    def __init__(self, texts: Sequence[str]) -> None:
        self._plain = [_plain(t) for t in texts]
        self._on_screen = on_screen_mask(texts)
        titles = [title_of_state(t) for t in texts]
        named = [i for i, t in enumerate(titles) if t]
        self._titles = {i: set(words) for i, words in zip(named, lexical_terms([titles[i] for i in named]) if named else [])
                        if words}

    def _matches(self, quote: str) -> np.ndarray:
        """Per text: how well it holds ``quote`` (0 = chance, 1 = word for word).

        A text shorter than the quote cannot hold it: it is compared whole (``ratio``), or a
        one-word "Yeah." would align inside any quote."""
        from rapidfuzz import fuzz

        quote = _plain(quote)
        raw = [(fuzz.partial_ratio if len(text) >= len(quote) else fuzz.ratio)(quote, text) for text in self._plain]
        return np.clip((np.asarray(raw, dtype=float) - QUOTE_FLOOR) / (100.0 - QUOTE_FLOOR), 0.0, 1.0)

    def quote_scores(self, quotes: Sequence[str]) -> np.ndarray:
        """Per text: how well it holds one of ``quotes`` (the best of ``_matches``)."""
        return np.max([self._matches(q) for q in quotes], axis=0) if quotes else np.zeros(len(self._plain))

    def _said(self, matches: np.ndarray) -> bool:
        """Is a quote with these ``_matches`` something said rather than a slide's name: held
        better by some speech than by any screen state?

        A quote of speech may contain a slide title ("... we talked about the remote control
        design and ..."); counted as naming that slide, its words pulled the answer to the slide
        whose title they spell instead of the moment they were said. A quoted title is held by
        its screen state word for word, at least as well as by any speech that repeats it."""
        speech, shown = matches[~self._on_screen], matches[self._on_screen]
        return bool(len(speech)) and speech.max() > (shown.max() if len(shown) else 0.0)

    def title_scores(self, question: str) -> np.ndarray:
        """Per text: the share of its screen title's words (stemmed, no stop words) in ``question``."""
        asked = set(lexical_terms([question])[0])
        out = np.zeros(len(self._plain))
        for i, words in self._titles.items():
            out[i] = len(asked & words) / len(words)
        return out

    def scores(self, question: str) -> np.ndarray:
        """``QUOTE_WEIGHT`` * quote match + ``TITLE_WEIGHT`` * share of a screen title named, per
        text (0 everywhere for a question that quotes and names nothing). Words quoted as
        speech (``_said``) name no slide: they say when, not which slide."""
        quotes = quotes_of(question)
        matches = [self._matches(q) for q in quotes]
        named = question
        for quote, match in zip(quotes, matches):
            if self._said(match):
                named = named.replace(quote, " ")
        quoted = np.max(matches, axis=0) if matches else np.zeros(len(self._plain))
        return QUOTE_WEIGHT * quoted + TITLE_WEIGHT * self.title_scores(named)


def title_of_state(text: str) -> str:
    """The title of a marked screen state ("[on screen] Title | more title | • term"), by the
    rule chapter titles use (halo/vision/slides.py ``title_of``) without line heights, which a
    marked state does not keep: its first run of lines that are not bullets, after any
    numbering header ("Topic 4 of 5", on every slide of the bundled sample, made "topic" a
    title word of each, so a question saying "topic" named them all). '' for speech, or a
    state of bullets only."""
    if not text.startswith(ON_SCREEN_MARK):
        return ""
    body = re.sub(r"^\[\d+(?::\d\d){1,2}\]\s*", "", text[len(ON_SCREEN_MARK):].strip())
    return title_of([(line, 1.0) for line in body.split(" | ")])
