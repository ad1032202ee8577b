"""Where does one transcript lose words that another gets? A word-level diff against the truth.

    python -m bench.bench_speech --baseline --video V.mp4 --save out/   # writes out/V.baseline.json, out/V.transcribe.json
    python -m bench.asr_diff V.truth.json out/V.baseline.json out/V.transcribe.json

Both hypotheses are aligned (jiwer, after the scorer's own normalisation) against the truth's
turns joined in order. Each error is charged to the truth turn of the reference word it sits on
(an insertion to the word before it), so the turns where B makes more errors than A can be read
side by side. Also printed: errors by kind, and deletions of a word that repeats its neighbour
("we we" -> "we"), the disfluencies Whisper tends to tidy away. Turns are normalised one by
one, so the WER printed here can differ from bench_speech's (whole text normalised) by ~0.003.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class TurnErrors:
    """Errors of one hypothesis charged to the truth turns (index = turn number)."""

    wer: float
    kinds: Counter
    per_turn: Counter
    words_per_turn: dict[int, list[str]] = field(default_factory=dict)
    repeated_deleted: int = 0


def reference_words(turn_texts: list[str]) -> tuple[list[str], list[int]]:
    """The normalised reference words and, for each, the turn it belongs to."""
    from halo.eval.speech import normalize_text

    words: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(turn_texts):
        norm = normalize_text(text).split()
        words += norm
        owner += [i] * len(norm)
    return words, owner


def turn_errors(turn_texts: list[str], hypothesis: str) -> TurnErrors:
    """Align ``hypothesis`` to the turns and charge each error to a turn."""
    import jiwer

    from halo.eval.speech import normalize_text

    ref, owner = reference_words(turn_texts)
    hyp = normalize_text(hypothesis).split() or ["<empty>"]
    out = jiwer.process_words(" ".join(ref), " ".join(hyp))
    result = TurnErrors(out.wer, Counter(), Counter())
    for al in out.alignments[0]:
        n_ref, n_hyp = al.ref_end_idx - al.ref_start_idx, al.hyp_end_idx - al.hyp_start_idx
        if al.type == "insert":
            at = [max(al.ref_start_idx - 1, 0)] * n_hyp
        else:
            at = list(range(al.ref_start_idx, al.ref_end_idx))
        if al.type != "equal":
            for r in at:
                result.per_turn[owner[r]] += 1
            result.kinds[al.type] += max(n_ref, n_hyp)
        if al.type == "delete":
            result.repeated_deleted += sum(
                (r > 0 and ref[r - 1] == ref[r]) or (r + 1 < len(ref) and ref[r + 1] == ref[r]) for r in at
            )
        for k in range(n_hyp):
            r = at[min(k, len(at) - 1)] if at else max(al.ref_start_idx - 1, 0)
            result.words_per_turn.setdefault(owner[r], []).append(hyp[al.hyp_start_idx + k])
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("truth", type=Path)
    parser.add_argument("a", type=Path, help="saved transcript A (e.g. plain faster-whisper)")
    parser.add_argument("b", type=Path, help="saved transcript B (e.g. HALO)")
    parser.add_argument("--turns", type=int, default=20, help="how many of B's worst turns to print")
    args = parser.parse_args(argv)
    from halo.eval.speech import normalize_text

    turns = json.loads(args.truth.read_text())["turns"]
    texts = [t["text"] for t in turns]
    a, b = (turn_errors(texts, json.loads(p.read_text())["text"]) for p in (args.a, args.b))
    n = len(reference_words(texts)[0])
    for name, r in (("A", a), ("B", b)):
        kinds = ", ".join(f"{k} {v / n:.4f}" for k, v in sorted(r.kinds.items()))
        print(f"{name}: WER {r.wer:.4f} ({kinds}); deleted repeats {r.repeated_deleted}")
    worse = sorted(range(len(turns)), key=lambda i: a.per_turn[i] - b.per_turn[i])
    print(f"B worse on {sum(b.per_turn[i] > a.per_turn[i] for i in worse)} turns, better on "
          f"{sum(b.per_turn[i] < a.per_turn[i] for i in worse)}")
    for i in worse[: args.turns]:
        if b.per_turn[i] <= a.per_turn[i]:
            break
        t = turns[i]
        print(f"--- turn {i} {t['start']:.1f}-{t['end']:.1f} s {t['speaker']}: A {a.per_turn[i]} errors, B {b.per_turn[i]}")
        print("  truth:", normalize_text(t["text"]))
        print("  A    :", " ".join(a.words_per_turn.get(i, [])))
        print("  B    :", " ".join(b.words_per_turn.get(i, [])))


if __name__ == "__main__":
    main()
