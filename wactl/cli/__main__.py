"""`python -m wactl.cli`: the same as the `wactl` console script."""

from wactl.cli import main

main()
