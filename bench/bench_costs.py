"""Tokens and USD: HALO vs every baseline (naive default / low-res / smart naive / fixed chunks), per model.

For the bundled sample (~3.5 min) and a 60-minute meeting built from real QMSum transcripts:
  ingest        one-off work per video (HALO: chunk summaries + video summary from text,
                keyframes only where the picture rule says so; naive: the whole video in one
                call; fixed: 60 s clips each summarised as media, then a summary of summaries)
  per question  what one question sends (naive: the whole video; fixed: the top-3 60 s clips as
                media; HALO: video summary + top-3 chunk texts)
  10 questions  ingest + 10 questions
  per question, honest baseline (halo.llm.baseline): HALO = ingest/10 + one question, against
                naive default resolution, naive low resolution, smart naive (low resolution +
                implicit caching of the video prefix over the 10-question session) and fixed
                clips; the ratio smart naive / HALO is printed for the 60-minute video (target >= 50x).
Video media = 258 tokens/frame at 1 fps (66 at low resolution) + 32 tokens/s audio; text = chars/4
(halo.llm.gemini); HALO keyframes at low media resolution. Prices: halo.llm.pricing catalogue.
HALO chunks come from data/parquet/chunks/<id>.parquet when the pipeline has produced them, else
from the ground-truth topic spans (split to <= 120 s), so the bench runs on a fresh checkout.
Output tokens are assumptions stated below (the API bills what the model writes); the measured
ledger of the sample, if any, is printed too.

Run: .venv/bin/python bench/bench_costs.py
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from halo.llm.baseline import baselines_per_question, fixed_length_spans, media_tokens  # noqa: E402
from halo.llm.gemini import CHARS_PER_TOKEN, IMAGE_TOKENS_LOW  # noqa: E402
from halo.llm.ledger import read_ledger, summarize_costs  # noqa: E402
from halo.llm.pricing import CATALOGUE_AS_OF, call_cost_usd, media_cost_usd, price_for  # noqa: E402
from halo.llm.prompts import CHUNK_SYSTEM, VIDEO_SYSTEM, chunk_prompt  # noqa: E402
from halo.llm.summarize import picture_reason  # noqa: E402
from halo.paths import parquet_dir  # noqa: E402

MODELS = ["gemini-3.5-flash-lite", "gemini-3.8-flash", "gemini-2.5-flash-lite"]
SUMMARY_OUT = 90  # tokens per chunk/clip summary (2-3 sentences)
VIDEO_SUMMARY_OUT = 450  # overview + chapters JSON
ANSWER_OUT = 150
QUESTION = 25
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
    stored = parquet_dir() / "chunks" / "meeting.parquet"
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
    from bench.samplegen import clean_text, default_source
    import json

    from bench.splits import half_of

    rows, t = [], 0.0
    for i, line in enumerate((default_source() / "val.jsonl").read_text().splitlines()):
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


def costs(model: str, duration: float, chunks: pd.DataFrame, cuts: list[float]) -> dict[str, tuple[Cost, Cost]]:
    # HALO ingest: one text call per chunk (+ keyframes by the picture rule) + the video summary
    ingest = Cost()
    for c in chunks.itertuples(index=False):
        inside = sum(c.start < x < c.end for x in cuts)
        images = 1 if picture_reason(c.text, c.start, c.end, inside) else 0
        prompt = tok(CHUNK_SYSTEM) + tok(chunk_prompt(c.text, c.start, c.end, images)) + images * IMAGE_TOKENS_LOW
        ingest += text_call(model, prompt, SUMMARY_OUT)
    ingest += text_call(model, tok(VIDEO_SYSTEM) + 120 + len(chunks) * (SUMMARY_OUT + 12), VIDEO_SUMMARY_OUT)
    mean_chunk = sum(tok(t) for t in chunks["text"]) / max(len(chunks), 1)
    halo_q = text_call(model, VIDEO_SUMMARY_OUT + int(TOP_K * mean_chunk) + QUESTION + 60, ANSWER_OUT)

    naive_ingest = media_call(model, duration, 60, VIDEO_SUMMARY_OUT)
    naive_q = media_call(model, duration, QUESTION, ANSWER_OUT)

    spans = fixed_length_spans(duration, FIXED_S)
    fixed_ingest = Cost()
    for s, e in spans:
        fixed_ingest += media_call(model, e - s, 60, SUMMARY_OUT)
    fixed_ingest += text_call(model, 120 + len(spans) * (SUMMARY_OUT + 12), VIDEO_SUMMARY_OUT)
    fixed_q = media_call(model, min(TOP_K * FIXED_S, duration), QUESTION + VIDEO_SUMMARY_OUT, ANSWER_OUT)
    return {"HALO": (ingest, halo_q), "naive full video": (naive_ingest, naive_q),
            f"fixed {int(FIXED_S)} s clips": (fixed_ingest, fixed_q)}


def per_question(name: str, duration: float, chunks: pd.DataFrame, cuts: list[float], headline: bool) -> None:
    """USD per question over a 10-question session: HALO (ingest live or batch) vs every baseline."""
    print(f"\n-- {name}: USD per question, {QUESTIONS}-question session (ingest shared by the session)")
    print(f"{'model':24} {'HALO':>10} {'HALO batch':>10} {'naive def':>10} {'naive low':>10} "
          f"{'smart naive':>11} {'fixed':>10} {'smart/HALO':>10} {'smart/batch':>11}")
    for model in MODELS:
        ingest, q = costs(model, duration, chunks, cuts)["HALO"]
        discount = price_for(model).batch_discount
        halo = ingest.usd / QUESTIONS + q.usd
        halo_batch = ingest.usd * (1 - discount) / QUESTIONS + q.usd
        b = baselines_per_question(model, duration, n_questions=QUESTIONS, chunk_s=FIXED_S, top_k=TOP_K,
                                   answer_tokens=ANSWER_OUT)
        smart = b["naive_smart_usd_per_question"]
        print(f"{model:24} {halo:10.5f} {halo_batch:10.5f} {b['naive_default_usd_per_question']:10.4f} "
              f"{b['naive_low_res_usd_per_question']:10.4f} {smart:11.5f} {b['fixed_chunks_usd_per_question']:10.4f} "
              f"{smart / halo:9.1f}x {smart / halo_batch:10.1f}x")
        if headline and model == MODELS[0]:
            verdict = "met" if smart / halo >= 50 else "MISSED"
            print(f"   headline ({model}): HALO is {smart / halo:.1f}x cheaper per question than smart naive "
                  f"({smart / halo_batch:.1f}x with batch ingest); target >= 50x: {verdict}")


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


def main() -> None:
    print(f"Model catalogue checked {CATALOGUE_AS_OF}; outputs assumed: {SUMMARY_OUT} tok/summary, "
          f"{VIDEO_SUMMARY_OUT} tok/overview, {ANSWER_OUT} tok/answer; top-{TOP_K} retrieval.")
    print("Token estimate: chars/4 locally; prompts above halo.llm.gemini.COUNT_TOKENS_ABOVE are counted "
          "with countTokens before the call. The estimator's error against the real countTokens is not "
          "measured here (no API access offline).")
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
