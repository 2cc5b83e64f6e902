"""Getting records in: readers for JSON, JSON lines, CSV through a column mapping, and the KCS layout.

A reader turns a file into :class:`~cix.ingest.records.Incoming` records — the raw text kept for
the quarantine, the mapping shaped like a declaration, the problems found while reading, and the
path translation back to the input's own columns. The declaration path that validates and stores
them is :mod:`cix.pipeline`.
"""
