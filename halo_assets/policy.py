"""`chunking_policy`: train the PPO chunker on QMSum meetings and score it on held-out ones.

Not partitioned and not part of the per-video job: the `chunks` asset uses the rules unless its
config says ``method: ppo`` (then it loads the zip this asset writes).
"""

import time

import pandas as pd
from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset
from pydantic import Field

from halo.chunking.rl import PPOSettings, default_policy_path
from halo.eval.ppo import TEXT_LIMITS, train_chunking_policy


class ChunkingPolicyConfig(Config):
    # Required: the training data does not ship with the code, and product code never reads
    # outside the checkout, so a fresh clone asks for it instead of failing on a missing file.
    qmsum_file: str = Field(description="QMSum .jsonl with topic spans (e.g. a QMSum val split)")
    timesteps: int = Field(PPOSettings().total_timesteps, gt=0, description="PPO environment steps")
    seed: int = 0
    test_fraction: float = Field(0.25, gt=0, lt=1, description="meetings held out (stable hash)")
    limit: int | None = Field(None, description="use only the first N meetings (quick runs)")
    bertscore: bool = Field(True, description="BERTScore coherence signal + reward term (cached)")


@asset(group_name="text", kinds={"pytorch"})
def chunking_policy(context: AssetExecutionContext, config: ChunkingPolicyConfig) -> MaterializeResult:
    """The PPO cut policy (stable-baselines3) with its held-out Pk/WindowDiff vs the rules."""
    t0 = time.perf_counter()
    settings = PPOSettings(total_timesteps=config.timesteps, seed=config.seed)
    report = train_chunking_policy(config.qmsum_file, default_policy_path(), settings,
                                   test_fraction=config.test_fraction, limit=config.limit,
                                   with_bertscore=config.bertscore)
    figures = {
        "pk_ppo": report.score("PPO", "pk"), "windowdiff_ppo": report.score("PPO", "windowdiff"),
        "pk_rules": report.score("halo chunker (rules)", "pk"),
        "windowdiff_rules": report.score("halo chunker (rules)", "windowdiff"),
        "pk_fixed": report.score("fixed-length (", "pk"),
        "windowdiff_fixed": report.score("fixed-length (", "windowdiff"),
    }
    df = pd.DataFrame([{
        "path": str(report.path), "timesteps": report.timesteps,
        "train_docs": len(report.train_docs), "test_docs": len(report.test_docs),
        **figures, "train_seconds": report.train_seconds}])
    table = pd.DataFrame(report.rows)[["method", "pk", "windowdiff", "mean_segment_tokens"]]
    context.log.info(f"chunking policy at {report.path}: held-out Pk {figures['pk_ppo']:.3f} "
                     f"(rules {figures['pk_rules']:.3f}, fixed {figures['pk_fixed']:.3f})")
    return MaterializeResult(value=df, metadata={
        "dagster/row_count": 1,
        "path": MetadataValue.path(str(report.path)),
        "timesteps": report.timesteps, "seed": config.seed,
        "train_docs": len(report.train_docs), "test_docs": len(report.test_docs),
        "test_doc_ids": ", ".join(report.test_docs),
        **{k: round(v, 4) for k, v in figures.items()},
        "train_seconds": round(report.train_seconds, 2),
        "feature_seconds": round(report.feature_seconds, 2),
        "processing_s": round(time.perf_counter() - t0, 2),
        "limits_s": f"{TEXT_LIMITS.min_duration:.0f}-{TEXT_LIMITS.max_duration:.0f}",
        "held_out": MetadataValue.md(table.round(4).to_markdown(index=False)),
        "model": "stable-baselines3 PPO MlpPolicy",
    })
