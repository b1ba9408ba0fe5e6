"""Write a synthetic photo the way phones do: JPEG (optionally with pixels stored rotated and an
EXIF Orientation tag, as phones held sideways write them), or HEIC."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: EXIF Orientation value → the transpose that turns the *displayed* image into the stored
#: pixels (the inverse of what a viewer applies, cf. PIL.ImageOps.exif_transpose).
_STORE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
ORIENTATION_TAG = 0x0112


def encode_jpeg(rgb: np.ndarray, quality: int, orientation: int = 1) -> bytes:
    """JPEG bytes of the RGB uint8 image ``rgb`` as it should be *displayed*. With
    ``orientation`` 2..8 the pixels are stored transposed and the EXIF tag says how to undo
    it, so an EXIF-aware reader shows ``rgb`` again."""
    img = Image.fromarray(rgb)
    exif = Image.Exif()
    exif[0x010F] = "paperkit-synth"  # Make
    if orientation != 1:
        img = img.transpose(_STORE[orientation])
        exif[ORIENTATION_TAG] = orientation
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=int(quality), subsampling="4:2:0", exif=exif.tobytes())
    return buf.getvalue()


def encode_heic(rgb: np.ndarray, quality: int = 80, preset: str = "ultrafast") -> bytes:
    """HEIC bytes (HEVC in HEIF, as iPhones write) of the RGB uint8 image ``rgb``. x265's
    ``preset`` trades encoding time for size; ``ultrafast`` is ~8× faster than the default
    and decodes the same."""
    import pillow_heif

    heif = pillow_heif.from_bytes(mode="RGB", size=(rgb.shape[1], rgb.shape[0]),
                                  data=np.ascontiguousarray(rgb).tobytes())
    buf = io.BytesIO()
    heif.save(buf, quality=int(quality), enc_params={"preset": preset})
    return buf.getvalue()
