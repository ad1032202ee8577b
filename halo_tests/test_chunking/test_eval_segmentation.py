"""Segmentation evaluation on real annotated data (Choi set 1, QMSum) against the baselines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from halo.eval.datasets import clean_qmsum_text, load_choi, load_qmsum, qmsum_turn_labels
from halo.eval.segmentation import segmentation_report

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
CHOI = SHARED / "choi" / "1"
QMSUM_VAL = SHARED / "qmsum" / "val.jsonl"
QMSUM_ONE = SHARED / "qmsum" / "ES2002a.json"

needs_data = pytest.mark.skipif(not CHOI.is_dir() or not QMSUM_VAL.is_file(),
                                reason="shared benchmark data not present")


def _by_method(rows, dataset):
    return {r["method"]: r for r in rows if r["dataset"] == dataset}


def test_qmsum_truth_from_messy_spans():
    topics = [{"relevant_text_span": [["2", "5"]]},               # A: 2..5 (0..1 uncovered)
              {"relevant_text_span": [["6", "12"], ["20", "21"]]},  # B, and B returns later
              {"relevant_text_span": [["8", "9"]]},               # C nested inside B
              {"relevant_text_span": [["14", "19"]]}]             # D (13 uncovered)
    labels = qmsum_turn_labels(22, topics)
    assert labels[:2] == [0, 0]            # leading gap -> first topic
    assert labels[6:8] == [1, 1] and labels[8:10] == [2, 2] and labels[10:13] == [1, 1, 1]
    assert labels[13] == 1                 # gap inherits the previous topic
    assert labels[14:20] == [3] * 6 and labels[20:] == [1, 1]


def test_clean_qmsum_text():
    assert clean_qmsum_text("Okay {vocalsound} so {disfmarker} um") == "Okay so um"
    assert clean_qmsum_text("{vocalsound} {gap}") == ""


@needs_data
def test_loaders_read_the_benchmarks():
    docs = load_choi(CHOI)
    assert len(docs) == 200 and all(d.n_segments == 10 for d in docs)
    assert all(sum(d.truth) == len(d.units) for d in docs)
    meetings = load_qmsum(QMSUM_VAL)
    assert len(meetings) == 35
    assert all(sum(m.truth) == len(m.units) == len(m.speakers) for m in meetings)
    assert all("{" not in u for m in meetings for u in m.units)
    assert load_qmsum(QMSUM_ONE)[0].n_segments == 2


@needs_data
def test_chunker_beats_baselines_on_a_choi_subset_and_qmsum_meeting():
    rows = segmentation_report(str(CHOI), str(QMSUM_ONE), limit=8)
    choi = _by_method(rows, "choi")
    assert choi["halo chunker"]["pk"] <= 0.08
    assert choi["halo chunker (told k)"]["pk"] <= 0.08
    assert choi["halo chunker (told k)"]["pk"] < choi["TextTiling (told k)"]["pk"]
    assert choi["halo chunker (told k)"]["pk"] < choi["fixed-length (told k)"]["pk"]
    qmsum = _by_method(rows, "qmsum")
    assert qmsum["halo chunker (told k)"]["pk"] < qmsum["fixed-length (told k)"]["pk"]


@needs_data
def test_cli_json_rows(tmp_path):
    from click.testing import CliRunner

    from halo_cli.cli import main

    result = CliRunner().invoke(main, ["eval", "segmentation", "--qmsum", str(QMSUM_ONE), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"method", "pk", "windowdiff", "mean_segment_tokens", "n_docs"} <= set(rows[0])
    assert rows[0]["n_docs"] == 1


@pytest.mark.slow
@needs_data
def test_full_benchmarks_meet_the_targets():
    rows = segmentation_report(str(CHOI), str(QMSUM_VAL))
    choi = _by_method(rows, "choi")
    assert choi["halo chunker"]["pk"] <= 0.08 and choi["halo chunker (told k)"]["pk"] <= 0.08
    assert choi["halo chunker (told k)"]["pk"] < choi["TextTiling (told k)"]["pk"]
    qmsum = _by_method(rows, "qmsum")
    fixed = qmsum["fixed-length (told k)"]["pk"]
    assert qmsum["halo chunker (told k)"]["pk"] <= 0.7 * fixed
