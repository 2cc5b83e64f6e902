"""Green Corridor matching: partner export records and preliminary information against import declarations.

Records are matched on their keys (UCR, transport document, containers, trader identifiers) with a
fall-back on trader pair, HS heading, date window, mass and route; each matched pair is compared item
by item (value, quantity, masses, HS code, origin, parties, missing items). The same engine
(:mod:`cix.matching.engine`, :mod:`cix.matching.compare`, on Polars frames) serves the declaration
path step (:mod:`cix.matching.step`) and the bulk run over history (:mod:`cix.matching.service`).
``docs/matching.md`` describes the rules.
"""
