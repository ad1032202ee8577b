"""Train and evaluate the PPO chunker on QMSum meetings with a held-out split.

Split: a meeting is held out for testing when a hash of its id falls in the first
``test_fraction`` of the range, so the split is stable across runs, machines and file order,
and the policy's JSON sidecar records which meetings it trained on; the evaluation refuses to
score a meeting the policy has seen.

Limits: QMSum topics last 3 to 40 minutes (synthetic times of 2.5 words/s), so the policy is
trained with chunks of 60 s to 3600 s (TEXT_LIMITS). The rule-based rows are the same methods
as in `halo eval segmentation` (no duration limits); "always cut" / "never cut" walk with the
PPO's limits and are the degenerate policies a learned one must beat.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from halo.chunking.baselines import fixed_duration_cuts
from halo.chunking.rl_episode import Episode, Limits, document_episode, walk
from halo.chunking.rl_policy import ChunkingPolicy, load_policy, ppo_cuts
from halo.chunking.rl_train import PPOTrainingConfig, save_policy, train_ppo
from halo.chunking.rules import ChunkingConfig, boundary_signals
from halo.eval.datasets import SegDoc, load_qmsum
from halo.eval.feature_store import DiskFeatureCache
from halo.eval.segmentation import (
    DocFeatures,
    FeatureCache,
    Method,
    chunker_config,
    chunker_method,
    evaluate,
    fixed_method,
    texttiling_method,
)
from halo.paths import PROJECT_ROOT

TEXT_LIMITS = Limits(min_duration=60.0, max_duration=3600.0)
# The training data that ships with HALO (data/qmsum_subset/README.md): committed like the samples.
BUNDLED_QMSUM = PROJECT_ROOT / "data" / "qmsum_subset" / "qmsum_val_tuning.jsonl.gz"
HELD_OUT = "qmsum held-out"


def is_test_doc(doc_id: str, test_fraction: float) -> bool:
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) / 0xFFFFFFFF
    return bucket < test_fraction


def split_docs(docs: list[SegDoc], test_fraction: float = 0.25) -> tuple[list[SegDoc], list[SegDoc]]:
    """(train, test) by a stable hash of each doc id (see module docstring)."""
    test = [d for d in docs if is_test_doc(d.doc_id, test_fraction)]
    train = [d for d in docs if not is_test_doc(d.doc_id, test_fraction)]
    return train, test


def doc_episode(f: DocFeatures, limits: Limits = TEXT_LIMITS,
                config: ChunkingConfig | None = None) -> Episode:
    """A benchmark document as an Episode, with the rule-based chunker's own signals."""
    config = config or chunker_config()
    vectors = np.asarray(f.vectors, dtype=float)
    signals = boundary_signals(f.utterances, vectors, config, f.topics, None, f.gap_f1)
    words = np.maximum(f.utterances["text"].str.split().str.len().to_numpy(dtype=float), 1.0)
    return document_episode(signals, vectors, f.utterances["start"].to_numpy(),
                            f.utterances["end"].to_numpy(), limits, weights=config.weights,
                            cohesion_weight=config.cohesion_weight, truth=list(f.doc.truth), gap_f1=f.gap_f1,
                            unit_weights=words ** config.unit_weight_power, doc_id=f.doc.doc_id)


def ppo_method(policy: ChunkingPolicy, config: ChunkingConfig | None = None) -> Method:
    def run(f: DocFeatures) -> list[int]:
        return ppo_cuts(policy, doc_episode(f, policy.limits, config))
    return run


def constant_method(action: int, limits: Limits) -> Method:
    """Always cut (1) or never cut (0), within ``limits``: the degenerate policies."""
    def run(f: DocFeatures) -> list[int]:
        return walk(doc_episode(f, limits), limits, lambda obs: action)
    return run


def fixed_duration_method(chunk_s: float) -> Method:
    """Fixed-length chunks of ``chunk_s`` seconds (the count is not told)."""
    def run(f: DocFeatures) -> list[int]:
        return fixed_duration_cuts(f.utterances["start"].to_numpy(), chunk_s)
    return run


def mean_segment_seconds(docs: list[SegDoc], cache: FeatureCache) -> float:
    """Mean true segment duration over ``docs`` (what a fixed-length chunker would be tuned to)."""
    durations = []
    for doc in docs:
        ends = cache.get(doc).utterances["end"].to_numpy()
        edges = np.cumsum(doc.truth)
        durations += list(np.diff(np.concatenate([[0.0], ends[edges - 1]])))
    return float(np.mean(durations))


def heldout_methods(policy: ChunkingPolicy, fixed_s: float, degenerate: bool = False
                    ) -> dict[str, Method]:
    config = chunker_config()
    methods: dict[str, Method] = {
        "PPO policy": ppo_method(policy),
        "halo chunker (rules)": chunker_method(config, False),
        f"fixed-length ({fixed_s / 60:.0f} min, train mean)": fixed_duration_method(fixed_s),
        "TextTiling": texttiling_method(False, config.window_words),
        "halo chunker (rules, told k)": chunker_method(config, True),
        "fixed-length (told k)": fixed_method,
    }
    if degenerate:
        methods["always cut"] = constant_method(1, policy.limits)
        methods["never cut"] = constant_method(0, policy.limits)
    return methods


@dataclass
class PolicyReport:
    """What training produced: where the model is, on which meetings, and how it scores."""

    path: Path
    timesteps: int
    train_docs: list[str]
    test_docs: list[str]
    train_seconds: float
    feature_seconds: float
    rows: list[dict] = field(default_factory=list)

    def score(self, method_prefix: str, metric: str) -> float:
        return next(r[metric] for r in self.rows if r["method"].startswith(method_prefix))


def train_chunking_policy(
    qmsum_file: str | Path,
    out_path: str | Path,
    settings: PPOTrainingConfig | None = None,
    *,
    limits: Limits = TEXT_LIMITS,
    test_fraction: float = 0.25,
    with_bertscore: bool = False,
    limit: int | None = None,
    cache: FeatureCache | None = None,
    degenerate: bool = False,
) -> PolicyReport:
    """Train on the QMSum training split, save the policy, score it on the held-out split.

    ``limit`` keeps only the first N meetings (before splitting) for quick runs.
    """
    settings = settings or PPOTrainingConfig()
    docs = load_qmsum(qmsum_file, limit)
    train, test = split_docs(docs, test_fraction)
    if not train or not test:
        raise ValueError(f"{qmsum_file}: {len(train)} training and {len(test)} test meetings; "
                         f"need at least one of each (raise --limit or change test_fraction)")
    cache = cache or DiskFeatureCache(with_bertscore=with_bertscore)
    t0 = time.perf_counter()
    episodes = [doc_episode(cache.get(d), limits) for d in train]
    feature_seconds = time.perf_counter() - t0
    model, seconds = train_ppo(episodes, limits, settings)
    fixed_s = mean_segment_seconds(train, cache)
    info = {"train_docs": [d.doc_id for d in train], "test_docs": [d.doc_id for d in test],
            "source": Path(qmsum_file).name, "timesteps": settings.total_timesteps,
            "seed": settings.seed, "train_seconds": round(seconds, 2),
            "with_bertscore": with_bertscore, "fixed_chunk_s": fixed_s,
            "settings": {k: v for k, v in vars(settings).items()}}
    path = save_policy(model, out_path, limits, info)
    policy = load_policy(path)
    rows = evaluate(test, heldout_methods(policy, fixed_s, degenerate), cache, HELD_OUT)
    return PolicyReport(path, settings.total_timesteps, info["train_docs"], info["test_docs"],
                        seconds, feature_seconds, rows)


def heldout_report(qmsum_file: str | Path, policy_path: str | Path, *, limit: int | None = None,
                   with_bertscore: bool | None = None) -> list[dict]:
    """Rows for `halo eval segmentation --ppo`: every method on meetings the policy never saw."""
    return heldout_rows(load_qmsum(qmsum_file, limit), load_policy(policy_path),
                        with_bertscore=with_bertscore)


def heldout_rows(docs: list[SegDoc], policy: ChunkingPolicy, *, with_bertscore: bool | None = None,
                 dataset: str = HELD_OUT, degenerate: bool = True) -> list[dict]:
    """Every method (PPO, rules, baselines, degenerate policies) on the ``docs`` the policy never
    trained on; the ones it did are dropped, and none left is an error."""
    seen = set(policy.meta.get("train_docs", []))
    docs = [d for d in docs if d.doc_id not in seen]
    if not docs:
        raise ValueError(f"every meeting given was used to train {policy.path}: "
                         f"nothing held out to evaluate on")
    if with_bertscore is None:  # score with the features the policy was trained on
        with_bertscore = bool(policy.meta.get("with_bertscore", False))
    cache = DiskFeatureCache(with_bertscore=with_bertscore)
    fixed_s = float(policy.meta.get("fixed_chunk_s") or mean_segment_seconds(docs, cache))
    return evaluate(docs, heldout_methods(policy, fixed_s, degenerate), cache, dataset)
