"""Risk profiles: declarative, versioned conditions in a small typed language, shared with partners.

The language (:mod:`.lang` parser and printer, :mod:`.compiler` type check and closures, field list
in :mod:`.fields`), the facts of a declaration (:mod:`.facts`), the profiles in the store
(:mod:`.repository`), the active set for the declaration path (:mod:`.engine`), trying a profile on
stored declarations (:mod:`.backtest`), sharing (:mod:`.sharing`, :mod:`.exchange`) and fifty sample
profiles for the benchmark (:mod:`.samples`). ``docs/risk-profiles.md`` describes it all.
"""

from __future__ import annotations

from cix.risk.profiles.compiler import Compiled, compile_condition
from cix.risk.profiles.lang import ExpressionError, parse, unparse

__all__ = ["Compiled", "ExpressionError", "compile_condition", "parse", "unparse"]
