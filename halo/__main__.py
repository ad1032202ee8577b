"""`python -m halo` runs the `halo` command (halo_cli); kept so `python -m halo demo` still works.

This entry point is the one module of halo/ allowed to reach up: nothing imports it.
"""

from halo_cli.entry import run

run()
