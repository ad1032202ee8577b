"""The money side of HALO: Gemini calls (or the offline backend), prices, budget and the ledger.

- gemini.py: google-genai client wrapper (retries, timeouts, usage metadata, model choice, key hygiene)
- local.py: offline extractive backend ($0, backend="local")
- pricing.py: the model catalogue (tiers, dated and sourced prices per modality, retirement dates,
  overridable), the startup model check and the cost of a call
- baseline.py: what a user without HALO would pay (naive default / low-res / smart naive / fixed chunks)
- budget.py: realistic reservations for calls in flight, released when they settle
- ledger.py: CallRecord and the append-only per-video ledger store
- service.py: cache -> estimate -> budget -> backend -> ledger (on disk) -> cache store, for every call
- prompts.py / summarize.py: chunk summaries and the video summary with chapters
"""
