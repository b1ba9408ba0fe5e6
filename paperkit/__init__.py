"""paperkit: one local record for an organising group, its paper tools, and photo readback."""

from pathlib import Path

__version__ = "0.1.0"

#: The project folder that holds ``fonts/``, ``layouts/`` and ``samples/`` (an editable install).
ROOT = Path(__file__).resolve().parent.parent
