"""The project directory: HALO_HOME, the source checkout, or (installed wheel) the working dir."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from halo.paths import PROJECT_ROOT

PRINT_ROOTS = "from halo import paths; print(paths.PROJECT_ROOT); print(paths.data_dir())"


def _roots(cwd, extra_env: dict, pythonpath: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HALO_HOME", "HALO_DATA_DIR")}
    env.update(extra_env, PYTHONPATH=pythonpath)
    out = subprocess.run([sys.executable, "-c", PRINT_ROOTS], cwd=cwd, env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.split()


def test_checkout_is_the_project(tmp_path):
    assert _roots(tmp_path, {}, str(PROJECT_ROOT)) == [str(PROJECT_ROOT), str(PROJECT_ROOT / "data")]


def test_installed_package_uses_the_working_directory_not_site_packages(tmp_path):
    site = tmp_path / "site-packages"
    shutil.copytree(PROJECT_ROOT / "halo", site / "halo", ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "my-project"
    work.mkdir()
    assert _roots(work, {}, str(site)) == [str(work), str(work / "data")]
    home = tmp_path / "halo-home"
    assert _roots(work, {"HALO_HOME": str(home)}, str(site)) == [str(home), str(home / "data")]
