"""Tokens and USD: HALO vs every baseline (naive default / low-res / smart naive / fixed chunks), per model.

For the bundled sample (~3.5 min) and a 60-minute meeting built from real QMSum transcripts:
  ingest        one-off work per video (HALO: chunk summaries + video summary from text,
                keyframes only where the picture rule says so; naive: the whole video in one
                call; fixed: 60 s clips each summarised as media, then a summary of summaries)
  per question  what one question sends (naive: the whole video; fixed: the top-3 60 s clips as
                media; HALO: overview + instruction, the top-3 parts' summaries and the lines of
                their retrieved moments, the question; the answer's output tokens)
  10 questions  ingest + 10 questions
  per question, honest baseline (halo.llm.baseline), the same model on both sides: HALO's Q&A
                call alone, + ingest/10, + Batch-API ingest/10, against naive default resolution,
                naive low resolution, smart naive (low resolution + implicit caching of the video
                prefix over the 10-question session) and fixed clips; for the 60-minute video the
                ratios smart naive / HALO (target >= 50x) and where HALO's dollars go.
Video media = 258 tokens/frame at 1 fps (66 at low resolution) + 32 tokens/s audio; text = chars/4
(halo.llm.gemini); HALO keyframes at low media resolution. Prices: halo.llm.pricing catalogue.
HALO chunks come from data/parquet/chunks/<id>.parquet when the pipeline has produced them, else
from the ground-truth topic spans (split to <= 120 s), so the bench runs on a fresh checkout.
Output tokens are assumptions stated below (the API bills what the model writes); the measured
ledger of the sample, if any, is printed too.

Run: .venv/bin/python bench/bench_costs.py            (--context [N]: Q&A excerpt sizes on QMSum val)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from halo.llm.baseline import (  # noqa: E402
    ANSWER_TOKENS, IMAGE_TOKENS_LOW, MediaStreams, baselines_per_question, fixed_length_spans, media_tokens,
)
from halo.llm.gemini import CHARS_PER_TOKEN  # noqa: E402
from halo.llm.ledger import read_ledger, summarize_costs  # noqa: E402
from halo.llm.pricing import CATALOGUE_AS_OF, DEFAULT_FLASH_MODEL, call_cost_usd, media_cost_usd, price_for  # noqa: E402
from halo.llm.prompts import CHUNK_SYSTEM, QA_SYSTEM, VIDEO_SYSTEM, chunk_prompt  # noqa: E402
from halo.qa.grounding import MOMENT_PAD_S, QA_INSTRUCTION  # noqa: E402
from halo.llm.summarize import picture_reason  # noqa: E402
from halo.store import parquet_root  # noqa: E402

#: the default Flash model first (the headline's baseline model), then the other current cheap models
MODELS = [DEFAULT_FLASH_MODEL, *(m for m in ("gemini-2.5-flash-lite", "gemini-3.5-flash-lite", "gemini-3.1-flash-lite",
                                            "gemini-3.8-flash") if m != DEFAULT_FLASH_MODEL)]
SUMMARY_OUT = 90  # tokens per chunk/clip summary (2-3 sentences)
VIDEO_SUMMARY_OUT = 450  # overview + chapters JSON
ANSWER_OUT = ANSWER_TOKENS  # the same for HALO and every baseline
QUESTION = 25
VIDEO_SUMMARY_TEXT = 200  # the overview's summary text (5-8 sentences) that heads every Q&A prompt
#: mean tokens quoted per retrieved part with halo.qa.grounding.MOMENT_PAD_S = 0 on the tuning
#: half of QMSum val (python bench/bench_costs.py --context 8: 451 for the top 3)
MOMENT_TOKENS = 150
HISTORY = 3  # turns a follow-up sees (halo.qa.grounding.HISTORY_TURNS)
TARGET = 50.0  # issue #12: HALO >= 50x cheaper per question than smart naive
TOP_K = 3
FIXED_S = 60.0
QUESTIONS = 10
WORDS_PER_S = 2.5  # ~150 words/min of speech, for the 60-minute transcript's timing


def tok(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass
class Cost:
    tokens: int = 0
    usd: float = 0.0

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.tokens + other.tokens, self.usd + other.usd)


def text_call(model: str, prompt_tokens: int, out: int) -> Cost:
    return Cost(prompt_tokens + out, call_cost_usd(model, prompt_tokens, 0, out))


def media_call(model: str, seconds: float, extra_text: int, out: int) -> Cost:
    t = media_tokens(seconds)
    # text beside the media is billed at the input rate: fold it into the visual count
    return Cost(t.total + extra_text + out, media_cost_usd(model, t.visual + extra_text, t.audio, out))


def sample_video() -> tuple[str, float, pd.DataFrame, list[float]]:
    from bench.samplegen import load_truth

    truth = load_truth()
    stored = parquet_root() / "chunks" / "meeting.parquet"
    if stored.exists():
        chunks, source = pd.read_parquet(stored), "pipeline chunks"
    else:
        rows = []
        for t in truth["topics"]:
            text = " ".join(u["text"] for u in truth["turns"] if u["topic_id"] == t["topic_id"])
            rows.append({"start": t["start"], "end": t["end"], "text": text})
        chunks, source = pd.DataFrame(rows), "truth topics"
    return f"sample meeting ({source})", float(truth["duration_s"]), chunks, list(truth["scene_cuts"])


def sixty_minute_video(target_s: float = 3600.0) -> tuple[str, float, pd.DataFrame, list[float]]:
    """Real QMSum meetings of the reporting half (odd lines, bench/splits.py) back to back
    (topic spans = chunks, split to <= 120 s) up to 60 min."""
    from bench.samplegen import clean_text
    from bench.splits import qmsum_val
    import json

    from bench.splits import half_of

    rows, t = [], 0.0
    for i, line in enumerate(qmsum_val().read_text().splitlines()):
        if half_of(i) != "report":
            continue
        rec = json.loads(line)
        turns = [clean_text(x["content"]) for x in rec["meeting_transcripts"]]
        for topic in rec["topic_list"]:
            for a, b in topic["relevant_text_span"]:
                text = " ".join(x for x in turns[int(a): int(b) + 1] if x)
                words = text.split()
                dur = len(words) / WORDS_PER_S
                pieces = max(1, math.ceil(dur / 120.0))
                per = math.ceil(len(words) / pieces)
                for i in range(pieces):
                    piece = words[i * per:(i + 1) * per]
                    if not piece or t >= target_s:
                        continue
                    d = min(len(piece) / WORDS_PER_S, target_s - t)
                    rows.append({"start": t, "end": t + d, "text": " ".join(piece)})
                    t += d
        if t >= target_s:
            break
    chunks = pd.DataFrame(rows)
    cuts = chunks["start"].tolist()[1::3]  # a picture change every few chunks
    return "60-minute meeting (QMSum val reporting half, topic spans)", t, chunks, cuts


def halo_ingest(model: str, chunks: pd.DataFrame, cuts: list[float]) -> tuple[Cost, Cost]:
    """(chunk summaries, video summary): one text call per chunk (+ a low-resolution keyframe by
    the picture rule) with HALO's own prompts, then the overview from the summaries."""
    parts = Cost()
    for c in chunks.itertuples(index=False):
        inside = sum(c.start < x < c.end for x in cuts)
        images = 1 if picture_reason(c.text, c.start, c.end, inside) else 0
        prompt = tok(CHUNK_SYSTEM) + tok(chunk_prompt(c.text, c.start, c.end, images)) + images * IMAGE_TOKENS_LOW
        parts += text_call(model, prompt, SUMMARY_OUT)
    overview = text_call(model, tok(VIDEO_SYSTEM) + 120 + len(chunks) * (SUMMARY_OUT + 12), VIDEO_SUMMARY_OUT)
    return parts, overview


def question_tokens(excerpt_tokens: float, history_turns: int = 0) -> dict[str, int]:
    """HALO's Q&A prompt by section (halo.qa.grounding.build_context): the stable head (system,
    overview, instruction), the three parts' summaries, the quoted lines, recent turns, the question."""
    return {"head": tok(QA_SYSTEM) + VIDEO_SUMMARY_TEXT + tok(QA_INSTRUCTION) + 20,
            "part summaries": TOP_K * (SUMMARY_OUT + 12), "excerpts": round(excerpt_tokens),
            "history": history_turns * (QUESTION + ANSWER_OUT), "question": QUESTION}


def costs(model: str, duration: float, chunks: pd.DataFrame, cuts: list[float]) -> dict[str, tuple[Cost, Cost]]:
    parts, overview = halo_ingest(model, chunks, cuts)
    mean_chunk = sum(tok(t) for t in chunks["text"]) / max(len(chunks), 1)
    halo_q = text_call(model, sum(question_tokens(TOP_K * min(mean_chunk, MOMENT_TOKENS)).values()), ANSWER_OUT)

    naive_ingest = media_call(model, duration, 60, VIDEO_SUMMARY_OUT)
    naive_q = media_call(model, duration, QUESTION, ANSWER_OUT)

    spans = fixed_length_spans(duration, FIXED_S)
    fixed_ingest = Cost()
    for s, e in spans:
        fixed_ingest += media_call(model, e - s, 60, SUMMARY_OUT)
    fixed_ingest += text_call(model, 120 + len(spans) * (SUMMARY_OUT + 12), VIDEO_SUMMARY_OUT)
    fixed_q = media_call(model, min(TOP_K * FIXED_S, duration), QUESTION + VIDEO_SUMMARY_OUT, ANSWER_OUT)
    return {"HALO": (parts + overview, halo_q), "naive full video": (naive_ingest, naive_q),
            f"fixed {int(FIXED_S)} s clips": (fixed_ingest, fixed_q)}


def ratios(model: str, ingest_usd: float, question_usd: float, duration: float,
           n_questions: int = QUESTIONS, streams: MediaStreams = MediaStreams()) -> dict[str, float]:
    """HALO per question against smart naive on the same model: the Q&A call alone, with the
    ingest shared by one session (live and Batch API), and how many such sessions on the same
    video it takes until the shared ingest is small enough for 50x (inf: never). ``streams``:
    the video's picture and sound tracks, all smart naive sends."""
    smart = baselines_per_question(model, duration, n_questions=n_questions, chunk_s=FIXED_S, top_k=TOP_K,
                                   answer_tokens=ANSWER_OUT, streams=streams)["naive_smart_usd_per_question"]
    batch_ingest = ingest_usd * (1 - price_for(model).batch_discount)
    room = smart / TARGET - question_usd
    return {"smart": smart, "q_only": smart / question_usd,
            "session": smart / (ingest_usd / n_questions + question_usd),
            "session_batch": smart / (batch_ingest / n_questions + question_usd),
            "sessions_for_target": math.ceil(batch_ingest / (n_questions * room)) if room > 0 else math.inf}


def per_question(name: str, duration: float, chunks: pd.DataFrame, cuts: list[float], headline: bool) -> None:
    """USD per question over a 10-question session: HALO vs smart naive on the same model, with
    HALO's ingest shared by the session's questions (live or Batch API) and for the Q&A call alone."""
    print(f"\n-- {name}: USD per question, {QUESTIONS}-question session")
    print(f"{'model':24} {'ingest $':>9} {'Q&A $':>9} {'smart $':>9} {'naive def':>9} {'naive low':>9} "
          f"{'fixed':>8} | {'Q&A only':>8} {'session':>8} {'batch':>8} {'sessions to 50x':>15}")
    for model in MODELS:
        ingest, q = costs(model, duration, chunks, cuts)["HALO"]
        b = baselines_per_question(model, duration, n_questions=QUESTIONS, chunk_s=FIXED_S, top_k=TOP_K,
                                   answer_tokens=ANSWER_OUT)
        r = ratios(model, ingest.usd, q.usd, duration)
        print(f"{model:24} {ingest.usd:9.5f} {q.usd:9.6f} {r['smart']:9.5f} {b['naive_default_usd_per_question']:9.4f} "
              f"{b['naive_low_res_usd_per_question']:9.4f} {b['fixed_chunks_usd_per_question']:8.4f} | "
              f"{r['q_only']:7.1f}x {r['session']:7.1f}x {r['session_batch']:7.1f}x {r['sessions_for_target']:>15}")
        if headline and model == MODELS[0]:
            breakdown(model, duration, chunks, cuts)
    if headline:
        print(f"   ratios = smart naive / HALO on the same model. 'Q&A only': the question's call; 'session': + "
              f"ingest / {QUESTIONS}; 'batch': ingest through the Batch API; 'sessions to 50x': {QUESTIONS}-question "
              "sessions on one video until the batch ingest is shared thinly enough for 50x.")


def breakdown(model: str, duration: float, chunks: pd.DataFrame, cuts: list[float]) -> None:
    """Where HALO's dollars per question go on ``model``."""
    p = price_for(model)
    parts, overview = halo_ingest(model, chunks, cuts)
    mean_chunk = sum(tok(t) for t in chunks["text"]) / max(len(chunks), 1)
    print(f"   where HALO's money goes on {model} (in ${p.input_per_m}/M, out ${p.output_per_m}/M):")
    print(f"     ingest: {len(chunks)} chunk summaries ${parts.usd:.5f} ({len(chunks) * SUMMARY_OUT:,} of their "
          f"{parts.tokens:,} tokens are output) + overview ${overview.usd:.5f} = ${parts.usd + overview.usd:.5f} "
          f"per video, ${(parts.usd + overview.usd) / QUESTIONS:.6f} per question over {QUESTIONS}")
    for label, excerpt, history in (("whole parts, 3 turns of history", TOP_K * mean_chunk, HISTORY),
                                    (f"lines of the moments +-{MOMENT_PAD_S:g} s, no history (now)", TOP_K * min(mean_chunk, MOMENT_TOKENS), 0)):
        sections = question_tokens(excerpt, history)
        usd = call_cost_usd(model, sum(sections.values()), 0, ANSWER_OUT)
        print(f"     Q&A, {label}: {sum(sections.values()):,} in ({', '.join(f'{k} {v}' for k, v in sections.items())})"
              f" + {ANSWER_OUT} out = ${usd:.6f} (output ${ANSWER_OUT * p.output_per_m / 1e6:.6f})")
    head = question_tokens(0)["head"]
    print(f"     caching HALO's stable head ({head} tokens): below the {p.min_cache_tokens}-token minimum for "
          "implicit and explicit caching, so neither discounts it; the excerpts change with every question.")


def report(name: str, duration: float, chunks: pd.DataFrame, cuts: list[float]) -> None:
    print(f"\n== {name}: {duration / 60:.1f} min, {len(chunks)} HALO chunks, naive "
          f"{media_tokens(duration).total:,} tokens per full-video call")
    print(f"{'model':24} {'approach':18} {'ingest tok':>12} {'ingest $':>10} {'per-Q tok':>11} "
          f"{'per-Q $':>10} {f'{QUESTIONS}Q total $':>12} {'vs naive':>9}")
    for model in MODELS:
        rows = costs(model, duration, chunks, cuts)
        naive_total = rows["naive full video"][0].usd + QUESTIONS * rows["naive full video"][1].usd
        for approach, (ing, q) in rows.items():
            total = ing.usd + QUESTIONS * q.usd
            print(f"{model:24} {approach:18} {ing.tokens:12,} {ing.usd:10.4f} {q.tokens:11,} "
                  f"{q.usd:10.5f} {total:12.4f} {total / naive_total:8.1%}")


ESTIMATOR_NOTE = (
    "Token estimate (halo.llm.service.LLMService.estimate, the one budget and model choice use): text "
    "ceil(chars/4), images 66 (low resolution) or 258, and countTokens for prompts above "
    "halo.llm.gemini.COUNT_TOKENS_ABOVE. Its error against the real countTokens is NOT measured: that needs "
    "the internet, which this machine lacks. The local REST server's countTokens applies the same chars/4 rule "
    "(error 0 by construction, meaningless). google-genai 3.4.0's offline tokenizer (google.genai.local_tokenizer) "
    "downloads the Gemma tokenizer model at run time and needs sentencepiece; no PyPI package on this machine's "
    "list ships a Gemma or Gemini tokenizer model, and the mirrored google/gemma_pytorch snapshot lacks the "
    "model file. So the 4-characters rule is uncalibrated here; all figures below inherit its error.")
PADS = (None, 0.0, 15.0, 30.0, 60.0)  # seconds around the moment; None = the whole part


def context_sizes(limit: int | None = None) -> None:
    """Q&A excerpts, whole retrieved parts vs the lines around each part's moment, on QMSum val.

    Per specific query: the top-3 parts of halo.qa's index (production chunking and windows,
    bench/bench_qa.py), then for each pad the quoted lines (halo.qa.grounding.excerpt_rows):
    their tokens (local estimator) and whether any quoted line overlaps the human span
    ("context recall"; with whole parts it equals chunk recall@3). Choose the pad on the
    tuning half; the reporting half is printed for the record, not fitted.
    """
    import json

    import numpy as np

    from bench.bench_qa import DEFAULT_QMSUM, meeting_utterances, prepared, query_spans, stored_units
    from bench.splits import half_of
    from halo.paths import data_dir
    from halo.qa import ChunkIndex, overlaps
    from halo.qa.grounding import _line, excerpt_rows
    from halo.qa.retrieval import WINDOW_WORDS, chunk_utterance_rows

    lines = [ln for ln in DEFAULT_QMSUM.read_text().splitlines() if ln.strip()][:limit]
    store = data_dir() / "bench" / "qa_chunks"
    stats: dict[tuple[str, float | None], list[tuple[int, bool]]] = {}
    for i, line in enumerate(lines):
        record = json.loads(line)
        chunks = prepared(record, store / f"{DEFAULT_QMSUM.stem}-{i}.parquet")
        utts, kept = meeting_utterances(record)
        units = stored_units(chunks, utts, store / f"{DEFAULT_QMSUM.stem}-{i}-windows{WINDOW_WORDS}.parquet",
                             WINDOW_WORDS)
        index = ChunkIndex(chunks, units)
        position = {int(c): j for j, c in enumerate(index.chunks["chunk_id"])}
        for q in record.get("specific_query_list", []):
            spans = query_spans(q, utts, kept)
            if not spans:
                continue
            hits = index.search(q["query"], TOP_K)
            for pad in PADS:
                tokens, found = 0, False
                for h in hits:
                    rows = excerpt_rows(chunk_utterance_rows(index.chunks, utts, position[h.chunk_id]), h, pad)
                    tokens += tok("\n".join(_line(r.start, getattr(r, "speaker", ""), r.text) for r in rows.itertuples()))
                    found |= any(overlaps(float(r.start), float(r.end), s, e) for r in rows.itertuples() for s, e in spans)
                stats.setdefault((half_of(i), pad), []).append((tokens, found))
    print(f"\n== Q&A excerpts of the top-{TOP_K} parts on QMSum val ({len(lines)} meetings): whole parts vs "
          "lines within PAD s of each part's moment (tokens: local estimator)")
    print(f"{'pad s':>6} | {'tune tokens':>11} {'tune ctx recall':>15} | {'report tokens':>13} {'report ctx recall':>17}")
    for pad in PADS:
        cells = []
        for half in ("tune", "report"):
            rows = stats.get((half, pad), [])
            cells.append(f"{np.mean([t for t, _ in rows]):{11 if half == 'tune' else 13}.0f} "
                         f"{np.mean([f for _, f in rows]):{15 if half == 'tune' else 17}.3f}")
        print(f"{'whole' if pad is None else f'{pad:g}':>6} | {cells[0]} | {cells[1]}")
    n = {h: len(stats.get((h, None), [])) for h in ("tune", "report")}
    print(f"queries: tuning half {n['tune']}, reporting half {n['report']}")


def main() -> None:
    if "--context" in sys.argv:  # --context [N]: the first N meetings of QMSum val only
        rest = sys.argv[sys.argv.index("--context") + 1:]
        context_sizes(int(rest[0]) if rest else None)
        return
    print(f"Model catalogue checked {CATALOGUE_AS_OF}; outputs assumed: {SUMMARY_OUT} tok/summary, "
          f"{VIDEO_SUMMARY_OUT} tok/overview, {ANSWER_OUT} tok/answer; top-{TOP_K} retrieval.")
    print(ESTIMATOR_NOTE)
    sample = sample_video()
    report(*sample)
    per_question(*sample, headline=False)
    hour = sixty_minute_video()
    report(*hour)
    per_question(*hour, headline=True)
    ledger = read_ledger("meeting")
    if len(ledger):
        t = summarize_costs(ledger)
        print(f"\nMeasured ledger for 'meeting' ({t['calls']} calls, backends "
              f"{sorted(set(ledger['backend']))}): {t['input_tokens']:,} in / {t['output_tokens']:,} out "
              f"tokens, ${t['cost_usd']:.6f} vs naive ${t['naive_cost_usd']:.6f}")


if __name__ == "__main__":
    main()
