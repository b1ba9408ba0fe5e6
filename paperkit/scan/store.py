"""Files a scan keeps under the kit's photos/ folder: the photo and crops, with no metadata.

Everything is written before the record's transaction, under names derived from the photo's
sha256, atomically (temp file, then rename), and only for a photo that holds a slip of the
kit. A scan stopped before its transaction commits (Ctrl-C, SIGTERM, a full disk) removes
what it wrote (:func:`discard`); a crash (SIGKILL, power) leaves at worst files the re-run
rewrites with the same bytes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np

from ..files import write_atomic
from ..kit import Kit
from ..layout import slip as S
from ..layout.model import Rect
from .geometry import SlipPose, warp
from .load import Photo, stored_image

#: Crops are kept at the photo's own resolution, within these pixels per slip unit.
CROP_MIN_PPU = 2.0
CROP_MAX_PPU = 6.0
#: What each crop shows, in slip units: the area with a margin, so handwriting that runs
#: over the printed lines, or a pose a few units off on bent paper, is still inside.
CROP_RECTS: dict[str, Rect] = {
    "note": S.NOTE.inset(-5.0),
    "steward": S.STEWARD.inset(-4.0),
    "slip": Rect(-4.0, -4.0, S.SLIP_W + 4.0, S.SLIP_H + 4.0),
}


def rel(kit: Kit, path: Path) -> str:
    return path.relative_to(kit.path).as_posix()


def _inside(kit: Kit, folder: Path) -> Path:
    """``folder``, under the kit's folder, made as needed one level at a time below it, never
    the kit's folder itself: a kit folder moved or renamed while a scan (the kiosk's) ran
    is not made again at its old place with only photos in it. Raises KitMoved."""
    if folder.is_dir():
        return folder
    here = kit.path
    for part in folder.relative_to(kit.path).parts:
        here = here / part
        try:
            here.mkdir(exist_ok=True)  # not parents: the kit's folder must be there
        except FileNotFoundError:
            kit.check_still_here("the scan began")
            raise
    return folder


def store_photo(kit: Kit, photo: Photo) -> str:
    """Keep the photo (metadata removed) as photos/<sha256>.<ext>; returns the kit path."""
    folder = _inside(kit, kit.photos_dir)
    data, ext = stored_image(photo)
    path = folder / f"{photo.sha256}{ext}"
    if not path.exists():
        write_atomic(path, data)
    return rel(kit, path)


def discard(kit: Kit, sha256: str) -> None:
    """Remove the files kept for the photo ``sha256``: the photo (any extension) and its
    crops' folder. For a photo whose scan was not recorded: nothing points at them."""
    for path in kit.photos_dir.glob(f"{sha256}.*"):
        path.unlink(missing_ok=True)
    shutil.rmtree(_crops_dir(kit, sha256), ignore_errors=True)


def _crops_dir(kit: Kit, sha256: str) -> Path:
    return kit.photos_dir / "crops" / sha256[:16]


def crop_image(gray: np.ndarray, pose: SlipPose, kind: str) -> np.ndarray:
    """The slip area ``kind`` (note | steward | slip), rectified, gray."""
    k = float(np.clip(pose.ppu, CROP_MIN_PPU, CROP_MAX_PPU))
    return warp(gray, pose.H, CROP_RECTS[kind], k)


def store_crop(kit: Kit, sha256: str, name: str, image: np.ndarray) -> str:
    """Write a crop (grey, or BGR) as PNG (no text chunks, no metadata) under
    photos/crops/<sha[:16]>/."""
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 image
        raise OSError(f"could not encode crop {name}")
    path = _inside(kit, _crops_dir(kit, sha256)) / f"{name}.png"
    write_atomic(path, buf.tobytes())
    return rel(kit, path)
