"""The declaration path in one place: validate → store (→ match → value → score → channel).

:mod:`cix.pipeline.lodge` takes records from any source (API, files, the console) through the same
steps, so the web page, the API and the command always agree; :mod:`cix.pipeline.imports` reads a
file with :mod:`cix.ingest` and lodges it in batches; :mod:`cix.pipeline.quarantine` retries what
was rejected.
"""
