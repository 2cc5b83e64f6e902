"""The cooperation framework: organizations, members, instruments, working groups, chairmanships.

All of it is data with validity dates (see :mod:`cix.cooperation.model`): the preset shipped in
``cix/cooperation/data/`` says what held as of 2016, and node-local files under
``<home>/cooperation/*.json`` add later facts or end earlier ones. ``docs/cooperation.md``
describes the model, the preset and its sources.
"""

from __future__ import annotations

from cix.cooperation.framework import (
    Framework,
    InstrumentEntry,
    Source,
    chairs,
    instruments,
    load_framework,
    members,
    organizations,
    read_fact_file,
    working_groups,
)
from cix.cooperation.model import (
    Accession,
    Chairmanship,
    End,
    FactFile,
    Instrument,
    Membership,
    Organization,
    WorkingGroup,
)

__all__ = [
    "Accession",
    "Chairmanship",
    "End",
    "FactFile",
    "Framework",
    "Instrument",
    "InstrumentEntry",
    "Membership",
    "Organization",
    "Source",
    "WorkingGroup",
    "chairs",
    "instruments",
    "load_framework",
    "members",
    "organizations",
    "read_fact_file",
    "working_groups",
]
