"""Files written whole or not at all: a print, an export, a stored photo. Each is written
beside its place under a temporary name and renamed over it at the end, so a full disk or
a stop half-way leaves the file that was there (or none), never a cut-off one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged(path: Path, data: bytes) -> Iterator[Callable[[], None]]:
    """``data`` written beside ``path`` under a temporary name (mode 0600); call the
    function this yields to put it in place. Left uncalled, or on an error, the temporary
    file is removed and ``path`` is as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield lambda: os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all."""
    with staged(path, data) as put:
        put()
