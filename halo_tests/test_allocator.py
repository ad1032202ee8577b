"""glibc malloc settings: the `halo` command restarts under them, run workers inherit them, a
user's own setting stands, and they do what they are for (big buffers stop faulting in pages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from halo.allocator import PROCESSING_MALLOC_ENV, _uses_glibc, processing_malloc_env

pytestmark = pytest.mark.skipif(not _uses_glibc(), reason="the settings are glibc's")

SETTINGS = "{k: os.environ.get(k) for k in %r}" % sorted(PROCESSING_MALLOC_ENV)
REPORT_ENV = f"import json, os; print(json.dumps({SETTINGS}))"


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROCESSING_MALLOC_ENV}
    return {**env, **extra}


def _run(code: str, env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_user_setting_any_of_the_variables_keeps_glibc_as_they_set_it():
    assert processing_malloc_env({}) == PROCESSING_MALLOC_ENV
    assert processing_malloc_env({"MALLOC_ARENA_MAX": "4"}) == {}
    assert processing_malloc_env({"PATH": "/bin"}) == PROCESSING_MALLOC_ENV


def test_the_command_restarts_itself_once_under_the_settings_with_its_arguments():
    code = ("from halo.allocator import restart_with_malloc_settings as r; r()\n"
            f"import json, os, sys; print(json.dumps({{'argv': sys.argv[1:], **{SETTINGS}}}))")
    out = subprocess.run([sys.executable, "-c", code, "ask", "v1", "why?"], env=_clean_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)  # one line: the first process never printed, it became the second
    assert report.pop("argv") == ["ask", "v1", "why?"]
    assert report == PROCESSING_MALLOC_ENV

    mine = _run("from halo.allocator import restart_with_malloc_settings as r; r()\n" + REPORT_ENV,
                _clean_env(MALLOC_ARENA_MAX="4"))
    assert mine == {"MALLOC_ARENA_MAX": "4", "MALLOC_MMAP_THRESHOLD_": None, "MALLOC_TRIM_THRESHOLD_": None}


def test_the_halo_command_runs_under_the_settings(tmp_path):
    """The console script and `python -m halo` go through the restart before the CLI loads."""
    probe = tmp_path / "sitecustomize.py"  # runs in every interpreter start, so in the restarted one too
    probe.write_text(
        "import json, os\n"
        "if os.environ.get('MALLOC_ARENA_MAX'):\n"
        f"    open({str(tmp_path / 'seen.json')!r}, 'w').write(json.dumps({SETTINGS}))\n"
    )
    env = _clean_env(PYTHONPATH=f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = subprocess.run([sys.executable, "-m", "halo", "--help"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "Usage" in out.stdout
    assert json.loads((tmp_path / "seen.json").read_text()) == PROCESSING_MALLOC_ENV


def test_run_workers_started_by_the_code_server_inherit_the_settings(tmp_path):
    """Dagster's code server starts each run with multiprocessing's spawn: a new interpreter with
    the server's environment, set when it loads halo_assets.definitions."""
    server = tmp_path / "server.py"
    server.write_text(
        "import json, multiprocessing as mp, os\n"
        "def report(q):\n"
        f"    q.put({SETTINGS})\n"
        "if __name__ == '__main__':\n"
        "    import halo_assets.definitions\n"
        "    ctx = mp.get_context('spawn'); q = ctx.Queue(); p = ctx.Process(target=report, args=(q,))\n"
        "    p.start(); print(json.dumps(q.get(timeout=120))); p.join()\n"
    )
    out = subprocess.run([sys.executable, str(server)], env=_clean_env(), capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == PROCESSING_MALLOC_ENV


def test_a_freed_big_buffer_stays_for_the_next_one_until_the_stage_hands_it_back():
    """What the settings are for: a 64 MB buffer written and freed in a worker thread (as
    CTranslate2's are) stays resident for the next buffer instead of being unmapped and faulted
    in again; release_free_memory (run after every stage) then gives it back."""
    code = (
        "import json, os, threading\n"
        "import numpy as np\n"
        "from halo.allocator import release_free_memory\n"
        "def rss(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') >> 20\n"
        "def work():\n"
        "    a = np.empty(16 << 20, dtype=np.float32); a.fill(1.0); del a\n"
        "base = rss(); t = threading.Thread(target=work); t.start(); t.join()\n"
        "freed = rss() - base; release_free_memory()\n"
        "print(json.dumps({'after_free_mb': freed, 'after_release_mb': rss() - base}))\n"
    )
    default = _run(code, _clean_env())
    tuned = _run(code, _clean_env(**PROCESSING_MALLOC_ENV))
    assert default["after_free_mb"] < 8  # glibc's defaults: unmapped at once, the next buffer faults in anew
    assert tuned["after_free_mb"] >= 60  # the settings: kept for the next buffer
    assert tuned["after_release_mb"] < 8  # and handed back between stages
