"""Every identifier the generator makes validates with :mod:`cix.identifiers`."""

from __future__ import annotations

from cix.generate import Dataset
from cix.identifiers import container, eori, flight, imo, lrn, mrn, ucr, vehicle


def test_identifiers_validate(dataset: Dataset) -> None:
    records = dataset.imports + dataset.exports + dataset.preliminary
    seen = {"container": 0, "imo": 0, "flight": 0, "plate": 0}
    for rec in records:
        if "ucr" in rec:
            assert ucr.is_valid(rec["ucr"]), rec["ucr"]
        if "mrn" in rec:
            assert mrn.is_valid(rec["mrn"]) and mrn.procedure(rec["mrn"]) == "A"
        assert lrn.is_valid(rec["lrn"])
        for role in ("declarant", "exporter", "importer", "carrier"):
            assert eori.is_valid(rec[role]["identifier"]), rec[role]
        cons = rec["consignment"]
        for c in cons["containers"]:
            assert container.is_valid(c["number"]), c
            seen["container"] += 1
        mt = cons.get("arrival_transport") or cons["border_transport"]
        check = {"imo": imo.is_valid, "flight": flight.is_valid, "plate": vehicle.is_valid}.get(mt["identity_type"])
        if check is not None:
            assert check(mt["identity"]), mt
            seen[mt["identity_type"]] += 1
    assert all(seen.values()), seen


def test_offices_have_the_usual_shape(dataset: Dataset) -> None:
    for rec in dataset.imports:
        cons = rec["consignment"]
        for office in (cons["office_of_entry"], cons["office_of_destination"], rec["declaration_office"]):
            assert office.startswith("RU") and len(office) == 10 and office[2:].isdigit()
    for rec in dataset.exports:
        cons = rec["consignment"]
        assert len(cons["office_of_departure"]) == 8 and len(cons["office_of_exit"]) == 8
