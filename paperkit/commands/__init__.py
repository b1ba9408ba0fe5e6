"""CLI commands, one module per area. Each command is a few lines calling the library."""

from __future__ import annotations

import datetime as dt
import importlib

import click

from ..errors import InvalidValue
from ..record import rows

#: Modules whose ``register(cli)`` adds commands; a module missing here is simply skipped
#: while it is being written.
MODULES = ("kitcmd", "recordcmd", "restorecmd", "printcmd", "scancmd", "democmd",
           "kioskcmd")


def register_all(cli: click.Group) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(cli)


def date_option(value: str | None, what: str) -> dt.date | None:
    """An option's YYYY-MM-DD date, or None when not given; InvalidValue (exit 2) naming
    the option (``what``) otherwise, the same message for every date option."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(rows.date(value))
    except InvalidValue as exc:
        raise InvalidValue(f"{what}: {exc}", exc.hint) from None


def printable(text: str) -> str:
    """``text`` with its control characters written as escapes (``\\n``): a file's name or
    a task's title may hold a line break, a carriage return or a terminal's control codes,
    which would forge a line of a listing or restyle the terminal."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
