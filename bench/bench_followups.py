"""The follow-up detector on the labelled set (halo_tests/data/followups.jsonl).

Standalone questions: QMSum val specific + general queries (part = the meeting's half, see
bench/splits.py) and hand-written ones; follow-ups: hand-written ("who said that?", "what
about the battery?", ...), alternate lines in each part. The rules' one knob (MAX_NAMED) is
chosen on the tuning part; figures to quote come from the reporting part. Targets (issue #9):
share of standalone questions left alone >= 0.98, share of follow-ups detected >= 0.85.

    python bench/bench_followups.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from halo.qa.followups import MAX_NAMED, is_follow_up  # noqa: E402

LABELLED = Path(__file__).resolve().parent.parent / "halo_tests" / "data" / "followups.jsonl"


def scores(rows: list[dict], max_named: int) -> tuple[float, float, list[str], list[str]]:
    """(standalone left alone, follow-ups detected, wrongly rewritten, missed follow-ups)."""
    wrong = [r["question"] for r in rows if r["label"] == "standalone" and is_follow_up(r["question"], max_named)]
    missed = [r["question"] for r in rows if r["label"] == "follow_up" and not is_follow_up(r["question"], max_named)]
    n_std = sum(r["label"] == "standalone" for r in rows)
    n_fu = len(rows) - n_std
    return 1 - len(wrong) / n_std, 1 - len(missed) / n_fu, wrong, missed


def main() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text().splitlines() if line.strip()]
    parts = {p: [r for r in rows if r["part"] == p] for p in ("tune", "report")}
    for p, rs in parts.items():
        print(f"{p}: {sum(r['label'] == 'standalone' for r in rs)} standalone, "
              f"{sum(r['label'] == 'follow_up' for r in rs)} follow-ups")
    print(f"{'max_named':>9} | {'tune standalone kept':>20} {'tune follow-ups found':>21} | "
          f"{'report standalone kept':>22} {'report follow-ups found':>23}")
    for m in range(0, 6):
        t, r = scores(parts["tune"], m), scores(parts["report"], m)
        mark = "   <- default" if m == MAX_NAMED else ""
        print(f"{m:>9} | {t[0]:20.3f} {t[1]:21.3f} | {r[0]:22.3f} {r[1]:23.3f}{mark}")
    std, fu, wrong, missed = scores(parts["report"], MAX_NAMED)
    print(f"reporting part, default: standalone kept {std:.3f} (target >= 0.98), follow-ups found {fu:.3f} (>= 0.85)")
    for q in wrong:
        print(f"  rewritten standalone: {q}")
    for q in missed:
        print(f"  missed follow-up: {q}")


if __name__ == "__main__":
    main()
