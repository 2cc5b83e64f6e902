"""The ``cix`` command: thin typer commands over the capability packages."""
