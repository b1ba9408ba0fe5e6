"""The task slip's fixed geometry, relative to its QR code.

A slip is drawn in *slip units*: a 270 × 180 rectangle (3.75 × 2.5 in at scale 1), origin at
the slip's top-left corner, y down. A stock may draw it at another uniform ``scale``; every
position below scales with it, so the geometry relative to the QR code never changes. A
scanner that finds the code's four corners therefore knows where every box is: map
``QR`` corners in the photo to ``QR`` in slip units, and the same homography carries
``BOXES``, ``NOTE`` and ``STEWARD`` into the photo.

::

    0,0 ┌──────────────────────────────────────────────┐ 270,0
        │■  TITLE (bold, up to 2 lines)       ┌──────┐ │
        │   T0042 · timeframe                 │  QR  │ │  QR symbol 188..260 × 16..88
        │   steward: ____________________     │      │ │  (version 3, 29 modules,
        │   shadow crew: ...                  └──────┘ │   2.48 pt per module, EC 'Q')
        │                               PK1:K3F9:T0042…│  readable code under the QR
        │   □ taken  □ done  □ stuck  □ dropped        │  boxes 14 × 14 at y 114..128
        │   ┌ after-action note ──────────────────────┐│
        │   └─────────────────────────────────────────┘│  note 14..256 × 134..166
        │■                           printed 2026-11-25■│  corner marks 6 × 6
    0,180└──────────────────────────────────────────────┘ 270,180

There is no corner mark at the top right: the QR's finder pattern is there, and the mark
would sit in the code's quiet zone (4 modules, kept clear: x 178..270, y 6..98).
"""

from __future__ import annotations

from .model import Rect

SLIP_W = 270.0
SLIP_H = 180.0

#: QR version and error level: version 3 holds up to 47 alphanumeric characters at level Q,
#: enough for the longest code (37); a fixed version keeps the module size fixed.
QR_VERSION = 3
QR_ERROR = "Q"
QR_MODULES = 17 + 4 * QR_VERSION  # 29
QR = Rect(188.0, 16.0, 260.0, 88.0)
QR_MODULE = QR.width / QR_MODULES  # 2.48 pt = 0.88 mm
QUIET = 4 * QR_MODULE

CODE_TEXT = Rect(176.0, 100.0, 266.0, 108.0)
TITLE = Rect(14.0, 12.0, 172.0, 42.0)
META = Rect(14.0, 44.0, 172.0, 54.0)
STEWARD = Rect(14.0, 58.0, 172.0, 76.0)
SHADOW = Rect(14.0, 78.0, 172.0, 90.0)

BOX_SIZE = 14.0
BOX_Y = 114.0
#: Check boxes, in printed order; each is a square outline 0.9 pt wide.
BOXES: dict[str, Rect] = {
    name: Rect(x, BOX_Y, x + BOX_SIZE, BOX_Y + BOX_SIZE)
    for name, x in (("taken", 14.0), ("done", 78.0), ("stuck", 142.0), ("dropped", 206.0))
}
BOX_STROKE = 0.9
BOX_LABEL_GAP = 4.0

NOTE = Rect(14.0, 134.0, 256.0, 166.0)
PRINTED = Rect(140.0, 168.0, 256.0, 176.0)

MARK_SIZE = 6.0
#: Corner marks: solid black squares, top-left, bottom-left and bottom-right.
MARKS: dict[str, Rect] = {
    "tl": Rect(3.0, 3.0, 3.0 + MARK_SIZE, 3.0 + MARK_SIZE),
    "bl": Rect(3.0, SLIP_H - 3.0 - MARK_SIZE, 3.0 + MARK_SIZE, SLIP_H - 3.0),
    "br": Rect(SLIP_W - 3.0 - MARK_SIZE, SLIP_H - 3.0 - MARK_SIZE, SLIP_W - 3.0, SLIP_H - 3.0),
}


#: The smallest scale a stock may draw a slip at. At 0.6 a check box is 8.4 pt (3.0 mm)
#: across, about the least a pen tick or cross lands inside of (its line is 0.5-0.7 mm),
#: and the QR code's module is 1.49 pt (0.52 mm), above the 0.4 mm a phone photo of a
#: few slips still resolves; the readable code under the QR is 3.7 pt mono. The shipped
#: slip stocks print at scale 1 (8-up) and larger (6-up); 95 x 40 mm cells, at 0.63, are
#: about the smallest worth cutting.
MIN_SCALE = 0.6
#: The smallest cell a slip fits at MIN_SCALE, points (57.15 x 38.1 mm). Slips are never
#: turned, so this is width x height.
MIN_CELL = (SLIP_W * MIN_SCALE, SLIP_H * MIN_SCALE)


def qr_corners() -> list[tuple[float, float]]:
    """The QR symbol's corners in slip units: top-left, top-right, bottom-right, bottom-left
    (the order zxing-cpp reports them for an upright code)."""
    return [(QR.x0, QR.y0), (QR.x1, QR.y0), (QR.x1, QR.y1), (QR.x0, QR.y1)]


def place(rect: Rect, origin: tuple[float, float], scale: float) -> Rect:
    """A slip-unit rect → page points, for a slip whose top-left is at ``origin``."""
    return rect.scale(scale).translate(origin[0], origin[1])


def scale_for(cell: Rect, padding: float = 0.0) -> float:
    """The largest uniform scale at which a slip fits ``cell`` less ``padding`` each side."""
    return min((cell.width - 2 * padding) / SLIP_W, (cell.height - 2 * padding) / SLIP_H)
