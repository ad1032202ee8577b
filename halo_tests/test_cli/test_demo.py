"""demo.py and demo.ipynb at the root run as a user runs them (the sample is already processed
in this session's project with the same settings, so both reuse its outputs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import nbformat
from nbclient import NotebookClient

from halo.paths import PROJECT_ROOT
from halo.store import load_output


def test_demo_script(api_env):
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    ran = subprocess.run([sys.executable, "demo.py"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                         text=True, timeout=900)
    assert ran.returncode == 0, ran.stderr[-2000:]
    chunks = load_output("chunks", "meeting")
    assert f"meeting: {len(chunks)} chunks\n" in ran.stdout
    # the contract asked the same question earlier in this project: now an L1 cache hit
    assert "cited:" in ran.stdout and re.search(r"backend (local|cache) \(local-", ran.stdout), ran.stdout


def test_demo_script_counts_one_chunk_as_one_chunk(api_env, monkeypatch, capsys):
    """demo.py printed "meeting: 1 chunks" for a one-chunk video (halo_cli.counts.counted)."""
    import demo
    from halo_cli.pipeline import HALOPipeline

    process = HALOPipeline.process_video

    def first_chunk_only(self, *args, **kwargs):
        chunks, results, metrics = process(self, *args, **kwargs)  # the session's outputs, reused
        return chunks.head(1), results, metrics

    monkeypatch.setattr(HALOPipeline, "process_video", first_chunk_only)
    demo.main()
    assert "meeting: 1 chunk\n" in capsys.readouterr().out


def test_demo_notebook(api_env, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(PROJECT_ROOT))
    notebook = nbformat.read(PROJECT_ROOT / "demo.ipynb", as_version=4)
    NotebookClient(notebook, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(PROJECT_ROOT)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    last = notebook.cells[-1].outputs[0]["data"]["text/plain"]
    assert "'cost_usd': 0.0" in last and "'stage_seconds'" in last
