"""The fictional sample kit in ``samples/``: kit.toml plus one CSV per table.

``make_sample_kit`` is what ``paperkit demo`` and the tests start from.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import KitNotFound
from .kit import TOML_NAME, Kit, init_kit, open_kit
from .record.csvio import import_file

#: The sample files, in import order.
SAMPLE_TABLES = ("contacts", "tasks", "roles", "ledger")


def samples_dir() -> Path:
    """The ``samples/`` folder of this checkout."""
    folder = Path(__file__).resolve().parent.parent / "samples"
    if not (folder / TOML_NAME).is_file():
        raise KitNotFound(f"the sample files are not in {folder}",
                          "run paperkit from a checkout of its repository (pip install -e .)")
    return folder


def make_sample_kit(path: str | os.PathLike) -> Kit:
    """Create a kit at ``path`` (refusing an existing one) with the sample settings and
    the sample contacts, tasks, roles and ledger, each imported like a user would."""
    folder = samples_dir()
    kit = init_kit(path)
    shutil.copyfile(folder / TOML_NAME, kit.path / TOML_NAME)
    kit = open_kit(kit.path)
    with kit.open_record() as rec:
        for table in SAMPLE_TABLES:
            import_file(rec, table, folder / f"{table}.csv",
                        rotation_days=kit.settings.rotation_days)
    return kit
