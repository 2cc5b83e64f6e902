"""The officer console: server-rendered pages for people, served by ``cix serve``.

Thin by design: :mod:`.pages` gathers what a page shows by calling the capability packages (the
declaration store, exchange, cooperation, auth, matching, valuation, risk), :mod:`.charts` draws
charts as SVG on the server, :mod:`.jobs` runs long jobs in a background thread with progress,
:mod:`.i18n` picks the language and its gettext catalog, :mod:`.render` fills the Jinja2 templates.
The routes are in :mod:`cix.api.routers.console`; ``docs/console.md`` describes the pages.
"""
