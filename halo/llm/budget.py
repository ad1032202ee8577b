"""Budget guard: calls are reserved before they are made, released and charged when they end.

Why realistic reservations: a worst-case reservation (output = max_output_tokens) for each of
eight calls in flight adds up to several times what they really cost, so a budget the real
spend fits failed depending on concurrency (issue #13). Each call now reserves its expected
cost -- prompt tokens from LLMService.estimate at the input rate plus the output tokens calls
of the same purpose have really produced so far (a prior until then) -- and the reservation is
released when the call settles, its real cost (from usage metadata) charged instead. The price
of that realism: spend can pass the limit by at most the output-estimate error of the calls in
flight (bounded by max_output_tokens each); it can never pass it by a call that was refused.
The per-video budget counts all spend already recorded for that video in the ledger store
(across runs); the per-run budget counts this Dagster run's spend. 0 means "no limit".
"""

from __future__ import annotations

from dataclasses import dataclass

from halo.errors import BudgetExceeded


@dataclass
class Budget:
    per_run_usd: float = 0.0
    per_video_usd: float = 0.0
    spent_run_usd: float = 0.0
    spent_video_usd: float = 0.0
    video_id: str = ""
    reserved_usd: float = 0.0  # expected cost of the calls in flight

    def check(self, estimated_usd: float, what: str = "call") -> None:
        """Raise BudgetExceeded if ``estimated_usd`` more would cross either limit."""
        limits = (
            ("this run", self.spent_run_usd, self.per_run_usd, "budget_usd_per_run"),
            ("this video", self.spent_video_usd, self.per_video_usd,
             "budget_usd_per_video (all runs, from the ledger)"),
        )
        for scope, spent, limit, name in limits:
            committed = spent + self.reserved_usd
            if limit > 0 and committed + estimated_usd > limit:
                raise BudgetExceeded(
                    f"Budget: {what} for video {self.video_id!r} was not made: it is expected to cost "
                    f"${estimated_usd:.6f} and {scope} has spent ${spent:.6f} (+${self.reserved_usd:.6f} "
                    f"reserved by calls in flight) of its ${limit:.6f} {name}. Raise the budget, or set "
                    "fallback_to_cache=true to answer from stored summaries."
                )

    def reserve(self, estimated_usd: float, what: str = "call") -> None:
        """check() and hold ``estimated_usd`` until the call settles."""
        self.check(estimated_usd, what)
        self.reserved_usd += estimated_usd

    def settle(self, estimated_usd: float, actual_usd: float) -> None:
        """Release a reservation and charge what the call really cost (0 if it failed)."""
        self.reserved_usd = max(self.reserved_usd - estimated_usd, 0.0)
        self.charge(actual_usd)

    def charge(self, usd: float) -> None:
        self.spent_run_usd += usd
        self.spent_video_usd += usd
