"""Run the command line with ``python -m sislink``."""

from sislink.cli import main

main()
