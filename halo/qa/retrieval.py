"""Finding the moment in an hour: retrieval over timed windows inside the video's chunks.

Why windows: a production chunk is 20-300 s of speech, often about several things, and a
question names one of them. Each chunk is cut into half-overlapping windows of about
``WINDOW_WORDS`` words, each with its own start and end time (from the utterances). A window
scores

    dense cosine (MiniLM) + LEXICAL_WEIGHT * BM25 (bm25s, Snowball stems, max-normalised)

and a chunk is as good as its best window plus CENTROID_WEIGHT * cosine to the mean of its
window vectors (what the whole chunk is about) plus CHUNK_LEXICAL_WEIGHT * BM25 of its whole
text (words a question names may be spread over the chunk). The retrieved chunk carries its best
window's times as the *moment* a citation points at. Weights were fitted on the tuning half of
QMSum val (bench/bench_qa.py, bench/splits.py). Also measured there and not adopted (each within
two queries of these settings, gains on AMI meetings only): windows of 30, 80 or 120 words or
with more overlap, windows prefixed with their chunk's top words, sentence-level max-sim,
softmax pooling of window scores, other BM25 k1/b or no stemming (README, "Asking questions").
Nor, by 3-fold CV over meetings (at most +2 queries at recall@3, docs/qa.md): a trained
query-side linear adapter of the question vector, a chunk's neighbours or chapter as context.

A unit also scores what a question quotes or names word for word (halo/qa/anchors.py: quoted
speech matched fuzzily, a slide's title named), which meaning alone misses.

Chunk summaries are not units: offline they are sentences already in the windows, and the
index is then ready before any LLM call. The windows and their vectors are the per-video ``qa_index`` asset (built once when the video
is processed); the BM25 index is rebuilt from their texts on load (milliseconds). The asset also
holds the vector of every sentence the local backend may quote (rows of kind ``quote``): embedding
the sentences of the top chunks was most of a new question's time on an hour-long video.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from halo.qa.anchors import Anchors
from halo.qa.lexical import Lexical

DEFAULT_K = 3
WINDOW_WORDS = 50  # MiniLM reads only 256 word pieces; 30/80/120 measured, no clear gain
# Weights chosen on the tuning half of QMSum val (bench/bench_qa.py, best recall@3): BM25 helps
# as a whole-chunk signal, not inside windows (choosing the moment is best left to MiniLM).
LEXICAL_WEIGHT = 0.0  # BM25 (max-normalised) next to the dense score of a window
CHUNK_LEXICAL_WEIGHT = 0.5  # BM25 of the whole chunk text
CENTROID_WEIGHT = 0.5  # cosine to the mean of the chunk's window vectors (what the chunk is about)
UNIT_COLUMNS = ["chunk_id", "start", "end", "text", "vector"]
QUOTE_MIN_WORDS = 3  # shorter sentences ("Yeah, okay.") are never quoted by the local backend
#: ``kind`` of a qa_index row: a retrieval unit (window or on-screen line) or a quotable sentence
UNIT, QUOTE = "unit", "quote"


@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk: its span, its best window (the moment to cite) and its score."""

    chunk_id: int
    start: float
    end: float
    score: float
    moment_start: float = -1.0
    moment_end: float = -1.0


def overlaps(hit_start: float, hit_end: float, start: float, end: float) -> bool:
    return hit_start < end and start < hit_end


def recall_at_k(hits: list[list[Retrieved]], spans: list[list[tuple[float, float]]]) -> float:
    """Share of questions where a retrieved chunk overlaps one of the question's truth spans."""
    if not hits:
        return 0.0
    found = [any(overlaps(h.start, h.end, s, e) for h in got for s, e in truth)
             for got, truth in zip(hits, spans)]
    return float(np.mean(found))


# -- units ----------------------------------------------------------------------------------
def timed_sentences(utterances: pd.DataFrame) -> list[tuple[str, float, float, str]]:
    """(sentence, start, end, speaker) of the utterances, each timed by its share of the words.

    A screen state's row stays whole: its lines are not prose, and OCR reading a bullet mark as
    "." cut "| . Computer" off the state quoted in answers."""
    from halo.llm.local import split_sentences
    from halo.vision.marks import ON_SCREEN_MARK

    out = []
    for u in utterances.itertuples():
        text = str(u.text or "")
        sents = [text] if text.startswith(ON_SCREEN_MARK) else split_sentences(text)
        total = sum(len(s.split()) for s in sents) or 1
        t, per_word = float(u.start), (float(u.end) - float(u.start)) / total
        speaker = u.speaker if isinstance(getattr(u, "speaker", None), str) else ""
        for s in sents:
            n = len(s.split())
            out.append((s, t, t + n * per_word, speaker))
            t += n * per_word
    return out


def windows(sentences: list[tuple[str, float, float, str]], words: int = WINDOW_WORDS) -> list[tuple[str, float, float]]:
    """Timed sentences joined into windows of about ``words`` words, half-overlapping."""
    out: list[tuple[str, float, float]] = []
    current: list[tuple[str, float, float, str]] = []
    for sent in sentences:
        current.append(sent)
        if sum(len(s[0].split()) for s in current) >= words:
            out.append((" ".join(s[0] for s in current), current[0][1], current[-1][2]))
            current = current[len(current) // 2 + 1:] if len(current) > 1 else []
    if current and (not out or current[-1][2] > out[-1][2]):
        out.append((" ".join(s[0] for s in current), current[0][1], current[-1][2]))
    return out


def chunk_utterance_rows(chunks: pd.DataFrame, utterances: pd.DataFrame | None, i: int) -> pd.DataFrame:
    """The utterances of chunk row ``i`` (or the chunk's text as one utterance if there are none),
    plus the chunk's on-screen lines as timed rows, so a slide can be retrieved, quoted and cited
    at the moment it appeared.

    A screen state's row runs from when it appeared until the next state (or the chunk's end):
    the excerpt quoted for a moment of speech (halo.qa.grounding.excerpt_rows) then carries the
    slide shown while it was said, which "what was on the slide when ... was said?" asks for."""
    from halo.vision.marks import on_screen_lines

    row = chunks.iloc[i]
    spoken = _spoken_rows(row, utterances)
    shown = on_screen_lines(str(row.text))
    ends = [t for t, _ in shown[1:]] + [max(float(row.end), shown[-1][0])] if shown else []
    slides = pd.DataFrame([{"start": t, "end": e, "text": line} for (t, line), e in zip(shown, ends)],
                          columns=["start", "end", "text"])
    parts = [part for part in (spoken, slides) if len(part)]
    return pd.concat(parts, ignore_index=True).sort_values("start", kind="stable") if parts else spoken


def _spoken_rows(row: pd.Series, utterances: pd.DataFrame | None) -> pd.DataFrame:
    """The utterances of chunk ``row``. Without any (a video without speech), the chunk's text
    besides its slide lines as one row, or none: the slides must stay rows of their own, timed
    when they appeared; as one row of the whole text they were quoted and cited at times
    interpolated by word position, cut mid-slide."""
    from halo.vision.marks import without_on_screen_lines

    if utterances is not None and len(utterances) and "first_utt" in row:
        mine = utterances[(utterances["utt_id"] >= row.first_utt) & (utterances["utt_id"] <= row.last_utt)]
        if len(mine):
            return mine
    said = without_on_screen_lines(str(row.text))
    return pd.DataFrame({"start": [row.start], "end": [row.end], "text": [said]}).iloc[:1 if said else 0]


SLIDE_UNIT_S = 1.0  # a slide unit's moment: the second its screen state appeared


def units_of(rows: pd.DataFrame, words: int = WINDOW_WORDS) -> list[tuple[str, float, float]]:
    """A chunk's units: windows of its speech, and each on-screen line (a screen state) alone.

    Slide lines are units of their own (issue 14) because inside a 50-word window of speech a
    slide's dozen words barely move the window's vector, so a question naming a slide title
    matched the speech around it, or another chunk whose slide shared a word, instead of the
    slide; alone, the line is the best match and its moment is the time the state appeared.
    """
    from halo.vision.marks import on_screen_mask

    slide = on_screen_mask(rows["text"])
    speech = windows(timed_sentences(rows[~slide]), words)
    last = float(rows["end"].max()) if len(rows) else 0.0
    shown = [(str(r.text), float(r.start), max(min(float(r.start) + SLIDE_UNIT_S, last), float(r.start)))
             for r in rows[slide].itertuples()]
    return sorted(speech + shown, key=lambda u: u[1])


def quotable(rows: pd.DataFrame) -> list[tuple[str, float, float, str]]:
    """The timed sentences of a chunk's rows that the local backend may quote."""
    return [s for s in timed_sentences(rows) if len(s[0].split()) >= QUOTE_MIN_WORDS]


def _embedded(rows: list[tuple[int, float, float, str]]) -> pd.DataFrame:
    from halo.text.embed import embed_texts

    frame = pd.DataFrame(rows, columns=UNIT_COLUMNS[:-1])
    vectors = embed_texts(frame["text"].tolist()) if len(frame) else np.zeros((0, 384), np.float32)
    frame["vector"] = list(vectors)
    return frame


def built_up(texts: list[str]) -> list[bool]:
    """Per unit text (in time order): is it a screen state whose every line is still on screen
    in the next screen state, which shows more (a slide that builds up across a chunk cut)?

    Such a state is not searched on its own (``build_units``): both match a question naming the
    title equally, and the title-only one, answering "which terms were on the slide titled ...?",
    cited a time before the terms were shown. halo.vision.ocr.shown_between folds the two into
    the fuller state inside one chunk; this is the same rule across chunks, where the earlier
    chunk's text must keep the title-only state (it was what was on screen then)."""
    from halo.vision.marks import ON_SCREEN_MARK

    states = [(i, {line.strip() for line in t[len(ON_SCREEN_MARK):].split(" | ")})
              for i, t in enumerate(texts) if t.startswith(ON_SCREEN_MARK)]
    out = [False] * len(texts)
    for (i, lines), (_, following) in zip(states, states[1:]):
        out[i] = lines < following
    return out


def _rows_per_chunk(chunks: pd.DataFrame, utterances: pd.DataFrame | None) -> list[tuple[int, pd.DataFrame]]:
    """(chunk id, its timed rows: ``chunk_utterance_rows``) of every chunk, made once for the
    units and the quotable sentences alike."""
    chunks = chunks.reset_index(drop=True)
    return [(int(row.chunk_id), chunk_utterance_rows(chunks, utterances, i)) for i, row in enumerate(chunks.itertuples())]


def _units_of_chunks(per_chunk: list[tuple[int, pd.DataFrame]], words: int) -> pd.DataFrame:
    rows = [(chunk_id, start, end, text) for chunk_id, timed in per_chunk for text, start, end in units_of(timed, words)]
    return _embedded([r for r, fuller in zip(rows, built_up([r[3] for r in rows])) if not fuller])


def build_units(chunks: pd.DataFrame, utterances: pd.DataFrame | None = None,
                words: int = WINDOW_WORDS) -> pd.DataFrame:
    """The searchable units of a video (timed windows inside its chunks, and its screen states
    except those that build up into the next, ``built_up``) with their MiniLM vectors."""
    return _units_of_chunks(_rows_per_chunk(chunks, utterances), words)


def build_qa_index(chunks: pd.DataFrame, utterances: pd.DataFrame | None = None) -> pd.DataFrame:
    """What the ``qa_index`` asset stores: the units, then the sentences the local backend may
    quote (``quotable``), each with its MiniLM vector (column ``kind``)."""
    per_chunk = _rows_per_chunk(chunks, utterances)
    quotes = _embedded([(chunk_id, start, end, text) for chunk_id, timed in per_chunk
                        for text, start, end, _ in quotable(timed)])
    return pd.concat([_units_of_chunks(per_chunk, WINDOW_WORDS).assign(kind=UNIT), quotes.assign(kind=QUOTE)],
                     ignore_index=True)


def split_qa_index(index: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(units, quotable sentences) of a stored qa_index; an index stored before sentences were
    (no ``kind`` column) is all units, and its sentences are embedded when quoted."""
    if "kind" not in index:
        return index, None
    quote = (index["kind"] == QUOTE).to_numpy()
    columns = [c for c in index.columns if c != "kind"]
    return (index.loc[~quote, columns].reset_index(drop=True), index.loc[quote, columns].reset_index(drop=True))


# -- the index ------------------------------------------------------------------------------
class ChunkIndex:
    """Top-k chunks for a query, each with the window inside it that matched best."""

    def __init__(self, chunks: pd.DataFrame, units: pd.DataFrame | None = None, *, lexical_weight: float = LEXICAL_WEIGHT,
                 chunk_lexical_weight: float = CHUNK_LEXICAL_WEIGHT, centroid_weight: float = CENTROID_WEIGHT) -> None:
        from halo.vision.marks import on_screen_mask

        self.chunks = chunks.reset_index(drop=True)
        units = build_units(self.chunks) if units is None else units  # None: windows of the chunk texts
        self.units = units.reset_index(drop=True)
        self.lexical_weight = lexical_weight
        self.chunk_lexical_weight = chunk_lexical_weight
        self.centroid_weight = centroid_weight
        position = {int(c): i for i, c in enumerate(self.chunks["chunk_id"])}
        self._owner = np.asarray([position[int(c)] for c in self.units["chunk_id"]], dtype=int)
        self._shown = on_screen_mask(self.units["text"])  # screen states, for ``top(said=True)``
        self._vectors = (np.stack(self.units["vector"].to_numpy()).astype(np.float32) if len(self.units)
                         else np.zeros((0, 384), np.float32))
        centroids = np.zeros((len(self.chunks), self._vectors.shape[1]), np.float32)
        np.add.at(centroids, self._owner, self._vectors)
        self._centroids = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
        self._unit_lexical = Lexical(self.units["text"].astype(str).tolist())
        self._anchors = Anchors(self.units["text"].astype(str).tolist())
        texts = self.chunks["text"].fillna("").astype(str).tolist()
        self._chunk_lexical = Lexical(texts)

    @classmethod
    def build(cls, chunks: pd.DataFrame, utterances: pd.DataFrame | None = None, words: int = WINDOW_WORDS,
              **weights: float) -> "ChunkIndex":
        """Cut, embed and index a video's chunks (what the ``qa_index`` asset stores)."""
        return cls(chunks, build_units(chunks, utterances, words), **weights)

    def __len__(self) -> int:
        return len(self.chunks)

    def components(self, query: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(dense cosine per window, BM25 per window, BM25 per chunk, cosine to each chunk's centroid)."""
        from halo.text.embed import embed_texts

        q = embed_texts([query])[0]
        return (self._vectors @ q, self._unit_lexical.scores(query), self._chunk_lexical.scores(query),
                self._centroids @ q)

    def unit_scores(self, query: str, focus: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(score per window, score per chunk); a unit also scores what the query quotes or names
        in it (halo/qa/anchors.py), and ``focus`` per unit (the named speaker's share:
        halo/qa/speaker_focus.py)."""
        dense, lexical, chunk_lexical, centroid = self.components(query)
        units = dense + self.lexical_weight * lexical + self._anchors.scores(query)
        if focus is not None:
            units = units + focus
        return units, self.chunk_scores(units, chunk_lexical, centroid)

    def chunk_scores(self, units: np.ndarray, chunk_lexical: np.ndarray, centroid: np.ndarray) -> np.ndarray:
        """A chunk: its best window + what the whole chunk is about (centroid) + its BM25."""
        best = np.full(len(self.chunks), -1.0)
        np.maximum.at(best, self._owner, units)
        return best + self.centroid_weight * centroid + self.chunk_lexical_weight * chunk_lexical

    def scores(self, query: str) -> np.ndarray:
        """One score per chunk (higher = more relevant)."""
        if not len(self.chunks):
            return np.zeros(0)
        return self.unit_scores(query)[1]

    def search(self, query: str, k: int = DEFAULT_K, also: str = "", focus: np.ndarray | None = None) -> list[Retrieved]:
        """The ``k`` best chunks, best first, each with its best window as the moment.

        ``also``: a follow-up's own words ("what about the battery?"), scored next to its
        standalone ``query`` so the new subject counts as much as the context it refers to.
        ``focus``: added to each unit's score once (halo/qa/speaker_focus.py); a question naming
        a speaker asks what they said, so its moment is then a window of speech, never a screen
        state (see ``top``).
        """
        if not len(self.chunks):
            return []
        units, chunks = self.unit_scores(query, focus)
        if also and also != query:
            more_units, more_chunks = self.unit_scores(also)
            units, chunks = units + more_units, chunks + more_chunks
        return self.top(units, chunks, k, said=focus is not None)

    def top(self, units: np.ndarray, chunks: np.ndarray, k: int, said: bool = False) -> list[Retrieved]:
        """The ``k`` best chunks, each with its best unit as the moment; ``said``: its best window
        of speech (a screen state only in a chunk without speech).

        Why ``said``: a topic's title slide repeats the topic a question names, so it outscores
        every line spoken under it (tuning hour one16, roster supplied: "What did the professor
        think about scheduling meetings going forward?" cited the title at 24:59, the professor's
        span starts at 25:55; the best window of speech, 28:23, is in it). The slide still counts
        for which chunk wins."""
        out = []
        for i in np.argsort(-chunks, kind="stable")[:k]:
            row = self.chunks.iloc[i]
            mine = np.flatnonzero(self._owner == i)
            if said and (~self._shown[mine]).any():
                mine = mine[~self._shown[mine]]
            best = mine[np.argmax(units[mine])] if len(mine) else None
            m_start, m_end = ((float(self.units.at[best, "start"]), float(self.units.at[best, "end"]))
                              if best is not None else (float(row.start), float(row.end)))
            out.append(Retrieved(int(row.chunk_id), float(row.start), float(row.end), float(chunks[i]), m_start, m_end))
        return out
