"""The role table: what the issue says each role may and may not do."""

from __future__ import annotations

import pytest

from cix.api.deps import PERMISSIONS
from cix.auth.roles import PARTNER, ROLES, check_role, permissions_of
from cix.errors import UsageError


def test_roles_use_known_permissions_only() -> None:
    for role in [*ROLES, PARTNER]:
        assert permissions_of(role) <= PERMISSIONS, role
        assert permissions_of(role)


def test_what_each_role_may_not_do() -> None:
    officer, analyst = permissions_of("officer"), permissions_of("risk_analyst")
    assert not officer & {"partners.manage", "exchange.manage", "risk.manage", "users.manage"}
    assert "users.manage" not in analyst
    assert permissions_of(PARTNER) == {"exchange.partner"}
    assert all("exchange.partner" not in p for p in ROLES.values())


@pytest.mark.parametrize(("given", "role"), [("Risk-Analyst", "risk_analyst"), ("officer", "officer"),
                                             ("cooperation officer", "cooperation_officer")])  # fmt: skip
def test_role_names_are_normalised(given: str, role: str) -> None:
    assert check_role(given) == role


def test_unknown_role() -> None:
    with pytest.raises(UsageError, match="officer, risk_analyst"):
        check_role("partner")  # a person is never a partner
