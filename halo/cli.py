"""The `halo` command (also `python -m halo`).

The CLI is HALO's composition root: commands that drive Dagster import halo_assets lazily,
so `halo` starts fast and the domain library stays free of Dagster imports.
"""

from __future__ import annotations

import click

from halo.paths import ensure_dagster_home


@click.group()
@click.version_option(package_name="halo")
def main() -> None:
    """HALO: long videos -> cached, cost-audited knowledge for Gemini."""
    ensure_dagster_home()


if __name__ == "__main__":
    main()
