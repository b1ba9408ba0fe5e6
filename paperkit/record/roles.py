"""The roles table: rotating mandates."""

from __future__ import annotations

from .db import Record
from .models import Role


def list_roles(rec: Record) -> list[Role]:
    return [Role(**dict(r)) for r in rec.query(
        "SELECT id, role, holder, starts, ends FROM roles ORDER BY starts, role")]
