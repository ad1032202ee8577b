"""Budget guard: a call that would push spend over the budget is never made.

The check happens *before* each call with a worst-case estimate (prompt tokens estimated from
the text and images, output = max_output_tokens), so an allowed call cannot overshoot. Spend
is charged with the real cost from usage metadata afterwards. The per-video budget counts all
spend already recorded for that video in the ledger store (across runs); the per-run budget
counts this Dagster run's spend. 0 means "no limit".
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
    reserved_usd: float = 0.0  # worst cases of calls in flight (concurrent calls cannot overshoot)

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
                    f"Budget: {what} for video {self.video_id!r} was not made: it may cost up to "
                    f"${estimated_usd:.6f} and {scope} has spent/committed ${committed:.6f} of its "
                    f"${limit:.6f} {name}. Raise the budget, or set fallback_to_cache=true to "
                    "answer from stored summaries."
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
