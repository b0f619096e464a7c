"""``python -m ganzoo`` (used by ``torchrun -m ganzoo``)."""

from ganzoo.cli import main

main()
