"""Agreement presets: templates shipped as package data, filled in with the parties given.

Each file under ``cix/agreements/presets/`` holds ``preset`` (its id), ``description``, ``roles``
and an ``agreement`` template. A role is one party (``exporting``, ``importing``) or, with
``"many": true``, the rest of the parties given (at least ``min``); ``member_of`` asks that the
party's country belong to an organization of the cooperation framework on the day the agreement
starts. In the template a list element ``"{role}"`` is replaced by the role's parties and a
``{role}`` inside a string by their ids joined with ", ". :func:`instantiate` returns an
:class:`~cix.agreements.model.Agreement` whose id defaults to the preset id followed by the parties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from cix.agreements.model import Agreement, check_party, parse_agreement
from cix.errors import InputError, NotFound, UsageError
from cix.i18n import _

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    description: str
    many: bool = False
    min: int = 1
    member_of: str | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    id: str
    description: str
    roles: tuple[Role, ...]
    template: dict[str, Any]

    @property
    def message_types(self) -> list[str]:
        return sorted(self.template.get("message_types", {}))

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.id,
            "description": self.description,
            "roles": [_role(r) for r in self.roles],
            "agreement": self.template,
        }

    def assign(self, parties: list[str]) -> dict[str, list[str]]:
        """The parties of each role, in the order given; :class:`UsageError` when they do not fit."""
        given = [p.strip().upper() for p in parties if p.strip()]
        out: dict[str, list[str]] = {}
        rest = list(given)
        for n, role in enumerate(self.roles):
            if role.many:
                after = len(self.roles) - n - 1
                take = rest[: len(rest) - after] if after else rest
                if len(take) < role.min:
                    raise UsageError(
                        _("preset {id} needs at least {n} parties for {role}").format(
                            id=self.id, n=role.min, role=role.name
                        )
                    )
                out[role.name] = take
                rest = rest[len(take) :]
            else:
                if not rest:
                    raise UsageError(
                        _("preset {id} needs parties for roles {roles} (in this order)").format(
                            id=self.id, roles=", ".join(r.name for r in self.roles)
                        )
                    )
                out[role.name] = [rest.pop(0)]
        if rest:
            raise UsageError(
                _("preset {id} takes parties for roles {roles}; {extra} left over").format(
                    id=self.id, roles=", ".join(r.name for r in self.roles), extra=", ".join(rest)
                )
            )
        return out


def _role(r: Role) -> dict[str, Any]:
    d: dict[str, Any] = {"name": r.name, "description": r.description}
    if r.many:
        d["many"] = True
        d["min"] = r.min
    if r.member_of:
        d["member_of"] = r.member_of
    return d


@cache
def presets() -> dict[str, Preset]:
    """Every shipped preset by id."""
    out = {}
    for path in sorted(PRESET_DIR.glob("*.json")):
        raw = orjson.loads(path.read_bytes())
        roles = tuple(
            Role(
                name=r["name"],
                description=r.get("description", ""),
                many=bool(r.get("many", False)),
                min=int(r.get("min", 1)),
                member_of=r.get("member_of"),
            )
            for r in raw["roles"]
        )
        out[raw["preset"]] = Preset(raw["preset"], raw["description"], roles, raw["agreement"])
    return out


def get_preset(preset_id: str) -> Preset:
    found = presets().get(preset_id)
    if found is None:
        raise NotFound(
            _("no agreement preset {id!r}; presets: {ids}").format(id=preset_id, ids=", ".join(sorted(presets())))
        )
    return found


def _fill(value: Any, roles: dict[str, list[str]]) -> Any:
    if isinstance(value, str):
        for name, parties in roles.items():
            value = value.replace("{" + name + "}", ", ".join(parties))
        return value
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            if isinstance(item, str) and item.startswith("{") and item.endswith("}") and item[1:-1] in roles:
                out.extend(roles[item[1:-1]])
            else:
                out.append(_fill(item, roles))
        return out
    if isinstance(value, dict):
        # field patterns and conditions are taken as written
        return {k: (v if k in ("fields", "conditions") else _fill(v, roles)) for k, v in value.items()}
    return value


def instantiate(
    preset_id: str,
    parties: list[str],
    *,
    agreement_id: str | None = None,
    organization: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    retention_days: int | None = None,
    encrypt: bool | None = None,
    home: Path | None = None,
) -> Agreement:
    """An agreement from the preset ``preset_id`` for ``parties`` (in the order of its roles).

    Role constraints (``member_of``) are checked against the cooperation framework of ``home`` on
    ``valid_from`` (default today); a party that breaks one is a :class:`UsageError`.
    """
    preset = get_preset(preset_id)
    try:
        normalised = [check_party(p) for p in parties if p.strip()]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    roles = preset.assign(normalised)
    start = valid_from or dt.date.today()
    constrained = [r for r in preset.roles if r.member_of]
    if constrained:
        from cix.cooperation import load_framework

        fw = load_framework(home)
        for role in constrained:
            assert role.member_of is not None
            for party in roles[role.name]:
                if not fw.is_member(party[:2], role.member_of, start):
                    raise UsageError(
                        _(
                            "{party} cannot take the role {role} of preset {id}: {cc} is not a member of {org} on {day}"
                        ).format(party=party, role=role.name, id=preset.id, cc=party[:2], org=role.member_of, day=start)
                    )
    data = _fill(preset.template, roles)
    data["id"] = agreement_id or "-".join([preset.id, *(p.lower() for p in normalised)])
    data["preset"] = preset.id
    data["valid_from"] = start.isoformat()
    if valid_to is not None:
        data["valid_to"] = valid_to.isoformat()
    if organization is not None:
        data["organization"] = organization.strip().upper()
    if retention_days is not None:
        data["retention_days"] = retention_days
    if encrypt is not None:
        data["encrypt"] = encrypt
    try:
        return parse_agreement(data, source=f"preset {preset.id}")
    except InputError as exc:  # the options given made an invalid agreement
        raise UsageError(exc.message, details=exc.details) from exc
