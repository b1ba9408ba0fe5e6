"""The SQLite record. No reportlab or Pillow here."""

from .db import Record, Source, Writer, now_iso

__all__ = ["Record", "Source", "Writer", "now_iso"]
