"""Exchange between administrations: identities, agreements, signed envelopes, receipts and transports.

A cix node sends and receives messages (preliminary information, export declaration data, price
records, receipts ...) as signed envelopes (:mod:`cix.exchange.envelope`), signed by a pluggable
signature suite (:mod:`cix.exchange.suites`: Ed25519 by default, GOST R 34.10-2012 as a second
suite) and, where an agreement says so, with the payload encrypted to the recipient
(:mod:`cix.exchange.crypto_box`). Message ids are UUIDv7 (:mod:`cix.exchange.ids`). Every reason to
refuse a message is a :class:`cix.exchange.rejection.Rejection` carrying a stable rule id.
"""
