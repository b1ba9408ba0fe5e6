"""CLI commands, one module per area. Each command is a few lines calling the library."""

from __future__ import annotations

import importlib

import click

#: Modules whose ``register(cli)`` adds commands; a module missing here is simply skipped
#: while it is being written.
MODULES = ("kitcmd", "recordcmd", "printcmd", "scancmd", "democmd", "kioskcmd")


def register_all(cli: click.Group) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        module.register(cli)
