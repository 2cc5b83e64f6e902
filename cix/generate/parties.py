"""Synthetic traders: exporters abroad, importers and declarants at home, and carriers.

Each trader has a company name in its country's style, an identifier shaped like an EORI number
(country code + national digits; Russian ones carry a company INN with a valid check digit), an
AEO status with a certificate number (about 15 % of traders, more often the big ones), a trading
volume drawn from a Zipf-like law (a few traders make most consignments), the date it started
trading, and a fraud propensity (a small share of importers commit most of the fraud; AEO
traders hardly any). Importers keep a small set of regular suppliers (exporters in the partner
countries) and exporters a product range in a few chapters: that is the "history" a risk model
and price references learn from.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from stdnum.ru import inn

_STEMS = {
    "FI": ["Pohjola", "Saimaa", "Karjala", "Lappi", "Kivi", "Metsä", "Tuuli", "Aalto", "Virta", "Koski",
           "Revontuli", "Hanki", "Kallio", "Järvi", "Suomi"],
    "DE": ["Nordstern", "Rheinland", "Elbtal", "Schwarzwald", "Weser", "Alpen", "Hansa", "Spree",
           "Main", "Donau", "Harz", "Eifel", "Allgäu", "Mosel", "Lausitz"],
    "CN": ["Ningbo Haitian", "Yiwu Jinhua", "Shenzhen Huaxing", "Guangzhou Lianhe", "Qingdao Haida",
           "Xiamen Dongfang", "Suzhou Tianyi", "Hangzhou Xinghe", "Tianjin Binhai", "Dalian Jinshi",
           "Chengdu Shuguang", "Wuhan Changjiang", "Foshan Meida", "Dongguan Yongli", "Xi'an Qinfeng"],
    "TR": ["Anadolu", "Boğaziçi", "Ege", "Karadeniz", "Toros", "Marmara", "Kapadokya", "Akdeniz",
           "Yıldız", "Güneş", "Ararat", "Pamukkale", "Uludağ", "Efes", "Bursa"],
    "RU": ["Severtrans", "Uralsnab", "Volga", "Baltimport", "Sibtorg", "Dalnevostok", "Kamaz-Trade",
           "Neva", "Ladoga", "Tavrida", "Yenisei", "Amur", "Vostokimpex", "Zapad", "Moskvoretsk",
           "Kubantorg", "Pomorye", "Altai", "Sokol", "Rassvet"],
}
_GENERIC_STEMS = ["Atlas", "Meridian", "Orion", "Vega", "Polaris", "Delta", "Summit", "Horizon", "Pioneer",
                  "Unity", "Crest", "Harbor", "Apex", "Zenith", "Keystone"]
_SUFFIX = {"FI": ["Oy", "Oy Ab"], "DE": ["GmbH", "AG", "GmbH & Co. KG"],
           "CN": ["Trading Co., Ltd.", "Import & Export Co., Ltd.", "Industrial Co., Ltd."],
           "TR": ["Dış Ticaret A.Ş.", "Sanayi ve Ticaret Ltd. Şti."], "RU": ["OOO", "AO"],
           "PL": ["Sp. z o.o."], "BY": ["OOO"], "KZ": ["TOO"]}
_ACTIVITY = ["Trade", "Logistics", "Foods", "Technik", "Industries", "Supply", "Group", "Textile",
             "Machinery", "Chemicals", "Import", "Distribution"]
_CARRIER_ACTIVITY = {"3": "Transport", "1": "Shipping", "4": "Air Cargo", "2": "Rail Logistics"}

ROLE_EXPORTER, ROLE_IMPORTER, ROLE_DECLARANT, ROLE_CARRIER, ROLE_FORWARDER = (
    "exporter", "importer", "declarant", "carrier", "forwarder",
)


@dataclass(slots=True)
class Trader:
    """One party of the synthetic trade and its history."""

    role: str
    name: str
    identifier: str
    country: str
    aeo: bool
    aeo_certificate: str | None
    volume: float  # relative trading volume
    since: str  # ISO date it started trading
    risk: float = 1.0  # relative fraud propensity
    chapters: list[str] = field(default_factory=list)  # exporters: chapters traded
    goods: list[tuple[int, str]] = field(default_factory=list)  # exporters: (catalogue index, origin)
    suppliers: list[int] = field(default_factory=list)  # importers: indexes into the exporter list
    mode: str | None = None  # carriers: UN Rec 19 mode
    party: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.party = {"name": self.name, "identifier": self.identifier, "country": self.country, "aeo": self.aeo}
        if self.aeo_certificate:
            self.party["aeo_certificate"] = self.aeo_certificate

    def to_dict(self) -> dict[str, Any]:
        out = {
            "role": self.role, "name": self.name, "identifier": self.identifier, "country": self.country,
            "aeo": self.aeo, "aeo_certificate": self.aeo_certificate, "volume": round(self.volume, 6),
            "since": self.since, "risk": round(self.risk, 3),
        }
        if self.chapters:
            out["chapters"] = self.chapters
        if self.mode:
            out["mode"] = self.mode
        return out


def company_name(rng: random.Random, country: str, activity: str | None = None) -> str:
    stem = rng.choice(_STEMS.get(country, _GENERIC_STEMS))
    act = activity or rng.choice(_ACTIVITY)
    suffix = rng.choice(_SUFFIX.get(country, ["Ltd."]))
    if country in ("RU", "BY", "KZ"):
        return f'{suffix} "{stem} {act}"'
    return f"{stem} {act} {suffix}"


def identifier(rng: random.Random, country: str, used: set[str]) -> str:
    """An EORI-shaped identifier, unique within ``used``."""
    while True:
        if country == "RU":
            body = str(rng.randint(1, 99)).zfill(2) + "".join(rng.choice("0123456789") for _ in range(7))
            number = "RU" + body + inn.calc_company_check_digit(body)
        elif country == "FI":
            number = "FI" + "".join(rng.choice("0123456789") for _ in range(8))
        elif country == "CN":
            number = "CN" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(10))
        elif country == "TR":
            number = "TR" + "".join(rng.choice("0123456789") for _ in range(10))
        else:
            number = country + "".join(rng.choice("0123456789") for _ in range(12))
        if number not in used:
            used.add(number)
            return number


def _zipf_volumes(rng: random.Random, n: int, exponent: float = 1.1) -> list[float]:
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1.0 / r**exponent for r in ranks]


def make_traders(
    rng: random.Random,
    role: str,
    country: str,
    n: int,
    *,
    aeo_share: float,
    since_range: tuple[int, int],
    used: set[str],
    activity: str | None = None,
) -> list[Trader]:
    """``n`` traders of one role and country; ``since_range`` is (earliest, latest) date ordinals."""
    from datetime import date

    volumes = _zipf_volumes(rng, n)
    top = sorted(volumes, reverse=True)[max(0, int(n * 0.2) - 1)]
    out = []
    for volume in volumes:
        # AEO status is three times as likely among the biggest fifth of traders.
        big = volume >= top
        p_aeo = min(1.0, aeo_share * (3.0 if big else 0.5) / (0.2 * 3.0 + 0.8 * 0.5))
        aeo = rng.random() < p_aeo
        ident = identifier(rng, country, used)
        cert = f"{country}AEOF{rng.randint(0, 999999):06d}" if aeo else None
        since = date.fromordinal(rng.randint(*since_range)).isoformat()
        out.append(
            Trader(role, company_name(rng, country, activity), ident, country, aeo, cert, volume, since)
        )
    return out


def assign_risk(rng: random.Random, importers: list[Trader], window_start: int) -> None:
    """Fraud propensity: 10 % of importers are risky (x12), new ones riskier, AEO ones almost clean."""
    from datetime import date

    for t in importers:
        risk = 12.0 if rng.random() < 0.10 else 0.4
        if date.fromisoformat(t.since).toordinal() > window_start - 180:
            risk *= 2.0
        if t.aeo:
            risk *= 0.1
        t.risk = risk
