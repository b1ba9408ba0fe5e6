"""The ``paperkit`` console script. It loads the CLI (click, ReportLab, NumPy: about a
second) inside a guard, so that Ctrl-C pressed while it loads ends with the same one line
and exit code as Ctrl-C during a command, not a traceback from the import."""

from __future__ import annotations

import importlib
import sys

#: 128 + SIGINT, as :data:`paperkit.errors.EXIT_INTERRUPTED` (not imported: that is the load
#: this module guards).
EXIT_INTERRUPTED = 130


def main() -> None:
    try:
        cli = importlib.import_module("paperkit.cli")
    except KeyboardInterrupt:
        sys.stderr.write("paperkit: interrupted before it started; nothing was done\n")
        sys.exit(EXIT_INTERRUPTED)
    cli.main()
