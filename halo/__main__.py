"""`python -m halo` runs the `halo` command (halo_cli); kept so `python -m halo demo` still works.

With halo/__init__.py's lazy HALOPipeline, one of the two places halo/ may reach up
(halo_tests/test_imports.py): nothing imports it.
"""

from halo_cli.entry import run

run()
