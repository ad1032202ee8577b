"""What sending the raw video would cost: the baselines HALO's spend is audited against.

Naive: the whole video to Gemini at 1 fps at default media resolution -- 258 tokens per frame
plus 32 tokens per second of audio (~290 tokens/s, ~1.04M per hour) -- priced at the same
model's rates (audio at the model's audio rate where one is published).
Fixed-length chunking: the video cut into fixed ``chunk_s`` clips sent as media; per question
the ``top_k`` retrieved clips are sent instead of the whole video.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from halo.llm.pricing import media_cost_usd

FRAME_TOKENS = 258
AUDIO_TOKENS_PER_S = 32
DEFAULT_FPS = 1.0


@dataclass(frozen=True)
class MediaTokens:
    visual: int
    audio: int

    @property
    def total(self) -> int:
        return self.visual + self.audio


def media_tokens(duration_s: float, fps: float = DEFAULT_FPS) -> MediaTokens:
    """Tokens Gemini charges for ``duration_s`` of video sampled at ``fps`` with its audio."""
    d = max(float(duration_s), 0.0)
    return MediaTokens(math.ceil(d * fps) * FRAME_TOKENS, math.ceil(d * AUDIO_TOKENS_PER_S))


def media_usd(model: str, duration_s: float, output_tokens: int = 0, prices=None) -> float:
    t = media_tokens(duration_s)
    return media_cost_usd(model, t.visual, t.audio, output_tokens, prices)


def fixed_length_spans(duration_s: float, chunk_s: float = 60.0) -> list[tuple[float, float]]:
    n = max(1, math.ceil(duration_s / chunk_s))
    return [(i * chunk_s, min((i + 1) * chunk_s, duration_s)) for i in range(n)]
