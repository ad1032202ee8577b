"""The offline backend: honest extractive work with the bundled sentence encoder, at zero cost.

Used when no Gemini API key is set. It never pretends to be an LLM: summaries are the chunk's
most *central* informative sentences (closest to the chunk's mean embedding, kept in spoken
order), chapter titles are each chunk's most distinctive terms, and answers are the context
sentences most similar to the question. Every output is labelled backend="local" with model
LOCAL_MODEL and costs $0.

Why "informative": meeting speech is full of "Yeah." and "Right, okay." turns whose embeddings
sit close to any centroid; a summary made of them is honest but useless, so sentences shorter
than MIN_INFORMATIVE_WORDS only compete when a chunk has nothing longer.
"""

from __future__ import annotations

import re

LOCAL_MODEL = "local-extractive-minilm"
#: In the cache key of every local answer, beside the prompt version: bump it when what this backend
#: writes for the same prompt changes, so answers the older code cached (30-day TTL) are not served.
#: 2: topic chapters (halo.chunking.chapters) instead of one chapter per chunk.
LOCAL_VERSION = "2"
MIN_INFORMATIVE_WORDS = 6
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# Spoken fillers and discourse words that carry no topic (on top of sklearn's stop words).
_FILLERS = frozenset(
    "yeah okay right um uh mm hmm like just gonna wanna think know really actually mean sort kind "
    "thing things stuff got get going want need say said maybe good cool sure well yes lot bit "
    "didn doesn wasn isn aren weren couldn wouldn shouldn haven hasn let".split()
)


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; long unpunctuated ASR runs are cut every ~30 words. A chunk's marked
    on-screen lines (halo.vision.marks, after its speech) are sentences of their own, whole: run
    together unpunctuated, they were cut every 30 words into pieces of several slides."""
    from halo.vision.marks import marked_lines, without_on_screen_lines

    shown = marked_lines(text)
    if shown:
        return split_sentences(without_on_screen_lines(text)) + shown
    out: list[str] = []
    for sent in _SENTENCE_END.split(text.strip()):
        words = sent.split()
        for i in range(0, len(words), 30):
            piece = " ".join(words[i : i + 30])
            if piece:
                out.append(piece)
    return out


def central_sentences(text: str, k: int | None = None, device: str = "cpu") -> list[str]:
    """The ``k`` sentences closest to the text's mean embedding, in their original order.

    ``k`` defaults to about a quarter of the sentences, between 1 and 3.
    """
    sents = split_sentences(text)
    informative = [s for s in sents if len(s.split()) >= MIN_INFORMATIVE_WORDS]
    sents = informative or sents
    if len(sents) <= 1:
        return sents
    from halo.text.embed import embed_texts  # imported here: importing LOCAL_MODEL loads no model code

    k = k or max(1, min(3, round(len(sents) / 4)))
    vecs = embed_texts(sents, device=device)
    centroid = vecs.mean(axis=0)
    scores = vecs @ centroid
    keep = sorted((-scores).argsort(kind="stable")[:k])
    return [sents[i] for i in keep]


def summarize_text(text: str, k: int | None = None) -> str:
    return " ".join(central_sentences(text, k))


def chapter_titles(texts: list[str], k: int = 3) -> list[str]:
    """One short title per text: its most distinctive terms against the other texts (TF-IDF).

    Distinctive rather than frequent, so every chapter of a meeting about a remote control is not
    titled "Remote control"; bigrams allowed ("functional design"); fillers and words under four
    letters never make a title.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer  # slow import: Q&A cache hits skip it

    from halo.vision.marks import ON_SCREEN_MARK

    texts = [t.replace(ON_SCREEN_MARK, " ") for t in texts]  # the mark's "screen" titled slide-only chapters
    if not any(t.strip() for t in texts):
        return ["" for _ in texts]
    vectorizer = TfidfVectorizer(
        stop_words=sorted(ENGLISH_STOP_WORDS | _FILLERS), token_pattern=r"(?u)\b[a-zA-Z]{4,}\b",
        ngram_range=(1, 2), sublinear_tf=True,
    )
    try:
        weights = vectorizer.fit_transform(texts).toarray()
    except ValueError:  # nothing but stop words everywhere
        return ["" for _ in texts]
    terms = vectorizer.get_feature_names_out()
    titles = []
    for row in weights:
        picked: list[str] = []
        for index in (-row).argsort(kind="stable"):
            term = terms[index]
            if row[index] <= 0 or len(picked) == k:
                break
            if not any(term in p or p in term for p in picked):
                picked.append(term)
        titles.append(", ".join(picked).capitalize())
    return titles


def chapter_title(text: str, k: int = 3) -> str:
    """A title for a single text (no other chapters to contrast with)."""
    return chapter_titles([text], k)[0]


def answer_extractive(question: str, passages: list[str], k: int = 2) -> str:
    """The ``k`` passage sentences most similar to ``question`` (original order)."""
    from halo.text.embed import embed_texts

    sents = [s for p in passages for s in split_sentences(p)]
    if not sents:
        return ""
    vecs = embed_texts([question] + sents)
    scores = vecs[1:] @ vecs[0]
    keep = sorted((-scores).argsort(kind="stable")[:k])
    return " ".join(sents[i] for i in keep)
