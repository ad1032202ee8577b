"""GeminiResource: the Gemini client, model choice, retries, budget and pricing for HALO assets.

With no API key (config ``api_key`` empty and neither GOOGLE_API_KEY nor GEMINI_API_KEY set)
every call goes to the local extractive backend: the pipeline works offline at $0. Set the key
with ``api_key=EnvVar("GEMINI_API_KEY")`` (the UI shows the variable's name, never the value)
or just export it. GOOGLE_GEMINI_BASE_URL redirects the endpoint as the SDK documents;
``base_url`` overrides it only when set.
"""

from __future__ import annotations

import logging
from typing import Any

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from halo.errors import HaloError
from halo.llm.budget import Budget
from halo.llm.gemini import CALLS_IN_FLIGHT, GeminiClient, GeminiClientConfig, env_api_key
from halo.llm.ledger import Ledger, read_ledger
from halo.llm.pricing import catalogue, check_model
from halo.run_tags import SOURCE_TAG, STALE_VIDEOS_SCHEDULE
from halo.llm.service import LLMService, NoCache

log = logging.getLogger(__name__)


class ModelNotUsable(HaloError):
    """A configured model is retired or has no catalogue price: refused before any request."""


class GeminiResource(ConfigurableResource, GeminiClientConfig):
    """Gemini via google-genai (or the offline backend when no key is set). The client fields
    (models, sampling, retries, endpoint) are GeminiClientConfig'; the ones below are HALO's policy."""

    use_local: bool = Field(False, description="always the local offline backend, even with a key set (HALO_ENV=ci, use_mock)")
    batch_size: int = Field(CALLS_IN_FLIGHT, gt=0, description="calls in flight together; ledger flushed after each group")
    budget_usd_per_run: float = Field(0.0, description="0 = no limit")
    budget_usd_per_video: float = Field(0.0, description="0 = no limit; counts all recorded spend on the video")
    fallback_to_cache: bool = Field(False, description="answer from L3 stored summaries when the budget is spent or Gemini fails")
    use_batch_mode: bool = Field(False, description="Gemini Batch API (the catalogue's batch discount) for chunk and video summaries: for scheduled backfills")
    batch_mode_on_schedule: bool = Field(True, description=f"scheduled backfill runs (tag {SOURCE_TAG}={STALE_VIDEOS_SCHEDULE}) use the Batch API")
    batch_poll_s: float = 30.0
    use_context_cache: bool = Field(True, description="Gemini context caching for multi-question sessions when cheaper (storage included)")
    context_cache_ttl_s: int = 3600
    price_overrides: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description="{model: {input_per_m, output_per_m, cached_per_m, audio_input_per_m, ...}} (USD per 1M tokens)",
    )

    _client: Any = PrivateAttr(default=None)

    @property
    def backend(self) -> str:
        if self.use_local:
            return "local"
        return "gemini" if (self.api_key or env_api_key()) else "local"

    def settings(self) -> GeminiClientConfig:
        fields = {name: getattr(self, name) for name in GeminiClientConfig.model_fields}
        return GeminiClientConfig(**{**fields, "api_key": self.api_key or env_api_key()})

    def catalogue(self) -> dict:
        """The model catalogue with this resource's price_overrides applied."""
        return catalogue(self.price_overrides)

    def batch_mode(self, run_tags: dict[str, str]) -> bool:
        """Batch API for this run: always with use_batch_mode, else for scheduled backfills
        (nobody waits on them, and batch is billed at the catalogue's batch discount)."""
        scheduled = run_tags.get(SOURCE_TAG) == STALE_VIDEOS_SCHEDULE
        return self.use_batch_mode or (self.batch_mode_on_schedule and scheduled)

    def check_models(self) -> list[str]:
        """Fail before any spending if a configured model is retired or unpriced; returns warnings
        (e.g. a model scheduled to shut down). Uses the catalogue's retirement dates and prices."""
        table = catalogue(self.price_overrides)
        warnings = []
        for field_name in ("flash_model", "pro_model"):
            model = getattr(self, field_name)
            try:
                warning = check_model(model, table, setting=f"GeminiResource.{field_name}")
            except (ValueError, KeyError) as e:
                raise ModelNotUsable(f"GeminiResource.{field_name}={model!r}: {e}") from None
            if warning:
                log.warning("GeminiResource.%s: %s", field_name, warning)
                warnings.append(warning)
        return warnings

    def client(self) -> GeminiClient | None:
        """The google-genai client, or None for the local backend."""
        if self.backend == "local":
            return None
        if self._client is None:
            self._client = GeminiClient(self.settings())
        return self._client

    def service(self, video_id: str, asset: str, run_id: str = "", cache: Any = None) -> LLMService:
        """An LLMService for one video and asset, its budget primed from the ledger store.

        With Gemini, the configured models are checked first (check_models): a retired or
        unpriced model fails here, before any request."""
        if self.backend == "gemini":
            self.check_models()
        spent = read_ledger(video_id)
        budget = Budget(
            per_run_usd=self.budget_usd_per_run, per_video_usd=self.budget_usd_per_video,
            spent_run_usd=float(spent.loc[spent["run_id"] == run_id, "cost_usd"].sum()) if run_id else 0.0,
            spent_video_usd=float(spent["cost_usd"].sum()), video_id=video_id,
        )
        return LLMService(
            video_id=video_id, asset=asset, settings=self.settings(), client=self.client(),
            ledger=Ledger(run_id=run_id), budget=budget, cache=cache or NoCache(),
            prices=catalogue(self.price_overrides), fallback_to_cache=self.fallback_to_cache,
            use_context_cache=self.use_context_cache, context_cache_ttl_s=self.context_cache_ttl_s,
        )
