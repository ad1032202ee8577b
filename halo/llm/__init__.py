"""The money side of HALO: Gemini calls (or the offline backend), prices, budget and the ledger.

- gemini.py: google-genai client wrapper (retries, timeouts, usage metadata, model choice, key hygiene)
- local.py: offline extractive backend ($0, backend="local")
- pricing.py: the one price table (dated, sourced, overridable) and cost of a call
- baseline.py: what sending the raw video would cost (naive and fixed-length chunking)
- budget.py: the guard that refuses calls that could overspend
- ledger.py: CallRecord and the append-only per-video ledger store
- service.py: cache -> budget -> backend -> ledger, for every call
- prompts.py / summarize.py: chunk summaries and the video summary with chapters
"""
