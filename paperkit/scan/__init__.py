"""Reading photos of slips back into the record (DESIGN §6).

    results = scan_photos(kit, record, ["meeting.jpg"], dry_run=False, decoder="zxing")

A path alone (``"meeting.jpg"``) is one photo or folder too. The record is used in the
thread that opened it (``kit.open_record()``): scans in threads each open their own. A
program may scan in worker processes of its own (a ``multiprocessing.Pool``'s measure
their slips in-process; README, "the helper").

Modules: ``load`` (files → gray frames), ``decode`` (frames → codes, with targeted retries),
``geometry`` (code corners + marks → slip pose), ``marks`` (box ink scores), ``decide``
(reads → outcome), ``store`` (crops and photo files), ``pipeline`` (one transaction per
photo), ``review`` (the queue a person works through).
"""

from __future__ import annotations

from .decide import OUTCOMES, QUEUED, SETTLED
from .decode import DECODERS, zbar_available
from .pipeline import scan_photo, scan_photos
from .result import PhotoResult, SlipResult

__all__ = ["DECODERS", "OUTCOMES", "QUEUED", "SETTLED", "PhotoResult", "SlipResult",
           "scan_photo", "scan_photos", "zbar_available"]
