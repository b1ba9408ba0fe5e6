"""What scanning returns: one PhotoResult per input file, one SlipResult per code read."""

from __future__ import annotations

from dataclasses import dataclass, field

from .decide import SETTLED


def writable(text: str) -> str:
    """``text`` with each byte of a file name that is not UTF-8 (held by Python as a lone
    surrogate: os.fsdecode's ``ph\\udcf6to.jpg``) written as its escape, ``ph\\xf6to.jpg``:
    such a name cannot be written to the record, to JSON read as UTF-8, or to a terminal.
    Any other text as it is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate no file name's byte gives
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


@dataclass(frozen=True)
class SlipResult:
    """One code read in a photo. ``read`` maps box name → ink score 0..1; ``status`` is what
    the boxes say (None: none marked, or unclear; for a slip sent to review, what it most
    likely says, for the person deciding it); ``outcome`` one of decide.OUTCOMES;
    ``confidence`` 0..1. ``task``/``rev`` are None when the code does not parse.
    ``crops`` are kit-relative paths of the images kept (note, steward, slip). ``says``
    is what the read says, kept to compare photos of the same slip (decide.says)."""

    code: str
    task: str | None
    rev: int | None
    read: dict[str, float]
    status: str | None
    outcome: str
    confidence: float
    reason: str
    frame: str = ""
    crops: dict[str, str] = field(default_factory=dict)
    says: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "frame", writable(self.frame))  # (a file's name: writable)

    def as_json(self) -> dict:
        return {"task": self.task, "rev": self.rev, "read": dict(self.read),
                "status": self.status, "outcome": self.outcome,
                "confidence": self.confidence, "reason": self.reason}


@dataclass(frozen=True)
class PhotoResult:
    """One input file. ``errors`` are messages for a person (the photo could not be read, or
    no code was found); ``already_scanned`` is when this exact file (same sha256) was
    scanned before, in which case nothing was read or written; ``read_again`` is when this
    file was first scanned, for a photo read again (``scan --again``: ``slips`` are then
    only those its earlier scan could not apply, or did not read). ``advice``: how to take
    the next photo so that fewer slips need a person. ``seconds`` times each stage.
    ``photo``, ``errors`` and ``advice`` name the file: a name that is not UTF-8 is held
    with its bytes as escapes (:func:`writable`), so the result can be stored, printed and
    written as JSON (the file itself is read by its own path)."""

    photo: str
    sha256: str | None
    slips: tuple[SlipResult, ...] = ()
    errors: tuple[str, ...] = ()
    already_scanned: str | None = None
    stored: str | None = None
    dry_run: bool = False
    seconds: dict[str, float] = field(default_factory=dict)
    steps: tuple = ()
    advice: tuple[str, ...] = ()
    read_again: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "photo", writable(self.photo))
        object.__setattr__(self, "errors", tuple(map(writable, self.errors)))
        object.__setattr__(self, "advice", tuple(map(writable, self.advice)))

    @property
    def ok(self) -> bool:
        """True when nothing needs a person: no error, and every slip applied or unchanged."""
        return not self.errors and all(s.outcome in SETTLED for s in self.slips)

    def as_json(self) -> dict:
        out = {"photo": self.photo, "sha256": self.sha256,
               "slips": [s.as_json() for s in self.slips], "errors": list(self.errors)}
        if self.advice:
            out["advice"] = list(self.advice)
        if self.already_scanned:
            out["already_scanned"] = self.already_scanned
        if self.read_again:
            out["read_again"] = self.read_again
        if self.dry_run:
            out["dry_run"] = True
        return out
