"""The contacts table."""

from __future__ import annotations

from .db import Record
from .models import Contact

_COLS = "id, name, role, ring, micro_role, phone, languages, notes, audience, verified_on"


def list_contacts(
    rec: Record, ring: str | None = None, audiences: tuple[str, ...] | None = None
) -> list[Contact]:
    """Contacts, optionally of one ring and only those whose audience is in ``audiences``."""
    sql, params = f"SELECT {_COLS} FROM contacts WHERE 1=1", []
    if ring:
        sql += " AND ring = ?"
        params.append(ring)
    if audiences is not None:
        sql += f" AND audience IN ({', '.join('?' for _ in audiences)})"
        params.extend(audiences)
    return [Contact(**dict(r)) for r in rec.query(sql + " ORDER BY id", tuple(params))]
