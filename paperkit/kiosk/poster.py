"""The printable access poster: the kiosk's link as a large QR code, to pin up in the room.

A layout (paperkit.layout.model) rendered by render/pdf like every product, but never logged
in ``prints``: it carries the access token, which lives only as long as the kiosk runs.
"""

from __future__ import annotations

from ..layout.model import GREY, Box, Document, Page, QRCode, Rect
from ..layout.stock import PAGE_SIZES
from ..layout.text import fit, line
from ..render.pdf import render_pdf

MARGIN = 54.0  # points
QR_SHARE = 0.62  # of the page's width inside the margins


def build_poster(group: str, url: str, paper: str = "letter") -> Document:
    """One page: the title, the group, the QR code of ``url``, the link in letters, and what
    to do with the poster afterwards. Lengths in points."""
    width, height = PAGE_SIZES.get(paper, PAGE_SIZES["letter"])
    x0, x1 = MARGIN, width - MARGIN
    inner = x1 - x0
    items = [
        fit("Meeting kiosk", Rect(x0, MARGIN, x1, MARGIN + 46), "sans-bold", 36, 18,
            align="center"),
        line(group, Rect(x0, MARGIN + 52, x1, MARGIN + 76), "sans", 18, 9, align="center"),
    ]
    side = inner * QR_SHARE
    top = MARGIN + 100
    qr_rect = Rect((width - side) / 2, top, (width + side) / 2, top + side)
    items.append(Box(qr_rect.inset(-18), stroke=0.75, color=GREY, radius=8))
    items.append(QRCode(qr_rect, url, error="M"))
    y = qr_rect.y1 + 36
    items.append(fit("Scan with your phone's camera while on the meeting's Wi-Fi, then upload "
                     "photos of the completed slips.", Rect(x0, y, x1, y + 52), "sans", 16, 10,
                     align="center"))
    y += 62
    items.append(fit(url, Rect(x0, y, x1, y + 30), "mono", 11, 6, align="center"))
    items.append(fit("Anyone who scans this code can use the kiosk until it is stopped. Take "
                     "the poster down after the meeting and destroy it; the next kiosk gets a "
                     "new code.", Rect(x0, height - MARGIN - 40, x1, height - MARGIN),
                     "sans", 10, 7, align="center", color=GREY))
    return Document(product="kiosk-poster", title=f"{group}: kiosk access",
                    pages=(Page((width, height), tuple(items)),))


def poster_pdf(group: str, url: str, paper: str = "letter") -> bytes:
    """The poster as PDF bytes."""
    return render_pdf(build_poster(group, url, paper))
