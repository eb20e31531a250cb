"""``python -m wscli``."""

from wscli.cli import main

main()
