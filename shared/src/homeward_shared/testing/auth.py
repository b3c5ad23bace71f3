"""How tests and local tools say who is calling. Every test builds its credentials here, so
that the way a caller proves who she is (headers now, bearer tokens with issue 8) changes in
one place."""

from __future__ import annotations

from collections.abc import Iterable


def as_user(user_id: str, role: str, *, centres: Iterable[str] = ()) -> dict[str, str]:
    """Request headers for a user with one role (and, for centre staff, their centres)."""
    headers = {"x-actor-id": user_id, "x-actor-role": role}
    centres = list(centres)
    if centres:
        headers["x-actor-centre"] = ",".join(centres)
    return headers
