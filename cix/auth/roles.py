"""Roles and the permissions each one carries.

A person has one role; a partner administration's credentials carry only ``exchange.partner``.
The permission names are those of :data:`cix.api.deps.PERMISSIONS`, each route naming the one it
needs, so "what may an officer do" is answered by this table and nothing else::

    officer              declarations.read/write, decisions.override, inspections.record
    risk_analyst         declarations.read, risk.manage, prices.manage, matching.run, inspections.record
    cooperation_officer  declarations.read, partners.manage, exchange.manage
    administrator        users.manage, audit.read, partners.manage, exchange.manage, declarations.read
    partner              exchange.partner
"""

from __future__ import annotations

from cix.errors import UsageError

ROLES: dict[str, frozenset[str]] = {
    "officer": frozenset({"declarations.read", "declarations.write", "decisions.override", "inspections.record"}),
    "risk_analyst": frozenset(
        {"declarations.read", "risk.manage", "prices.manage", "matching.run", "inspections.record"}
    ),
    "cooperation_officer": frozenset({"declarations.read", "partners.manage", "exchange.manage"}),
    "administrator": frozenset(
        {"users.manage", "audit.read", "partners.manage", "exchange.manage", "declarations.read"}
    ),
}
PARTNER = "partner"
PARTNER_PERMISSIONS = frozenset({"exchange.partner"})

#: Roles a user may be given (``partner`` is for tokens bound to a partner, never for a person).
USER_ROLES = tuple(ROLES)


def check_role(role: str) -> str:
    """The role, normalised (``risk-analyst`` → ``risk_analyst``); a clear error when it is unknown."""
    r = role.strip().lower().replace("-", "_").replace(" ", "_")
    if r not in ROLES:
        raise UsageError(f"unknown role {role!r}: choose one of {', '.join(USER_ROLES)}")
    return r


def permissions_of(role: str) -> frozenset[str]:
    """The permissions of a role (``partner`` included)."""
    if role == PARTNER:
        return PARTNER_PERMISSIONS
    return ROLES.get(role, frozenset())
