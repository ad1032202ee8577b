"""`python -m halo` runs the same CLI as the `halo` command."""

from halo.cli import main

main()
