"""Find, create and open a kit folder, and read its settings from ``kit.toml``.

A kit folder holds ``kit.toml``, ``record.sqlite``, ``kit.key`` (mode 0600) and ``photos/``.
It is found like git: ``--kit PATH``, else ``$PAPERKIT_KIT``, else the current directory
or one of its parents.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import (
    ConfigError,
    KitExists,
    KitIncomplete,
    KitMoved,
    KitNotFound,
    RecordDamaged,
)

TOML_NAME = "kit.toml"
RECORD_NAME = "record.sqlite"
KEY_NAME = "kit.key"
PHOTOS_NAME = "photos"
LAYOUTS_NAME = "layouts"
PAPER_SIZES = ("letter", "a4")
LANGUAGES = ("en", "es", "fr", "ar")


@dataclass(frozen=True)
class Hotline:
    """A number printed large on pocket cards."""

    label: str
    number: str


@dataclass(frozen=True)
class Settings:
    """The group's settings from kit.toml. Durations are in days or months as named."""

    name: str = "Our group"
    languages: tuple[str, ...] = ("en",)
    paper: str = "letter"
    hotlines: tuple[Hotline, ...] = ()
    charter: str = ""
    rotation_days: int = 14
    reprint_months: int = 3
    #: card_text[lang][key] overrides the shipped card texts.
    card_text: dict[str, dict[str, str]] = field(default_factory=dict)


TEMPLATE = '''# paperkit kit settings. Every key is optional; unknown keys are an error.

# The group's name, printed on every product.
name = "{name}"

# Card languages, in print order: en, es, fr, ar (Arabic prints right to left).
languages = ["en"]

# Page size for every product: "letter" or "a4". `--paper` overrides it.
paper = "letter"

# Mandates expire after this many days (the rotation length).
rotation_days = 14

# Contact sheets must be reprinted after this many months.
reprint_months = 3

# Hotline numbers, printed large on the front of pocket cards.
# [[hotlines]]
# label = "Legal hotline"
# number = "+1 555 0100"

# The charter, printed by `paperkit print charter`.
charter = """
We look after each other. We share the work and rotate the roles.
"""

# Override any pocket-card text for one language, by key (see paperkit/data/cards/en.toml).
# [card_text.en]
# front_title = "If you are arrested"
'''


def _kit_id(key: bytes) -> str:
    digest = hmac.new(key, b"paperkit kit id", hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:4]


@dataclass(frozen=True)
class Kit:
    """An opened kit folder. ``key`` is the raw 32-byte signing key; never print it."""

    path: Path
    settings: Settings
    key: bytes = field(repr=False)

    @property
    def id(self) -> str:
        """The short kit id used in slip codes (4 base32 letters, derived from the key)."""
        return _kit_id(self.key)

    @property
    def record_path(self) -> Path:
        return self.path / RECORD_NAME

    @property
    def photos_dir(self) -> Path:
        return self.path / PHOTOS_NAME

    def open_record(self, create: bool = False):
        """The kit's record. A kit whose record file is gone (deleted, or the folder copied
        without it) or empty (0 bytes: a copy that failed) is refused, never given a new
        empty record: every task would then read as unknown and the scans be recorded
        there. 'paperkit restore' puts a backup back, or ``--empty`` starts over.
        ``create``: for ``paperkit init``.

        The record and its -wal and -shm are made readable by their owner alone (0600)
        if they are not, as the key is: they hold private contacts, and a record copied
        back from a USB stick comes back 0644."""
        from .record import Record
        from .record.db import SIDE_FILES, missing

        path = self.record_path
        if not create:
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                raise missing(path) from None
            if size == 0:
                raise RecordDamaged(
                    f"the record {path} is empty (0 bytes: a copy that failed?), so it"
                    " holds nothing; it was left as it is",
                    "restore your last backup with 'paperkit restore FILE', which keeps"
                    " this file aside; to start this kit over with an empty record on"
                    " purpose, run 'paperkit restore --empty'")
            for file in (path, *(Path(f"{path}{side}") for side in SIDE_FILES)):
                _private(file)
        return Record.open(path, create=create)

    def check_still_here(self, since: str = "paperkit opened it") -> None:
        """Raise KitMoved when this kit's folder is no longer at ``path``: moved, renamed or
        deleted since it was opened, or another kit put in its place (its kit.key is not
        this kit's). A long-running paperkit (the kiosk) checks before each request: it
        would otherwise call the record missing, and advise starting it over. ``since``
        ends the message ('the kiosk started')."""
        try:
            key = (self.path / KEY_NAME).read_bytes()
        except OSError:
            key = None
        if key is not None and hmac.compare_digest(key, self.key) and (
                self.path / TOML_NAME).is_file():
            return
        if not self.path.exists():
            what = "is gone: it was moved, renamed or deleted"
        elif key is None or not is_kit(self.path):
            what = "no longer holds this kit (its kit.key or kit.toml is gone): moved away?"
        else:
            what = "holds another kit now (its kit.key is not this kit's)"
        raise KitMoved(f"the kit folder {self.path} {what} since {since}")

    def outside_the_record(self) -> OutsideTheRecord:
        """What of this kit a 'paperkit backup' copy of the record does not hold."""
        return OutsideTheRecord(
            toml=(self.path / TOML_NAME).is_file(),
            layouts=_count_files(self.path / LAYOUTS_NAME),
            photos=_count_files(self.photos_dir),
        )


@dataclass(frozen=True)
class OutsideTheRecord:
    """The kit's files that are not in the record, so not in a backup of it: kit.key
    always; ``toml``: kit.toml is there (the group's name, languages, hotlines, charter);
    ``layouts``: how many files the kit's own layouts/ holds; ``photos``: how many stored
    photos and crops photos/ holds (the only copy of the handwritten notes)."""

    toml: bool
    layouts: int
    photos: int


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def is_kit(path: Path) -> bool:
    return (path / TOML_NAME).is_file() and (path / KEY_NAME).is_file()


def find_kit_path(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Path:
    """Return the kit folder: explicit path, $PAPERKIT_KIT, or cwd and its parents."""
    if explicit is None:
        explicit = os.environ.get("PAPERKIT_KIT") or None
    if explicit is not None:
        path = Path(explicit).expanduser().resolve()
        if not path.exists():
            raise KitNotFound(f"the kit folder {path} does not exist")
        if not is_kit(path):
            _incomplete(path)
            raise KitNotFound(f"{path} is not a paperkit kit (no kit.toml and kit.key)")
        return path
    here = (cwd or Path.cwd()).resolve()
    found = _search_up(here)
    if found is None:
        raise KitNotFound(f"no kit found in {here} or its parents")
    return found


def _search_up(here: Path) -> Path | None:
    """The first kit folder among ``here`` and its parents, or None; KitIncomplete for a
    folder on the way that holds kit.toml or kit.key but not both."""
    for candidate in (here, *here.parents):
        if is_kit(candidate):
            return candidate
        _incomplete(candidate)
    return None


def kit_here(cwd: Path | None = None) -> Path | None:
    """The kit folder the current directory (``cwd``) lies in, found as when neither
    ``--kit`` nor $PAPERKIT_KIT is given: it or a parent. None when there is none, or when
    the search meets a folder holding only one of kit.toml and kit.key."""
    try:
        return _search_up((cwd or Path.cwd()).resolve())
    except (KitNotFound, OSError):
        return None


def overridden_kit(chosen: Path, cwd: Path | None = None) -> Path | None:
    """The kit folder the current directory lies in, when a kit named elsewhere
    ($PAPERKIT_KIT) is used instead of it: ``chosen`` is that kit's folder. None when the
    current directory is in no kit, or in ``chosen`` itself. The CLI says so, as the
    environment variable is easily forgotten: a scan would go into the other kit's
    record."""
    here = kit_here(cwd)
    if here is None or here == Path(chosen).resolve():
        return None
    return here


def _incomplete(path: Path) -> None:
    """Raise KitIncomplete, naming the missing file, for a folder that holds kit.toml or
    kit.key but not both."""
    toml, key = (path / TOML_NAME).is_file(), (path / KEY_NAME).is_file()
    record = (path / RECORD_NAME).is_file()
    if toml and not key:
        raise KitIncomplete(
            f"the kit {path} has no kit.key, the key that signs its slips"
            f" (kit.toml{' and record.sqlite are' if record else ' is'} there)",
            f"copy the kit's own kit.key back into {path} from where you kept it: a backup"
            " of the record never holds it. Without it no slip printed so far can be read"
            " back: make a new kit with 'paperkit init NEWKIT', run 'paperkit --kit NEWKIT"
            f" restore {path / RECORD_NAME}', copy kit.toml, layouts/ and photos/ into"
            " NEWKIT, and reprint every slip and the board with the new key: 'paperkit"
            " print kit', or 'print slips' and 'print board'; the old slips then read as"
            " another kit's")
    if key and not toml:
        raise KitIncomplete(
            f"the kit {path} has no kit.toml, its settings (kit.key"
            f"{' and record.sqlite are' if record else ' is'} there)",
            f"copy the kit's own kit.toml back into {path} from where you kept it; without"
            " a copy, 'paperkit init' in another folder writes a new one, every setting"
            " commented, to copy here and fill in again: the name, languages, paper,"
            " hotlines and charter")


def open_kit(explicit: str | os.PathLike | None = None, cwd: Path | None = None) -> Kit:
    path = find_kit_path(explicit, cwd)
    settings = load_settings(path / TOML_NAME)
    key = (path / KEY_NAME).read_bytes()
    if len(key) != 32:
        raise ConfigError(f"{path / KEY_NAME} is not a 32-byte key",
                          "copy the kit's own kit.key back from where you kept it (it is"
                          " never in a backup of the record)")
    _private(path / KEY_NAME)
    return Kit(path=path, settings=settings, key=key)


def _private(path: Path) -> None:
    """Make ``path`` readable by its owner alone (0600), as DESIGN §1 has the key: a key
    copied back from a USB stick or a backup comes back 0644. A file someone else owns, a
    missing file, or a read-only disk, is left as it is."""
    try:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == getattr(os, "getuid", lambda: st.st_uid)():
            path.chmod(0o600)
    except OSError:
        pass


def _new_key() -> bytes:
    """A new kit's secret key: 32 random bytes (the tests make theirs repeatable)."""
    return secrets.token_bytes(32)


def init_kit(path: str | os.PathLike, name: str | None = None) -> Kit:
    """Create a kit folder. Refuses if a key, record or kit.toml is already there."""
    path = Path(path).expanduser().resolve()
    for existing in (TOML_NAME, KEY_NAME, RECORD_NAME):
        if (path / existing).exists():
            raise KitExists(f"{path / existing} already exists")
    # a TOML basic string: JSON's escapes are TOML's (quotes, backslashes, line breaks)
    toml_text = TEMPLATE.format(name=json.dumps(name or path.name, ensure_ascii=False)[1:-1])
    parse_settings(tomllib.loads(toml_text))  # checked before anything is written
    path.mkdir(parents=True, exist_ok=True)
    (path / PHOTOS_NAME).mkdir(exist_ok=True)
    # each file is created only if absent: of two inits into one folder at once, one makes
    # the kit and the other is refused (neither writes over the other's name or key)
    _create(path / TOML_NAME, toml_text.encode("utf-8"), 0o644)
    _create(path / KEY_NAME, _new_key(), 0o600)
    os.chmod(path / KEY_NAME, 0o600)
    kit = open_kit(path)
    kit.open_record(create=True).close()
    return kit


def _create(file: Path, data: bytes, mode: int) -> None:
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise KitExists(f"{file} already exists (made just now by another paperkit?)") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def load_settings(toml_path: Path) -> Settings:
    try:  # utf-8-sig: Notepad starts a UTF-8 file with a byte-order mark
        data = tomllib.loads(toml_path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise ConfigError(f"{toml_path} is not UTF-8 text (saved as Latin-1 or UTF-16?)",
                          "save it as UTF-8 in your editor, then run this again") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml_path}: not valid TOML: {exc}") from None
    return parse_settings(data, str(toml_path))


def _expect(where: str, key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ConfigError(f"{where}: '{key}' must be {what}, not {value!r}")
    return value


def parse_settings(data: dict[str, Any], where: str = "kit.toml") -> Settings:
    """Validate a kit.toml mapping. Unknown keys and bad values name the key."""
    known = {f for f in Settings.__dataclass_fields__}
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}: unknown key '{key}' (known: {', '.join(sorted(known))})")
    kw: dict[str, Any] = {}
    if "name" in data:
        kw["name"] = _expect(where, "name", data["name"], str, "text").strip()
        if not kw["name"]:
            raise ConfigError(f"{where}: 'name' must not be empty")
    if "languages" in data:
        langs = _expect(where, "languages", data["languages"], list, "a list like [\"en\", \"es\"]")
        if not langs:
            raise ConfigError(f"{where}: 'languages' must name at least one language")
        for lang in langs:
            if lang not in LANGUAGES:
                raise ConfigError(
                    f"{where}: 'languages' has {lang!r}; choose from {', '.join(LANGUAGES)}"
                )
        kw["languages"] = tuple(langs)
    if "paper" in data:
        paper = _expect(where, "paper", data["paper"], str, "text")
        if paper not in PAPER_SIZES:
            raise ConfigError(f"{where}: 'paper' must be \"letter\" or \"a4\", not {paper!r}")
        kw["paper"] = paper
    for key, low, high in (("rotation_days", 1, 366), ("reprint_months", 1, 24)):
        if key in data:
            value = _expect(where, key, data[key], int, "a whole number")
            if not low <= value <= high:
                raise ConfigError(f"{where}: '{key}' must be between {low} and {high}")
            kw[key] = value
    if "charter" in data:
        kw["charter"] = _expect(where, "charter", data["charter"], str, "text").strip()
    if "hotlines" in data:
        lines = _expect(where, "hotlines", data["hotlines"], list, "a list of [[hotlines]] tables")
        hotlines = []
        for i, item in enumerate(lines, 1):
            item = _expect(where, f"hotlines[{i}]", item, dict, "a table with label and number")
            extra = set(item) - {"label", "number"}
            if extra:
                raise ConfigError(f"{where}: unknown key 'hotlines[{i}].{sorted(extra)[0]}'")
            number = _expect(where, f"hotlines[{i}].number", item.get("number"), str,
                             "text").strip()
            if not number:
                raise ConfigError(f"{where}: 'hotlines[{i}].number' is empty",
                                  "write the number, or remove that [[hotlines]] table (with"
                                  " none, the card has a line to write one in)")
            label = _expect(where, f"hotlines[{i}].label", item.get("label", ""), str, "text")
            hotlines.append(Hotline(label=label, number=number))
        kw["hotlines"] = tuple(hotlines)
    if "card_text" in data:
        table = _expect(where, "card_text", data["card_text"], dict, "a table per language")
        out: dict[str, dict[str, str]] = {}
        for lang, texts in table.items():
            if lang not in LANGUAGES:
                raise ConfigError(f"{where}: 'card_text.{lang}' is not a known language")
            texts = _expect(where, f"card_text.{lang}", texts, dict, "a table of texts")
            for k, v in texts.items():
                _expect(where, f"card_text.{lang}.{k}", v, str, "text")
            out[lang] = dict(texts)
        kw["card_text"] = out
    return Settings(**kw)
