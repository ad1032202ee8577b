"""`python -m halo_cli` runs the `halo` command."""

from halo_cli.entry import run

run()
