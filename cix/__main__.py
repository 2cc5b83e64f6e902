"""``python -m cix``: the same as the ``cix`` command."""

from __future__ import annotations

from cix.cli.main import main

main()
