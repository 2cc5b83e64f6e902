"""Reference data, the lowest layer of cix: HS editions, countries, currencies, units, exchange
rates and the node's tariff — pure data and lookups, importing nothing of cix but its errors and
translation layer.

The public names are re-exported here; the modules behind them load their data lazily on first
use, so importing this package stays cheap. ``docs/reference-data.md`` describes the data files,
how to add an HS edition, operator rate tables and the tariff lookup rule.
"""

from __future__ import annotations

from cix.reference.countries import country_name, currency_name, is_country, is_currency
from cix.reference.fx import Conversion, RateBook, convert, rate_book
from cix.reference.hs import HsEdition, HsEntry, edition, edition_for, editions, hs_dir
from cix.reference.rates import (
    RateRow,
    RateTable,
    add_rates_file,
    load_rates,
    read_rates_csv,
    write_rates_csv,
)
from cix.reference.tariff import TariffRate, TariffTable, add_tariff_file, load_tariff, read_tariff_csv
from cix.reference.units import Unit, is_unit, known_units, unit_name

__all__ = [
    "Conversion",
    "HsEdition",
    "HsEntry",
    "RateBook",
    "RateRow",
    "RateTable",
    "TariffRate",
    "TariffTable",
    "Unit",
    "add_rates_file",
    "add_tariff_file",
    "convert",
    "country_name",
    "currency_name",
    "edition",
    "edition_for",
    "editions",
    "hs_dir",
    "is_country",
    "is_currency",
    "is_unit",
    "known_units",
    "load_rates",
    "load_tariff",
    "rate_book",
    "read_rates_csv",
    "read_tariff_csv",
    "unit_name",
    "write_rates_csv",
]
