"""The ``paperkit`` console script. It loads the CLI (click, ReportLab, NumPy: about a
second) inside a guard, so that Ctrl-C pressed while it loads ends with the same one line
and exit code as Ctrl-C during a command, not a traceback from the import."""

from __future__ import annotations

import fcntl
import importlib
import os
import sys

#: 128 + SIGINT, as :data:`paperkit.errors.EXIT_INTERRUPTED` (not imported: that is the load
#: this module guards).
EXIT_INTERRUPTED = 130


def _standard_fds() -> None:
    """Put /dev/null in place of a standard stream the caller closed (``2>&-``), or left
    open the wrong way (a shell's wrapper script, such as pyenv's, then hands on its own
    script, read-only, as stderr): a write to it failed (EBADF), which stopped a scan after
    its first photo's progress line, and a file the command opened could take a closed
    stream's number and get what is written there."""
    for fd, wrong in ((0, os.O_WRONLY), (1, os.O_RDONLY), (2, os.O_RDONLY)):
        try:
            usable = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != wrong
        except OSError:  # closed
            usable = False
        if not usable:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


def main() -> None:
    _standard_fds()
    try:
        cli = importlib.import_module("paperkit.cli")
    except KeyboardInterrupt:
        sys.stderr.write("paperkit: interrupted before it started; nothing was done\n")
        sys.exit(EXIT_INTERRUPTED)
    cli.main()
