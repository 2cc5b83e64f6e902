"""Agreements: data-sharing protocols between administrations, and their enforcement.

An agreement (:class:`Agreement`) says which parties may send which message types to whom,
during which period, with which fields (an allow-list of JSON-pointer patterns) and under which
conditions. :func:`scope_payload`, :func:`check_outbound` and :func:`check_inbound` enforce it on
both sides of the exchange; presets (:func:`instantiate`) give the common agreements.
``docs/agreements.md`` describes the format, the condition language and the enforcement policy.
"""

from __future__ import annotations

from cix.agreements.conditions import Condition, check_conditions, conditions_hold, json_equal
from cix.agreements.enforce import RULES, check_inbound, check_outbound, prepare_outbound, scope_payload
from cix.agreements.model import (
    MESSAGE_TYPES,
    Agreement,
    Direction,
    MessageScope,
    check_party,
    parse_agreement,
    party_matches,
    read_agreement,
)
from cix.agreements.presets import Preset, get_preset, instantiate, presets
from cix.agreements.validation import review, review_data, review_file

__all__ = [
    "MESSAGE_TYPES",
    "RULES",
    "Agreement",
    "Condition",
    "Direction",
    "MessageScope",
    "Preset",
    "check_conditions",
    "check_inbound",
    "check_outbound",
    "check_party",
    "conditions_hold",
    "get_preset",
    "instantiate",
    "json_equal",
    "parse_agreement",
    "party_matches",
    "prepare_outbound",
    "presets",
    "read_agreement",
    "review",
    "review_data",
    "review_file",
    "scope_payload",
]
