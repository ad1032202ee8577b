"""`chunking_policy` and the `train_chunking_policy` job that (re)trains it.

Training is its own job, never part of processing a video: the `chunks` asset cuts with the
rules unless its config says ``method: ppo``, and then loads the policy this job last trained
or, if it never ran, the pretrained one HALO ships (halo.chunking.rl_policy). The asset is
declared external (it has no materialize function of its own) so the UI's "Materialize all"
never starts a training run; the job reports each trained policy as a materialization of it,
with its held-out scores.
"""

import time

import pandas as pd
from dagster import (
    AssetMaterialization,
    AssetsDefinition,
    AssetSpec,
    Config,
    MetadataValue,
    OpExecutionContext,
    in_process_executor,
    job,
    op,
)
from pydantic import Field

from halo.chunking.rl_policy import trained_policy_path
from halo.chunking.rl_train import PPOTrainingConfig
from halo.eval.ppo import BUNDLED_QMSUM, TEXT_LIMITS, train_chunking_policy

TRAIN_JOB = "train_chunking_policy"

chunking_policy = AssetsDefinition(specs=[AssetSpec(
    "chunking_policy", group_name="text", kinds={"pytorch"},
    description="The PPO cut policy (stable-baselines3 zip) behind `use_rl_chunker`, with its "
                "held-out Pk/WindowDiff vs the rules. Trained by the `train_chunking_policy` job.")])


class ChunkingPolicyConfig(Config):
    qmsum_file: str = Field(
        "", description="QMSum .jsonl[.gz] with topic spans; '' = the subset HALO ships "
                        "(data/qmsum_subset, tuning half of QMSum val)")
    timesteps: int = Field(PPOTrainingConfig().total_timesteps, gt=0, description="PPO environment steps")
    seed: int = 0
    test_fraction: float = Field(0.25, gt=0, lt=1, description="meetings held out (stable hash)")
    limit: int | None = Field(None, description="use only the first N meetings (quick runs)")
    bertscore: bool = Field(
        False, description="BERTScore coherence signal + reward term (cached; several times the "
                           "embedding cost on a CPU, so off by default, as for the shipped policy)")


@op(name="train_ppo_chunker")
def train_ppo_chunker(context: OpExecutionContext, config: ChunkingPolicyConfig) -> None:
    """Train the policy on the meetings' training split, score it on the held-out ones, save it."""
    t0 = time.perf_counter()
    report = train_chunking_policy(config.qmsum_file or BUNDLED_QMSUM, trained_policy_path(),
                                   PPOTrainingConfig(total_timesteps=config.timesteps, seed=config.seed),
                                   test_fraction=config.test_fraction, limit=config.limit,
                                   with_bertscore=config.bertscore)
    figures = {
        "pk_ppo": report.score("PPO", "pk"), "windowdiff_ppo": report.score("PPO", "windowdiff"),
        "pk_rules": report.score("halo chunker (rules)", "pk"),
        "windowdiff_rules": report.score("halo chunker (rules)", "windowdiff"),
        "pk_fixed": report.score("fixed-length (", "pk"),
        "windowdiff_fixed": report.score("fixed-length (", "windowdiff"),
    }
    table = pd.DataFrame(report.rows)[["method", "pk", "windowdiff", "mean_segment_tokens"]]
    context.log.info(f"chunking policy at {report.path}: held-out Pk {figures['pk_ppo']:.3f} "
                     f"(rules {figures['pk_rules']:.3f}, fixed {figures['pk_fixed']:.3f})")
    context.log_event(AssetMaterialization("chunking_policy", metadata={
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
    }))


@job(name=TRAIN_JOB, executor_def=in_process_executor,
     description="Train the PPO chunking policy (minutes on a CPU) and report it as `chunking_policy`.")
def train_chunking_policy_job():
    train_ppo_chunker()
