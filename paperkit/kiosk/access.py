"""How a phone gets in: the access URL, its QR code as inline SVG, the laptop's LAN address."""

from __future__ import annotations

import socket
from urllib.parse import quote

from ..render import qr

#: Quiet zone around a QR code, in modules (the standard asks for 4).
QUIET = 4


def access_url(base_url: str, token: str) -> str:
    """The link that lets a device in: ``base_url`` (like http://192.168.1.20:8765) plus
    the token."""
    return f"{base_url.rstrip('/')}/?token={quote(token, safe='')}"


def qr_svg(text: str, title: str = "QR code") -> str:
    """A QR code for ``text`` as a standalone inline SVG element (black on white, with its
    quiet zone), sized by CSS. Built from the project's own QR matrix."""
    m = qr.matrix(text, error="M")
    side = m.size + 2 * QUIET
    path = "".join(f"M{x + QUIET} {y + QUIET}h{w}v{h}h-{w}z" for x, y, w, h in qr.rects(m))
    return (f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}" '
            f'role="img" aria-label="{_attr(title)}" shape-rendering="crispEdges">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'<path d="{path}" fill="#000"/></svg>')


def terminal_qr(text: str) -> str:
    """A QR code for ``text`` drawn with Unicode half blocks (two modules per character
    row) for the usual terminal, light text on a dark background: the blocks draw the light
    modules and the quiet zone, the background shows through as the dark modules."""
    m = qr.matrix(text, error="M")
    side = m.size + 2 * QUIET

    def dark(x: int, y: int) -> bool:
        x, y = x - QUIET, y - QUIET
        return 0 <= x < m.size and 0 <= y < m.size and m.rows[y][x]

    chars = {(False, False): "\u2588", (True, False): "\u2584", (False, True): "\u2580",
             (True, True): " "}
    lines = []
    for y in range(0, side, 2):
        lines.append("".join(chars[(dark(x, y), dark(x, y + 1))] for x in range(side)))
    return "\n".join(lines) + "\n"


def _attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))


def lan_address() -> str | None:
    """This laptop's address on the local network (IPv4), or None when it has none.

    It asks the operating system which interface would carry traffic to a documentation
    address (192.0.2.1, never routed); connecting a UDP socket sends no packet."""
    candidates: list[str] = []
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))
            candidates.append(s.getsockname()[0])
    except OSError:
        pass
    try:
        candidates.extend(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        pass
    for ip in candidates:
        if ip and not ip.startswith(("127.", "0.")):
            return ip
    return None
