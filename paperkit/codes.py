"""The slip code: ``PK1:<KIT>:<TASK>:<REV>:<TAG>``, all in QR alphanumeric characters.

- ``KIT``: the kit's 4-letter id (base32, derived from kit.key).
- ``TASK``: the task id, ``T`` and at least four digits.
- ``REV``: the task's rev when the slip was printed, in decimal.
- ``TAG``: the first 8 base32 letters (40 bits) of HMAC-SHA256(kit.key, "PK1:KIT:TASK:REV").

The code holds no name, phone number or title.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import BadCode, OtherKit

PREFIX = "PK1"
TAG_LEN = 8
_TASK_ID = r"T[0-9]{4,8}"
_TASK = re.compile(rf"^{_TASK_ID}$")
_CODE = re.compile(rf"^PK1:([A-Z2-7]{{4}}):({_TASK_ID}):([1-9][0-9]{{0,8}}):([A-Z2-7]{{8}})$")


@dataclass(frozen=True)
class SlipCode:
    """A parsed slip code. ``text`` is exactly what the QR holds and the slip prints."""

    kit: str
    task: str
    rev: int
    tag: str

    @property
    def text(self) -> str:
        return f"{PREFIX}:{self.kit}:{self.task}:{self.rev}:{self.tag}"


def _tag(key: bytes, kit: str, task: str, rev: int) -> str:
    msg = f"{PREFIX}:{kit}:{task}:{rev}".encode("ascii")
    return base64.b32encode(hmac.new(key, msg, hashlib.sha256).digest()).decode()[:TAG_LEN]


def build(key: bytes, kit: str, task: str, rev: int) -> SlipCode:
    """Sign a code for ``task`` at ``rev``."""
    code = SlipCode(kit=kit, task=task, rev=rev, tag=_tag(key, kit, task, rev))
    parse(code.text)  # refuse ids that would not parse back
    return code


def shapes(kit: str, tasks: Iterable[str] = (), max_rev: int = 0) -> tuple[str, ...]:
    """The shapes this kit's codes can have, each a code with ``?`` for the characters that
    are not known in advance (the task's digits, the rev and the tag): what a damaged code
    must look like (scan/soft.py). ``tasks``: the kit's task ids, and ``max_rev``: the
    highest rev of any, when known (a code names one of them at that rev or an earlier one);
    without them, tasks of 4 or 5 digits at revs up to 999."""
    digits = sorted({len(t) - 1 for t in tasks if _TASK.match(t)}) or [4, 5]
    revs = range(1, len(str(max_rev)) + 1) if max_rev > 0 else range(1, 4)
    return tuple(f"{PREFIX}:{kit}:T{'?' * t}:{'?' * r}:{'?' * TAG_LEN}"
                 for t in digits for r in revs)


def normalize(text: str) -> str:
    """Tidy a code typed by hand: upper case, no spaces, O→0 is NOT guessed."""
    return "".join(text.split()).upper()


def parse(text: str) -> SlipCode:
    """Parse without verifying. Raises BadCode for anything malformed."""
    m = _CODE.match(text)
    if not m:
        raise BadCode(f"{text[:60]!r} is not a paperkit slip code",
                      "a slip code looks like PK1:K3F9:T0042:3:ABCDEFGH")
    kit, task, rev, tag = m.groups()
    return SlipCode(kit=kit, task=task, rev=int(rev), tag=tag)


def verify(text: str, key: bytes, kit: str) -> SlipCode:
    """Parse and check the code against this kit. Raises OtherKit or BadCode."""
    code = parse(text)
    if code.kit != kit:
        raise OtherKit(f"slip code {text} belongs to kit {code.kit}, not this kit ({kit})",
                       "scan it with that group's kit")
    if not hmac.compare_digest(code.tag, _tag(key, kit, code.task, code.rev)):
        raise BadCode(f"slip code {text} has a tag that does not verify (forged or misread)",
                      "check the printed letters, or send the slip to review")
    return code
