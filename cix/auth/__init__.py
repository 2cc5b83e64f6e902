"""Sign-in, users, roles and API tokens of one node's administration.

:mod:`~cix.auth.roles` maps roles to the permissions routes ask for; :mod:`~cix.auth.users` keeps the
people (argon2 hashes, :mod:`~cix.auth.passwords`); :mod:`~cix.auth.tokens` the machine credentials
(stored hashed, revocable; bound to a user or to a partner); :mod:`~cix.auth.sessions` the console's
sign-ins with their CSRF tokens. The API resolves all of them into one principal
(:func:`cix.api.deps.principal`).
"""

from __future__ import annotations

from cix.auth.roles import PARTNER, ROLES, USER_ROLES, check_role, permissions_of

__all__ = ["PARTNER", "ROLES", "USER_ROLES", "check_role", "permissions_of"]
