"""Load a photo or a PDF into upright grayscale frames, guarded against decompression bombs.

A JPEG is decoded straight to grayscale by OpenCV (libjpeg-turbo skips the colour
conversion), the cheapest full-resolution decode there is; Pillow reads the header first, so
the size limit holds before any pixel is decoded. EXIF rotation is applied. A PDF gives one frame per
page, rendered at :data:`PDF_DPI`. The sha256 is of the raw file bytes, so the same photo
always has the same key in the record's ``scans`` table.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import PhotoError, PhotoTooLarge
from .colour import Colour, of_image, of_rgb

#: The most pixels paperkit decodes in one frame (80 megapixels, about 3× a phone photo).
MAX_PIXELS = 80_000_000
#: The fewest pixels a side of a photo may have: a slip code needs more than this.
MIN_SIDE = 64
#: The most bytes paperkit reads from one file.
MAX_BYTES = 200_000_000
#: The most pages read from one PDF or multi-page TIFF (a flatbed scanner's file).
MAX_PAGES = 50
#: The most pixels paperkit decodes from all the pages of one multi-page TIFF together, and
#: renders PDF pages that are photos at, together (:data:`PDF_PICTURE`); the stored copy of
#: a PDF or TIFF's pages is made smaller to MAX_PIXELS.
MAX_PAGES_PIXELS = 4 * MAX_PIXELS
#: PDF pages are rendered at this many dots per inch; a page too large for MAX_PIXELS at
#: that (a poster) at fewer, down to PDF_MIN_DPI (a slip's code, an inch wide, is then 100 px).
PDF_DPI = 200
PDF_MIN_DPI = 100
#: A page that is mostly one picture (:data:`PDF_PICTURE`) too large at PDF_MIN_DPI is
#: rendered at fewer, down to the picture's own resolution, no pixel of it lost, but not
#: under this: a phone's 48 MP photo put on a page one point to a pixel (72 dpi, as
#: ImageMagick and img2pdf make it) is 112 × 84 inches, 94 MP at 100 dpi.
PDF_PHOTO_MIN_DPI = 72
#: A page that is mostly one picture (a photo saved as a PDF, a phone's document scan: the
#: picture covers PDF_PICTURE of the page or more) is rendered at that picture's own
#: resolution where it is finer than PDF_DPI (within MAX_PIXELS), so no pixel of the photo
#: is lost: a 12 MP photo on a page 8.5 inches wide is 470 dots per inch.
PDF_PICTURE = 0.5

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


@dataclass(frozen=True)
class Frame:
    """One image to read: a photo, or one page of a PDF. ``gray`` is uint8, rows × columns,
    already upright (EXIF rotation applied); pixel units throughout. ``colour``: a page's
    colour, smaller (a PDF's or a TIFF's pages; a photo's comes apart: ``scan.pipeline``),
    or None."""

    label: str
    gray: np.ndarray = field(repr=False)
    colour: Colour | None = field(default=None, repr=False, compare=False)
    #: The image holds black and white only, no greys (:func:`two_levels`): a scanner's
    #: "black & white" or "text" mode, which loses pencil and light marks.
    bilevel: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Photo:
    """A loaded input file. ``kind`` is jpeg | png | heic | pdf | pages (a multi-page TIFF,
    an animated picture, a HEIC or AVIF of several pictures) | image; a PDF's and a TIFF's
    pages are each a frame. ``orientation`` is the EXIF orientation that was applied (1:
    none). ``image``: a single picture other than a JPEG (HEIC, PNG, ...) as decoded,
    upright and in its colours, kept for the stored copy (its decode is not paid twice:
    0.29 s for a 12 MP HEIC); else None."""

    path: Path
    sha256: str
    kind: str
    frames: tuple[Frame, ...]
    raw: bytes = field(repr=False)
    orientation: int = 1
    image: Image.Image | None = field(default=None, repr=False, compare=False)


#: The file kinds a flatbed scanner saves (by their name's ending): one over the pixel limit
#: was scanned too finely, and is told what resolution serves.
SCANNER_SUFFIXES = (".png", ".tif", ".tiff")


def _too_large(path: Path, w: int, h: int) -> PhotoTooLarge:
    return PhotoTooLarge(
        f"{path.name} is {w}×{h} pixels ({w * h / 1e6:.0f} MP), more than the "
        f"{MAX_PIXELS / 1e6:.0f} MP paperkit will decode",
        "scan the sheets again at 300 dpi, which is enough for every slip, or scale the file "
        "down below the limit" if path.suffix.lower() in SCANNER_SUFFIXES else None)


#: The files a folder given to scan is read for (its own and its sub-folders'). Each
#: is read by its content (as a file named on the command line is, whatever its name): BMP
#: (a Windows scanner's) and JPEG 2000 (.jp2, .j2k, some scanners') as Pillow reads them.
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".jfif", ".jpe", ".png", ".heic", ".heif", ".avif", ".pdf",
                  ".tif", ".tiff", ".webp", ".bmp", ".jp2", ".j2k")


def _folder_files(folder: Path, top: bool = True) -> list[Path]:
    """The files in ``folder`` by name, then those of its sub-folders, each in turn by name
    and as deep as they go (a phone's export: DCIM/100APPLE/...; they were left out
    unsaid). Hidden files and folders are left out, and so are folders linked to (a link
    may lead back up), a kit folder within, and the folders within a kit's photos/ (the
    scans' crops: its stored photos are read when photos/ itself is named, each then the
    photo scanned before)."""
    files, subs = [], []
    here = folder.resolve() if top else None  # (a sub-folder read is never a kit's photos/:
    in_store = here is not None and any(  # a kit folder within is passed over)
        p.name == "photos" and (p.parent / "kit.toml").is_file() for p in (here, *here.parents))
    for f in sorted(folder.iterdir()):
        if f.name.startswith("."):
            continue
        if f.is_file() or (f.is_symlink() and not f.exists()):  # a link to nothing: its
            files.append(f)  # read says so (read_bytes), as for any other unreadable photo
        elif (f.is_dir() and not f.is_symlink() and not in_store
              and not (f / "kit.toml").is_file()):
            subs.append(f)
    for sub in subs:
        try:
            files.extend(_folder_files(sub, top=False))
        except PermissionError:  # a folder that may not be entered: its photos are not
            continue  # the run's to read
    return files


def as_path(path: str | bytes | os.PathLike) -> Path:
    """``path`` as a Path; a bytes path (a file name that is not UTF-8) as the OS gives it."""
    return Path(os.fsdecode(path))


def as_paths(paths: Iterable[str | Path] | str | bytes | os.PathLike) -> list[Path]:
    """``paths`` as Paths. One path given alone is one path, not the letters of its name:
    taken as a list of one-letter paths, "." scanned every photo in the working folder."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [as_path(paths)]
    return [as_path(p) for p in paths]


def photo_files(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """``paths`` in order (or one path), each folder replaced by the photo files in it and
    its sub-folders (:func:`_folder_files`). Raises PhotoError for a folder that holds
    none."""
    out: list[Path] = []
    for path in as_paths(paths):
        if not _is_dir(path):
            out.append(path)  # a file, or nothing: read_bytes says which, for this photo
            continue
        found = [f for f in _folder_files(path) if f.suffix.lower() in PHOTO_SUFFIXES]
        if not found:
            others = [f.name for f in left_out([path])]
            unread = (f" paperkit reads, only {len(others)} picture(s) it does not read ("
                      + ", ".join(others[:8]) + (", ..." if len(others) > 8 else "") + ")"
                      if others else "")
            raise PhotoError(f"the folder {path} holds no photos{unread}",
                             "paperkit reads " + ", ".join(s[1:] for s in PHOTO_SUFFIXES)
                             + " files; name them, or the folder they are in")
        out.extend(found)
    return out


#: How a JPEG, a PNG and a TIFF file begin.
_PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")
#: Cameras' RAW files, by their file name's ending: paperkit does not read them (they need
#: a raw converter; some are TIFF files whose first image is only a small preview).
RAW_PICTURES = (".dng", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2",
                ".orf", ".rw2", ".raf", ".pef", ".srw", ".x3f", ".3fr", ".iiq")
#: Pictures paperkit does not read, by their file name's ending: cameras' RAW files, image
#: formats for drawings, icons and animations rather than photos (a GIF's 256 colours), and
#: formats Pillow does not read (JPEG XL, HEIF sequences). A folder's such files get an
#: error each (:func:`left_out`, :func:`not_read`); its videos, notes and the sidecar files
#: phones export beside photos (.mov, .aae, .xmp, ...) are no pictures, and are passed over.
OTHER_PICTURES = (*RAW_PICTURES, ".gif", ".jxl", ".psd", ".xcf", ".svg", ".ico", ".heics")
#: How a picture file paperkit could read begins (JPEG, PNG, TIFF, GIF, BMP, JPEG 2000,
#: PDF; WebP by its ``WEBP``, HEIC and AVIF by their ``ftyp`` brand): a folder's file
#: with no ending to its name is named as a picture when it begins so.
_PICTURE_MAGIC = (*_PHOTO_MAGIC, b"GIF8", b"BM", b"\x00\x00\x00\x0cjP  ", b"\xffO\xffQ",
                  b"%PDF-")
#: The brands of a HEIC or AVIF file (after its ``ftyp``; a video's are others).
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1",
                b"avif", b"avis")


def _looks_like_picture(path: Path) -> bool:
    """Whether the file ``path`` begins as a picture does (:data:`_PICTURE_MAGIC`)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError:  # may not be read: named, and its read says why
        return True
    return (head.startswith(_PICTURE_MAGIC) or head[8:12] == b"WEBP"
            or (head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS))


def left_out(paths: Iterable[str | Path]) -> list[Path]:
    """The pictures in the folders among ``paths`` that :func:`photo_files` leaves out: a
    camera's RAW file, an icon (:data:`OTHER_PICTURES`), a picture file with no ending to
    its name. The caller reports each (:func:`not_read`), since a photo of slips saved so
    would otherwise be passed over unsaid."""
    return [f for path in as_paths(paths) if _is_dir(path) for f in _folder_files(path)
            if f.suffix.lower() in OTHER_PICTURES
            or (not f.suffix and _looks_like_picture(f))]


def not_read(path: Path) -> PhotoError:
    """Why the picture ``path`` in a folder (:func:`left_out`) was skipped, as the error its
    result gives."""
    suffix = path.suffix.lower()
    if not suffix:
        return PhotoError(f"{path.name} was skipped: paperkit scans a folder's photos by the"
                          " ending of their names, and it has none",
                          "name the file itself to scan it, or rename it with its ending"
                          " (.jpg, .png, .heic, .pdf, ...)")
    what = "a camera's RAW file" if suffix in RAW_PICTURES else f"a {suffix[1:].upper()} file"
    return PhotoError(f"{path.name} was skipped: it is {what}, a kind of picture paperkit"
                      " does not scan",
                      "if it is a photo of slips, save it as JPEG, PNG, HEIC, PDF or TIFF and"
                      " scan that")


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a folder; False when it cannot be looked at (a folder on the way
    that may not be entered): the photo's own read then reports it, and the other photos
    of the run are still scanned."""
    try:
        return path.is_dir()
    except OSError:
        return False


def read_bytes(path: Path) -> bytes:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
            # a pipe with no writer would wait for ever, a device read without end
            raise PhotoError(f"{path} is not a file but a {_kind(info.st_mode)}",
                             "save the photo as a file and scan that file")
        size = info.st_size
        if size > MAX_BYTES:
            raise PhotoTooLarge(f"{path.name} is {size / 1e6:.0f} MB, more than the "
                                f"{MAX_BYTES / 1e6:.0f} MB paperkit will read",
                                "split it into files of fewer pages, or scan at a lower "
                                "resolution" if path.suffix.lower() in (".pdf", ".tif", ".tiff")
                                else None)
        return path.read_bytes()
    except FileNotFoundError:
        if _is_link(path):  # a link left behind when its photo was moved or deleted
            raise PhotoError(f"{path} is a link to a file that does not exist"
                             f" ({_link_target(path)})",
                             "copy the photo itself there, or scan the file the link should "
                             "lead to") from None
        raise PhotoError(f"{path} does not exist", "check the file name") from None
    except IsADirectoryError:
        raise PhotoError(f"{path} is a folder, not a photo", "name the photo files") from None
    except PermissionError:
        raise PhotoError(f"{path} cannot be read (permission denied)",
                         "give yourself read access to it and the folders it is in, or copy "
                         "it somewhere you may read it") from None
    except OSError as exc:  # a link loop, a part of the path not a folder, a name too long,
        # a phone or card that fails mid-read: this photo fails, the others are still read
        raise PhotoError(f"{path} cannot be read ({exc.strerror or exc})",
                         "check the name, or copy the photo onto this computer and scan the"
                         " copy") from None


def _is_link(path: Path) -> bool:
    try:
        return path.is_symlink()
    except OSError:
        return False


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "its target cannot be read"


def _kind(mode: int) -> str:
    return ("named pipe" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode)
            else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "special file")


def load_photo(path: str | Path, raw: bytes | None = None) -> Photo:
    """Read ``path`` (JPEG, PNG, HEIC, other Pillow formats, or PDF) into upright gray frames.
    ``raw``: the file's bytes, when the caller has read them already (:func:`read_bytes`).

    Raises PhotoTooLarge above :data:`MAX_PIXELS`, PhotoError for anything unreadable."""
    path = Path(path)
    raw = read_bytes(path) if raw is None else raw
    if not raw:
        raise PhotoError(f"{path.name} is empty (0 bytes)",
                         "copy the photo again from the phone or camera")
    sha = hashlib.sha256(raw).hexdigest()
    if raw[:5] == b"%PDF-":
        return Photo(path, sha, "pdf", _pdf_frames(path, raw), raw)
    _register_heif()
    with warnings.catch_warnings():
        # our own limit (below Pillow's warning level) is checked right after open
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        fmt = ""  # what the file says it is, once Pillow has opened it
        try:
            im = Image.open(io.BytesIO(raw))
            w, h = im.size
            fmt = (im.format or "").lower()
            if fmt == "mpo":  # a JPEG with more pictures after it (Pillow's name for it): an
                fmt = "jpeg"  # HDR gain map, a preview, a depth map; the first is the photo
            if fmt in _PAGED and _count_pages(path, im) > 1:  # every page, not the first
                return Photo(path, sha, "pages", _page_frames(path, im), raw)
            reduce = _reduction(fmt, w, h)
            if reduce is None:
                raise _too_large(path, w, h)
            if min(w, h) < MIN_SIDE:
                raise PhotoError(f"{path.name} is only {w}×{h} pixels, too small to hold a "
                                 "readable slip code", "use the full-size photo")
            orientation = int(im.getexif().get(0x0112, 1) or 1)
            if fmt == "jpeg":  # OpenCV's libjpeg-turbo: luma only, EXIF rotation applied
                gray = _decode_jpeg(raw, reduce)
                if gray is not None:
                    return Photo(path, sha, "jpeg",
                                 (Frame(path.name, gray, bilevel=two_levels(None, gray)),),
                                 raw, orientation)
                if reduce > 1:  # Pillow's decoder scales the same way (in the DCT)
                    im.draft("L", (w // reduce, h // reduce))
            im.load()
        except Image.DecompressionBombError:
            huge = _huge_jpeg(path, sha, raw)  # a phone's 200 MP mode: read at half size
            if huge is not None:
                return huge
            raise PhotoTooLarge(f"{path.name} is too large to decode safely "
                                f"(over {MAX_PIXELS / 1e6:.0f} MP)") from None
        except PhotoError:
            raise
        except UnidentifiedImageError:
            if _is_heif(raw):  # a HEIC or AVIF file Pillow cannot open: cut short, or damaged
                raise _damaged(path) from None
            raise PhotoError(f"{path.name} is not an image paperkit can read",
                             "use a JPEG, PNG, HEIC, TIFF, WebP or PDF file") from None
        except _DECODER_ERRORS as exc:
            if fmt in ("heif", "avif") or _is_heif(raw):  # libheif's or libavif's words
                raise _damaged(path) from None  # (an iloc box's extent) say nothing to a person
            said = " ".join(str(exc).split())  # (on one line: a decoder's may end in "\n")
            raise PhotoError(f"{path.name} is not a readable photo: {said}",
                             "the file is damaged or cut short: copy the photo again from the "
                             "phone or camera" if fmt in ("jpeg", "png", "tiff")
                             or raw.startswith(_PHOTO_MAGIC) else
                             "use a JPEG, PNG, HEIC, TIFF, WebP or PDF file") from None
    if orientation != 1:
        im = ImageOps.exif_transpose(im)
    im = _readable(im)
    gray = _gray(im)
    kind = {"jpeg": "jpeg", "png": "png", "heif": "heic"}.get(fmt, "image")
    frame = Frame(path.name, gray, bilevel=two_levels(im, gray))
    return Photo(path, sha, kind, (frame,), raw, orientation,
                 None if kind == "jpeg" else im)  # (a JPEG's copy is made from its bytes)


#: What Pillow and its plugins raise for a damaged file: besides OSError and the like, a
#: TIFF page with no width (TypeError: "Missing dimensions"), an AVIF whose picture data
#: does not decode (RuntimeError: "Failed to decode frame 0").
_DECODER_ERRORS = (OSError, SyntaxError, ValueError, EOFError, RuntimeError, TypeError)


def _is_heif(raw: bytes) -> bool:
    """Whether ``raw`` begins as a HEIC or AVIF file does (its ``ftyp`` brand)."""
    return raw[4:8] == b"ftyp" and raw[8:12] in _HEIF_BRANDS


def _damaged(path: Path, page: int | None = None) -> PhotoError:
    """The error for a photo file that begins as its kind does but cannot be decoded (cut
    short, or damaged), or for the ``page`` of a file of several (a PDF's, a TIFF's) that
    cannot be: the file's other pages are not read either."""
    if page is None:
        return PhotoError(f"{path.name} cannot be read: the file seems cut short or damaged",
                          "copy the photo again from the phone or camera")
    return PhotoError(f"page {page} of {path.name} cannot be read: the file seems damaged, "
                      "and none of its pages was read",
                      "save or export the file again from the scanner or app, or copy it "
                      "again, and scan the new file")


#: OpenCV's decode flags for a JPEG decoded to grey at full size, or at 1/2, 1/4 or 1/8 of it
#: (within the discrete cosine transform: the full-size pixels are never made).
_JPEG_FLAGS = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
               4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}


def small_jpeg(raw: bytes, side: int) -> tuple[np.ndarray, int] | None:
    """The frame :func:`load_photo` makes of the JPEG ``raw``, made smaller by the fewest
    halvings that bring its long side to ``side`` or less, with that factor (2, 4 or 8). It
    is decoded at that size within the discrete cosine transform, at less cost than the full
    size. None for anything else: not a JPEG, a JPEG :func:`load_photo` does not decode at
    full size (over :data:`MAX_PIXELS`), one already small enough, one that would need more
    than 8, or one whose sides are not multiples of the factor (a phone's are)."""
    if raw[:3] != b"\xff\xd8\xff":
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            w, h = Image.open(io.BytesIO(raw)).size
    except Exception:  # noqa: BLE001 - unreadable here means: not read early; load_photo says why
        return None
    if _reduction("jpeg", w, h) != 1:
        return None
    factor = 1
    while max(w, h) > side * factor:
        factor *= 2
    if factor not in (2, 4, 8) or w % factor or h % factor:
        return None  # (sides not a multiple of it: the decoder's last, partial pixels
        # would sit on the other side of a frame turned by its EXIF tag)
    small = _decode_jpeg(raw, factor)
    return None if small is None else (small, factor)


def _decode_jpeg(raw: bytes, reduce: int) -> np.ndarray | None:
    """The JPEG ``raw`` in grey by OpenCV's libjpeg-turbo, at 1/``reduce`` of its size
    within the DCT (:data:`_JPEG_FLAGS`), its EXIF turn applied; None when OpenCV cannot
    decode it."""
    try:
        return cv2.imdecode(np.frombuffer(raw, np.uint8), _JPEG_FLAGS[reduce])
    except cv2.error:
        return None


def _jpeg_header(raw: bytes) -> tuple[int, int, int] | None:
    """A JPEG's width, height and EXIF orientation (1 when it has none), from its segments
    before the image data, without decoding it; None when they cannot be read."""
    i, n, orientation = 2, len(raw), 1
    while i + 9 <= n and raw[i] == 0xFF:
        marker = raw[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        length = int.from_bytes(raw[i + 2:i + 4], "big")
        body = raw[i + 4:i + 2 + length]
        if marker == 0xE1 and body[:6] == b"Exif\x00\x00":
            exif = Image.Exif()
            try:
                exif.load(body[6:])
                orientation = int(exif.get(0x0112, 1) or 1)
            except Exception:  # noqa: BLE001 - a damaged EXIF block: the pixels as stored
                orientation = 1
        elif 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame header
            h, w = int.from_bytes(body[1:3], "big"), int.from_bytes(body[3:5], "big")
            return (w, h, orientation) if w and h else None
        elif marker == 0xDA:  # the image data, and no frame header before it
            return None
        i += 2 + length
    return None


def _huge_jpeg(path: Path, sha: str, raw: bytes) -> Photo | None:
    """A JPEG too large for Pillow to open at all (over about 179 MP: a phone's 200 MP
    mode) decoded as :func:`load_photo` decodes a JPEG over MAX_PIXELS, at half its size
    within the DCT by OpenCV, its EXIF turn applied; None when it is not a JPEG OpenCV
    decodes. Raises PhotoTooLarge when even half its size is over MAX_PIXELS."""
    header = _jpeg_header(raw) if raw[:3] == b"\xff\xd8\xff" else None
    if header is None:
        return None
    w, h, orientation = header
    reduce = _reduction("jpeg", w, h)
    if reduce is None:
        raise _too_large(path, w, h)
    gray = _decode_jpeg(raw, reduce)
    if gray is None:
        return None
    return Photo(path, sha, "jpeg", (Frame(path.name, gray, bilevel=two_levels(None, gray)),),
                 raw, orientation)


def _reduction(fmt: str, w: int, h: int) -> int | None:
    """By how much a photo of w × h is decoded (1: full size), or None when it is too large:
    a JPEG over MAX_PIXELS (a phone's 108 MP mode) is decoded at half its size within the
    discrete cosine transform, so the full-size pixels never exist; other formats cannot
    be, and are refused. (Pillow refuses to open any image over about 179 MP: such a JPEG
    is measured from its header instead, :func:`_huge_jpeg`.)"""
    for reduce in (1, 2) if fmt == "jpeg" else (1,):
        if w * h <= MAX_PIXELS * reduce * reduce:
            return reduce
    return None


def _readable(im: Image.Image) -> Image.Image:
    """``im`` in a mode the scan, its colour and the stored copy all read: a palette picture
    (a PNG, GIF, BMP or TIFF of few colours) as RGB, or RGBA when it has transparency; a
    LAB one (a TIFF) as its lightness, in grey (Pillow converts LAB to no other mode);
    ``RGBa`` (alpha premultiplied) as RGBA. Every other mode as it is."""
    if im.mode in ("P", "PA"):
        alpha = im.mode == "PA" or "transparency" in im.info
        return im.convert("RGBA" if alpha else "RGB")
    if im.mode == "LAB":
        return im.getchannel("L")
    if im.mode == "RGBa":
        return im.convert("RGBA")
    return im


#: A picture is black and white only when at least TWO_LEVELS of its pixels (every 7th of
#: every 7th row) hold one of its two commonest grey levels, and those lie at least
#: TWO_LEVELS_APART apart; or when, saved again as a JPEG, scaled or smoothed (its edges
#: then grey), at most TWO_LEVELS_MID of them are mid-grey (48-208) and at least
#: TWO_LEVELS_ENDS near black or white (16 or under, 239 or over). Phone photos hold
#: 60-98 % mid-grey; greyscale scans 4-7 % mid-grey and 6-55 % near the ends; paperkit's
#: own slips rendered from their PDF 96 % on two levels but grey print between; a
#: scanner's black-and-white page 100 % on two levels, and saved again as a JPEG (quality
#: 75-92), scaled by 0.8 or 1.5 or put in a PDF 0-2.3 % mid-grey and 97-100 % at the ends
#: (red team, round eight).
TWO_LEVELS = 0.995
TWO_LEVELS_APART = 128
TWO_LEVELS_MID = 0.03
TWO_LEVELS_ENDS = 0.95


def two_levels(im: Image.Image | None, gray: np.ndarray) -> bool:
    """Whether a picture is black and white only (its mode is 1-bit, or its grey levels
    lie as :data:`TWO_LEVELS` and :data:`TWO_LEVELS_MID` say): a flatbed's "black &
    white" or "text" mode keeps what is darker than its cut and drops the rest, a pencil
    mark or a light second tick with it. About 0.7 ms for a 12 MP photo."""
    if im is not None and im.mode == "1":
        return True
    sample = gray[::7, ::7]
    counts = np.bincount(sample.ravel(), minlength=256)
    second, first = np.argsort(counts)[-2:]
    if (int(counts[first] + counts[second]) >= TWO_LEVELS * sample.size
            and abs(int(first) - int(second)) >= TWO_LEVELS_APART):
        return True
    mid = int(counts[48:209].sum())
    ends = int(counts[:17].sum() + counts[239:].sum())
    return mid <= TWO_LEVELS_MID * sample.size and ends >= TWO_LEVELS_ENDS * sample.size


def _gray(im: Image.Image) -> np.ndarray:
    """The image as 8-bit grey. 16- and 32-bit grey (flatbed scanners write 16-bit PNG and
    TIFF) are scaled from their own range, which Pillow's conversion would clip to white:
    values above 255 mean a range of as many bits as the brightest value needs (10 or 12
    bits in a 16-bit file, as some scanners write them, 16 bits as most do)."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        a = np.asarray(im, np.float32)
        most = float(a.max(initial=0.0))
        top = float(2 ** min(int(most).bit_length(), 16) - 1) if most > 255.0 else 255.0
        return np.clip(a * (255.0 / top) + 0.5, 0, 255).astype(np.uint8)
    return np.asarray(im.convert("L") if im.mode != "L" else im)


#: Formats whose files may hold several pictures, each read as a page: a multi-page TIFF
#: (a flatbed scanner's file of several sheets), an animated GIF, PNG or WebP (a phone's
#: or an editor's), and a HEIC or AVIF of several pictures or an AVIF sequence (only the
#: first, or the primary one, was read, and the rest left out unsaid).
_PAGED = ("tiff", "gif", "png", "webp", "heif", "avif")


def _count_pages(path: Path, im: Image.Image) -> int:
    """How many pages (or frames, or pictures) the picture ``im`` holds. Raises PhotoError
    naming the page that cannot be read while they are counted (a TIFF's page whose
    width is lost: Pillow reads each page's tags to count them)."""
    try:
        return getattr(im, "n_frames", 1)
    except _DECODER_ERRORS:
        raise _damaged(path, im.tell() + 1) from None


def _page_frames(path: Path, im: Image.Image) -> tuple[Frame, ...]:
    """Each page (or frame) of the multi-page TIFF or animated picture ``im`` as an upright
    gray frame, named like a PDF's pages (``scan.tif#2``). A TIFF's page marked as a reduced
    copy of another (a thumbnail: NewSubfileType bit 0), or a page too small to hold a code,
    is passed over. Raises PhotoTooLarge for more than MAX_PAGES pages, a page over
    MAX_PIXELS, or pages over MAX_PAGES_PIXELS in all; PhotoError when no page is left, or
    for a page that cannot be decoded (named: the file's other pages are not read)."""
    n = im.n_frames
    if n > MAX_PAGES:
        raise PhotoTooLarge(f"{path.name} has {n} pages; paperkit reads at most "
                            f"{MAX_PAGES} pages from one file", "split the file")
    frames, total = [], 0
    for i in range(n):
        try:
            im.seek(i)
            w, h = im.size
        except _DECODER_ERRORS:  # (a TIFF page with no width: TypeError)
            raise _damaged(path, i + 1) from None
        thumbnail = hasattr(im, "tag_v2") and int(im.tag_v2.get(254, 0)) & 1
        if thumbnail or min(w, h) < MIN_SIDE:
            continue  # a thumbnail, or a page no slip code fits on
        total += w * h
        if w * h > MAX_PIXELS:
            raise _too_large(path, w, h)
        if total > MAX_PAGES_PIXELS:
            raise PhotoTooLarge(f"{path.name}'s first {i + 1} pages hold over "
                                f"{MAX_PAGES_PIXELS / 1e6:g} MP, more than paperkit will "
                                "decode from one file", "split the file")
        try:  # a copy of this page, turned by its tag
            page = _readable(ImageOps.exif_transpose(im))
        except _DECODER_ERRORS:
            raise _damaged(path, i + 1) from None
        gray = np.ascontiguousarray(_gray(page))
        frames.append(Frame(f"{path.name}#{i + 1}", gray, of_image(page),
                            two_levels(page, gray)))
    if not frames:
        raise PhotoError(f"no page of {path.name} is large enough to hold a readable slip "
                         "code", "scan the sheets at a higher resolution")
    return tuple(frames)


def _picture_dpi(page, area: float) -> tuple[float, bool]:
    """The resolution (dots per inch) of the largest picture on the PDF ``page`` (of
    ``area`` points²), when it covers PDF_PICTURE of the page or more, else 0; and whether
    that picture is 1-bit (a scanner's black-and-white scan). From its pixels over its area
    on the page, so a picture placed turned reads the same."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    best, pixels, bits = 0.0, 0, 0
    try:
        for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
            bounds = getattr(obj, "get_bounds", None) or obj.get_pos  # (pypdfium2 4: get_pos)
            left, bottom, right, top = bounds()
            shown = max(right - left, 0.0) * max(top - bottom, 0.0)
            if shown > best:
                pw, ph = obj.get_px_size()
                best, pixels = shown, pw * ph
                bits = _bits(obj)
    except pdfium.PdfiumError:  # a picture pdfium cannot measure: the page at PDF_DPI
        return 0.0, False
    if best < PDF_PICTURE * area:
        return 0.0, False
    return 72.0 * math.sqrt(pixels / best), bits == 1


def _bits(obj) -> int:
    """A PDF picture's bits per pixel, 0 when pdfium cannot say."""
    import pypdfium2 as pdfium

    try:
        return int(obj.get_metadata().bits_per_pixel)
    except (pdfium.PdfiumError, AttributeError):
        return 0


#: How a JPEG, PNG, HEIC or TIFF file begins: one cut short after these bytes is still
#: a photo file, damaged (not some other kind of file).
def _pdf_frames(path: Path, raw: bytes) -> tuple[Frame, ...]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PhotoError(f"{path.name} is locked with a password",
                             "save or export it again without one; paperkit never asks for"
                             " passwords") from None
        raise PhotoError(f"{path.name} is not a readable PDF",
                         "the file is damaged, cut short or empty: save or export it again "
                         "from the scanner or app") from None
    try:
        n = len(pdf)
        if n > MAX_PAGES:
            raise PhotoTooLarge(f"{path.name} has {n} pages; paperkit reads at most "
                                f"{MAX_PAGES} pages from one PDF", "split the PDF")
        pages = [_pdf_page(pdf, i, path) for i in range(n)]  # each loaded once
        sizes = [page.get_size() for page in pages]
        pictures = [_picture_dpi(page, w * h) for page, (w, h) in zip(pages, sizes, strict=True)]
        photos = [dpi for dpi, _ in pictures]
        # pages that are photos, at their own resolution, in MAX_PAGES_PIXELS in all: a PDF
        # of many photos has them rendered less finely (never under PDF_DPI)
        fine = sum(w * h * (max(PDF_DPI, dpi) / 72.0) ** 2
                   for (w, h), dpi in zip(sizes, photos, strict=True))
        fit = min(1.0, math.sqrt(MAX_PAGES_PIXELS / max(fine, 1.0)))
        frames = []
        for i, (page, (w, h), photo_dpi) in enumerate(zip(pages, sizes, photos, strict=True)):
            # a large page (a poster) is rendered at fewer dots per inch, down to PDF_MIN_DPI
            # (0.995: pdfium rounds each side up), one that is mostly a photo down to the
            # photo's own resolution (PDF_PHOTO_MIN_DPI at least); a page that is mostly a
            # photo, at the photo's own resolution
            dpi = max(PDF_DPI, photo_dpi * fit)
            scale = min(dpi / 72.0, 0.995 * math.sqrt(MAX_PIXELS / max(w * h, 1.0)))
            least = (max(PDF_PHOTO_MIN_DPI, min(PDF_MIN_DPI, photo_dpi)) if photo_dpi
                     else PDF_MIN_DPI)
            if scale < least / 72.0 * 0.999:
                raise _page_too_large(path, i + 1, w, h, least)
            try:
                bitmap = page.render(scale=scale, grayscale=True)
                # its colour, a quarter as fine (a flatbed's colour scan: a highlighter's mark)
                rgb = page.render(scale=scale / 4, rev_byteorder=True).to_numpy()
            except pdfium.PdfiumError:
                raise _damaged(path, i + 1) from None
            arr = bitmap.to_numpy()
            if arr.ndim == 3:
                arr = arr[..., 0] if arr.shape[2] == 1 else np.asarray(
                    Image.fromarray(arr[..., :3]).convert("L"))
            arr = np.ascontiguousarray(arr)
            frames.append(Frame(f"{path.name}#{i + 1}", arr,
                                of_rgb(rgb[..., :3], 4) if rgb.ndim == 3 else None,
                                pictures[i][1] or two_levels(None, arr)))
        return tuple(frames)
    finally:
        pdf.close()


def _page_too_large(path: Path, page: int, w: float, h: float, dpi: float) -> PhotoTooLarge:
    """The error for the PDF page ``page`` of w × h points, too large at ``dpi`` (the fewest
    dots per inch it may be rendered at)."""
    pw, ph = round(w * dpi / 72.0), round(h * dpi / 72.0)
    return PhotoTooLarge(
        f"page {page} of {path.name} is {w / 72.0:.0f}×{h / 72.0:.0f} inches, {pw}×{ph} "
        f"pixels ({pw * ph / 1e6:.0f} MP) at {dpi:.0f} dots per inch (the fewest paperkit "
        f"renders it at), more than the {MAX_PIXELS / 1e6:.0f} MP paperkit will decode",
        "save the PDF again at the paper's own size; for a photo saved as a PDF, scan the "
        "photo's own JPEG or HEIC file")


def _pdf_page(pdf, i: int, path: Path):
    """Page ``i`` (from 0) of the open PDF ``pdf``. Raises PhotoError when it cannot be
    loaded (its page object is missing or damaged)."""
    import pypdfium2 as pdfium

    try:
        return pdf[i]
    except pdfium.PdfiumError:
        raise _damaged(path, i + 1) from None


# -- storing the photo without its metadata ----------------------------------------------

#: JPEG markers kept when stripping: quantisation and Huffman tables, frame headers, restart
#: interval, and APP14 (Adobe colour transform). Everything else (EXIF, XMP, ICC, comments,
#: JFIF thumbnails, maker notes, bytes after the end marker) is dropped.
_KEEP = {0xDB, 0xC4, 0xDD, 0xEE} | {m for m in range(0xC0, 0xD0) if m not in (0xC4, 0xC8, 0xCC)}
_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
#: Where a marker begins (a 0xFF not followed by a stuffed zero).
_MARKER = re.compile(rb"\xff[^\x00]")
#: Markers that stand alone, with no length after them: TEM and the restart markers.
_STANDALONE = {0x01} | set(range(0xD0, 0xD8))


def strip_jpeg(data: bytes) -> bytes:
    """The same JPEG with every metadata segment removed; the image data is copied as is.
    Stray bytes between segments (some cameras' and editors' files: libjpeg's "extraneous
    bytes before marker") are skipped up to the next marker, as libjpeg skips them. Raises
    PhotoError for a file that is not a JPEG, or whose image data is not found."""
    if data[:2] != b"\xff\xd8":
        raise PhotoError("not a JPEG file")
    out = [b"\xff\xd8"]
    i, n, scanned = 2, len(data), False
    while i + 4 <= n:
        marker = data[i + 1]
        if data[i] != 0xFF or marker == 0x00:  # stray bytes: on to the next marker
            m = _MARKER.search(data, i + 1)
            if m is None:
                break
            i = m.start()
            continue
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xD9:
            break
        if marker in _STANDALONE:
            i += 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        end = i + 2 + length
        if marker == 0xDA:
            m = _NEXT_MARKER.search(data, end)
            stop = m.start() if m else n
            out.append(data[i:stop])
            i = stop
            scanned = True
            continue
        if marker in _KEEP:
            out.append(data[i:end])
        i = end
    if not scanned:
        raise PhotoError("malformed JPEG: no image data found")
    out.append(b"\xff\xd9")
    return b"".join(out)


def stored_image(photo: Photo) -> tuple[bytes, str]:
    """The bytes to keep under photos/ and their file extension, with no metadata at all.

    An upright JPEG keeps its compressed data (segments stripped, no re-encode); any other
    input is re-encoded from its pixels (colour kept where the format has it). Never
    raises for a photo :func:`load_photo` read: when its file cannot be stripped or
    decoded again (a JPEG too large for Pillow, or damaged in a way OpenCV tolerated and
    Pillow does not), its upright grey frame is kept, as the scan read it."""
    if photo.kind in ("pdf", "pages"):
        return _stored_frames(photo)
    try:
        return _stored_picture(photo)
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - any decoder's error for the file the frames came from
        return _stored_frames(photo)


def _stored_picture(photo: Photo) -> tuple[bytes, str]:
    """:func:`stored_image` of a single picture, from its file's bytes or its picture."""
    if photo.kind == "jpeg" and photo.orientation == 1:
        return strip_jpeg(photo.raw), ".jpg"
    if photo.image is not None:
        im = photo.image
    else:
        _register_heif()
        with warnings.catch_warnings():  # (its size was checked when it was read)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = ImageOps.exif_transpose(Image.open(io.BytesIO(photo.raw)))
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):  # 16- or 32-bit grey: scaled as
        im = Image.fromarray(_gray(im))  # the scan scales it (Pillow's convert clips to white)
    im = im.convert("RGB") if im.mode not in ("L", "RGB") else im
    clean = Image.frombytes(im.mode, im.size, im.tobytes())  # pixels only, no info dict
    buf = io.BytesIO()
    if photo.kind == "png":
        clean.save(buf, "PNG", compress_level=3)
        return buf.getvalue(), ".png"
    clean.save(buf, "JPEG", quality=92)
    return buf.getvalue(), ".jpg"


def _stored_frames(photo: Photo) -> tuple[bytes, str]:
    """The photo's frames as the scan read them, upright and in grey: a PDF's or a TIFF's
    pages one above the other as a PNG, made smaller to MAX_PIXELS in all; a single
    photo's frame as a JPEG (a PNG's as a PNG)."""
    pages = [f.gray for f in photo.frames]
    if photo.kind not in ("pdf", "pages") and len(pages) == 1:
        if photo.kind == "png":
            ok, buf = cv2.imencode(".png", pages[0], [cv2.IMWRITE_PNG_COMPRESSION, 3])
            return buf.tobytes(), ".png"
        ok, buf = cv2.imencode(".jpg", pages[0], [cv2.IMWRITE_JPEG_QUALITY, 92])
        return buf.tobytes(), ".jpg"
    total = sum(g.size for g in pages)
    if total > MAX_PIXELS:
        k = math.sqrt(MAX_PIXELS / total)
        pages = [cv2.resize(g, (max(1, int(g.shape[1] * k)), max(1, int(g.shape[0] * k))),
                            interpolation=cv2.INTER_AREA) for g in pages]
    gray = pages[0] if len(pages) == 1 else np.vstack(
        [_pad(g, max(p.shape[1] for p in pages)) for g in pages])
    ok, buf = cv2.imencode(".png", gray, [cv2.IMWRITE_PNG_COMPRESSION, 3])
    return buf.tobytes(), ".png"


def _pad(gray: np.ndarray, width: int) -> np.ndarray:
    if gray.shape[1] == width:
        return gray
    out = np.full((gray.shape[0], width), 255, np.uint8)
    out[:, :gray.shape[1]] = gray
    return out
