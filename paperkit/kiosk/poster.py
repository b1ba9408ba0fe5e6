"""The printable access poster: the kiosk's link as a large QR code, to pin up in the room.

A layout (paperkit.layout.model) rendered by render/pdf like every product, but never logged
in ``prints``: it carries the access token, which lives only as long as the kiosk runs.
"""

from __future__ import annotations

from ..layout.model import GREY, Box, Document, Page, QRCode, Rect
from ..layout.stock import PAGE_SIZES
from ..layout.text import fit, line
from ..render import qr
from ..render.pdf import render_pdf

MARGIN = 54.0  # points
QR_SHARE = 0.7  # of the page's width inside the margins
GAP = 28.0  # between the code's frame, the instructions, the link and the footer
HOW_H = 48.0  # the instructions' box (two lines at 18 pt)
URL_H = 30.0  # the link's box
QUIET_MODULES = 5  # white around the code, inside its frame (the standard asks for 4)


def build_poster(group: str, url: str, paper: str = "letter") -> Document:
    """One page: the title, the group, the QR code of ``url`` in a frame, what to do, the link
    in letters, and what to do with the poster afterwards. Lengths in points."""
    width, height = PAGE_SIZES.get(paper, PAGE_SIZES["letter"])
    x0, x1 = MARGIN, width - MARGIN
    items: list = [
        fit("Meeting kiosk", Rect(x0, MARGIN, x1, MARGIN + 46), "sans-bold", 36, 18,
            align="center"),
        line(group, Rect(x0, MARGIN + 52, x1, MARGIN + 76), "sans", 18, 9, align="center"),
    ]
    footer = fit("Anyone who scans this code can use the kiosk until it is stopped. Take the "
                 "poster down after the meeting and destroy it; the next kiosk gets a new "
                 "code.", Rect(x0, height - MARGIN - 44, x1, height - MARGIN), "sans", 12, 8,
                 align="center", color=GREY, shrink_floor=12)
    # The code is as large as the page allows below the title and above the texts.
    frame_top = MARGIN + 96
    room = footer.rect.y0 - frame_top - (GAP + HOW_H + GAP / 2 + URL_H + GAP)
    modules = qr.matrix(url, error="M").size
    side = min((x1 - x0) * QR_SHARE, room / (1 + 2 * QUIET_MODULES / modules))
    quiet = QUIET_MODULES * side / modules
    qr_rect = Rect((width - side) / 2, frame_top + quiet, (width + side) / 2,
                   frame_top + quiet + side)
    items.append(Box(qr_rect.inset(-quiet), stroke=0.75, color=GREY, radius=8))
    items.append(QRCode(qr_rect, url, error="M"))
    y = qr_rect.y1 + quiet + GAP
    items.append(fit("Scan the code with your phone's camera while on the meeting's Wi-Fi, "
                     "then upload photos of the completed slips.", Rect(x0, y, x1, y + HOW_H),
                     "sans", 18, 11, align="center", shrink_floor=18))
    y += HOW_H + GAP / 2
    items.append(fit(url, Rect(x0, y, x1, y + URL_H), "mono", 12, 6, align="center"))
    items.append(footer)
    return Document(product="kiosk-poster", title=f"{group}: kiosk access",
                    pages=(Page((width, height), tuple(items)),))


def poster_pdf(group: str, url: str, paper: str = "letter") -> bytes:
    """The poster as PDF bytes."""
    return render_pdf(build_poster(group, url, paper))
