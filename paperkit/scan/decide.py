"""Decide what one read slip means for the record. Pure: no I/O.

Only ``applied`` changes a task. When anything is unclear the answer is ``review``: a wrong
status must never be applied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..record.models import SLIP_STATUSES, Task
from .marks import BLANK, MARKED, BoxRead

OUTCOMES = ("applied", "unchanged", "review", "stale", "unknown-task", "bad-code", "other-kit")
#: Outcomes that leave nothing for a person to do.
SETTLED = ("applied", "unchanged")
#: Outcomes that put the slip in the review queue.
QUEUED = ("review", "stale")


@dataclass(frozen=True)
class Decision:
    """``status`` is what the slip's boxes say (None: no box marked, or unclear);
    ``confidence`` 0..1; ``reason`` says why, in words for a person."""

    status: str | None
    outcome: str
    confidence: float
    reason: str


def read_status(reads: Mapping[str, BoxRead]) -> tuple[str | None, str | None]:
    """(the one marked status or None, a reason to send the slip to review or None).
    A box whose printed outline was not found is unclear, whatever its score."""
    marked = [b for b in SLIP_STATUSES
              if b in reads and reads[b].score >= MARKED and reads[b].outline]
    unsure = [b for b in SLIP_STATUSES
              if b in reads and (BLANK < reads[b].score < MARKED or not reads[b].outline)]
    if len(marked) > 1:
        return None, f"{' and '.join(marked)} are both marked"
    if unsure:
        return None, f"the {', '.join(unsure)} box is unclear"
    return (marked[0] if marked else None), None


def decide(reads: Mapping[str, BoxRead], slip_rev: int, task: Task | None,
           earlier: Iterable[str] = (), geometry_confidence: float = 1.0) -> Decision:
    """The outcome for a slip printed at ``slip_rev`` whose boxes read ``reads``.

    ``earlier``: the statuses other photos (or this one, elsewhere) read from the same slip
    (task and rev); a different one means two photos disagree."""
    conf = min([r.confidence for r in reads.values()] + [geometry_confidence])
    conf = round(conf, 3)
    if task is None:
        return Decision(None, "unknown-task", conf, "no such task in this record")
    status, unclear = read_status(reads)
    if unclear:
        return Decision(None, "review", conf, unclear)
    if status is None:
        return Decision(None, "unchanged", conf, "no box marked")
    if status == task.status:
        return Decision(status, "unchanged", conf, f"already {status}")
    others = sorted({s for s in earlier if s and s != status})
    if others:
        return Decision(status, "review", min(conf, 0.4),
                        f"another photo of this slip read {', '.join(others)}")
    if slip_rev < task.rev:
        return Decision(status, "stale", conf,
                        f"printed at rev {slip_rev}; the task changed since (now rev {task.rev}, "
                        f"{task.status})")
    if slip_rev > task.rev:
        return Decision(status, "review", conf,
                        f"slip rev {slip_rev} is newer than the record's rev {task.rev}")
    return Decision(status, "applied", conf, f"{task.status} → {status}")
