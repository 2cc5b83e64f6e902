"""cix, the Customs Information eXchange.

A cix node is run by one customs administration to join a single customs information space with
its partners: it stores declarations, exchanges signed messages under agreements, matches partner
export data with import declarations, checks prices and routes every declaration to a channel.
The package is layered (reference → model → store → exchange → matching → valuation → risk →
ingest → pipeline → api / console / cli); a lower layer never imports a higher one.
"""

from __future__ import annotations

__version__ = "0.1.0"
