"""Opening the node's store from a command: settings from ``--home`` / the environment."""

from __future__ import annotations

from pathlib import Path

from cix.settings import Settings, load_settings
from cix.store.db import Store, open_store


def node(home: Path | None) -> tuple[Settings, Store]:
    settings = load_settings(home)
    store = open_store(settings.store_url)
    store.settings = settings
    return settings, store
