"""The `halo` command's entry point: glibc's malloc settings first, then the CLI.

Kept apart from halo_cli.cli so that the restart under the settings (halo.allocator) happens
before the CLI's imports, not after them.
"""

from halo.allocator import restart_with_malloc_settings


def run() -> None:
    """`halo ...`, `python -m halo ...`, `python -m halo_cli ...`."""
    restart_with_malloc_settings()
    from halo_cli.cli import run as run_cli

    run_cli()
