"""PPO chunker vs the rules on QMSum meetings it never trained on (the reporting half).

Scores the policy (default: the pretrained one HALO ships) and the rule-based chunker, the
fixed-length and TextTiling baselines and the degenerate always/never-cut policies on the
reporting half of QMSum val (odd lines of val.jsonl, bench/splits.py): Pk, WindowDiff (lower
is better) and mean tokens per segment. The shipped policy trained on tuning-half meetings
only (data/qmsum_subset), so every reporting meeting is unseen; the script checks that too.

--train first re-trains the shipped policy from the bundled subset with the job's defaults
(what `train_chunking_policy` does, written to halo/chunking/pretrained/ instead of data/).

--meetings N scores only the N shortest reporting meetings (all 17 by default).

Usage: python -m bench.bench_ppo [--train] [--policy ZIP] [--qmsum val.jsonl] [--meetings N]
                                 [--markdown FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.splits import half_of, qmsum_val

COLUMNS = ("method", "pk", "windowdiff", "mean_segment_tokens")


def train_pretrained() -> None:
    """Re-train the shipped policy with the job's defaults (BERTScore features, 25% validation)."""
    from halo.chunking.rl_policy import PRETRAINED_POLICY
    from halo.eval.ppo import BUNDLED_QMSUM, train_chunking_policy

    t0, c0 = time.perf_counter(), time.process_time()
    report = train_chunking_policy(BUNDLED_QMSUM, PRETRAINED_POLICY)
    print(f"trained {report.path} on {len(report.train_docs)} meetings, validated on "
          f"{report.test_docs}: {report.timesteps} steps, PPO {report.train_seconds:.0f} s, features "
          f"{report.feature_seconds:.0f} s; total {time.perf_counter() - t0:.0f} s wall, "
          f"{time.process_time() - c0:.0f} s CPU")
    for row in report.rows:
        print(f"  validation (tuning half) {row['method']:<40} Pk {row['pk']:.3f} "
              f"WD {row['windowdiff']:.3f} tokens {row['mean_segment_tokens']:.0f}")


def markdown(rows: list[dict]) -> str:
    lines = ["| method | Pk | WindowDiff | tokens/segment |", "|---|---:|---:|---:|"]
    lines += [f"| {r['method']} | {r['pk']:.3f} | {r['windowdiff']:.3f} | "
              f"{r['mean_segment_tokens']:.0f} |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    from halo.chunking.rl_policy import PRETRAINED_POLICY, load_policy
    from halo.eval.datasets import load_qmsum
    from halo.eval.ppo import heldout_rows
    from halo.eval.segmentation import print_rows

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="re-train the shipped policy first")
    parser.add_argument("--policy", type=Path, default=PRETRAINED_POLICY)
    parser.add_argument("--qmsum", type=Path, default=qmsum_val())
    parser.add_argument("--meetings", type=int, default=None, help="the N shortest reporting meetings")
    parser.add_argument("--no-degenerate", action="store_true",
                        help="skip the always-cut / never-cut rows (saves CPU)")
    parser.add_argument("--markdown", type=Path, help="also write the table as markdown here")
    args = parser.parse_args()
    if args.train:
        train_pretrained()
    policy = load_policy(args.policy)
    docs = [d for i, d in enumerate(load_qmsum(args.qmsum)) if half_of(i) == "report"]
    if args.meetings:
        docs = sorted(docs, key=lambda d: sum(len(u) for u in d.units))[:args.meetings]
    seen = set(policy.meta.get("train_docs", [])) | set(policy.meta.get("test_docs", []))
    overlap = sorted(seen & {d.doc_id for d in docs})
    if overlap:
        raise SystemExit(f"{args.policy} saw reporting-half meetings {overlap}: not a held-out score")
    c0 = time.process_time()
    rows = heldout_rows(docs, policy, dataset=f"QMSum val reporting half ({len(docs)} meetings)",
                        degenerate=not args.no_degenerate)
    print_rows(rows)
    print(f"({time.process_time() - c0:.0f} s CPU including features; policy trained on "
          f"{len(policy.meta.get('train_docs', []))} tuning-half meetings, "
          f"{policy.meta.get('timesteps')} steps)")
    table = markdown(rows)
    print(table)
    if args.markdown:
        args.markdown.write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
