"""A slip typed in by hand when its photos fail (DESIGN §4: its code's text is printed under
the code for that): `paperkit type CODE MARK`, paperkit.scan.pipeline.type_slip."""

from __future__ import annotations

import json

import pytest
from scan_images import log_print

from paperkit import codes
from paperkit.errors import InvalidValue
from paperkit.kit import init_kit
from paperkit.record.db import Source
from paperkit.record.scans import pending_reviews
from paperkit.record.tasks import get_task, set_status
from paperkit.scan.pipeline import type_slip, typed_code

#: The record's own print check, not the suite's stand-in: each test logs its slips' print.
pytestmark = pytest.mark.real_prints


@pytest.fixture
def kit_rec(tmp_path):
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "setup")) as w:
        for task in ("T0001", "T0002"):
            w.insert("tasks", {"id": task, "title": f"task {task}", "status": "open"})
    return kit, rec


def _code(kit, rec, task: str = "T0001", rev: int = 1) -> str:
    text = codes.build(kit.key, kit.id, task, rev).text
    log_print(rec, text)
    return text


def _scans(rec) -> int:
    return rec.query_one("SELECT count(*) FROM scans")[0]


def test_a_typed_slip_is_applied_once_and_logged(kit_rec):
    kit, rec = kit_rec
    text = _code(kit, rec)
    res = type_slip(kit, rec, f"  {text.lower()} ", "Done")  # spaces, small letters
    assert [(s.task, s.outcome, s.status) for s in res.slips] == [("T0001", "applied", "done")]
    assert get_task(rec, "T0001").status == "done"
    event = rec.query_one("SELECT source_kind, source FROM events WHERE tbl = 'tasks'"
                          " AND row_id = 'T0001' ORDER BY id DESC LIMIT 1")
    assert tuple(event) == ("cli", f"typed {text} done")
    again = type_slip(kit, rec, text, "done")  # typed again: nothing changes
    assert again.already_scanned and _scans(rec) == 1
    assert get_task(rec, "T0001").rev == 2


def test_a_blank_typed_slip_changes_nothing(kit_rec):
    kit, rec = kit_rec
    res = type_slip(kit, rec, _code(kit, rec), "none")
    assert [(s.outcome, s.status) for s in res.slips] == [("unchanged", None)]
    assert get_task(rec, "T0001").status == "open"


def test_a_zero_typed_for_an_o_in_the_tag_is_read_as_the_letter(kit_rec):
    kit, rec = kit_rec
    task = next(f"T{n:04d}" for n in range(3, 999)
                if "O" in codes.build(kit.key, kit.id, f"T{n:04d}", 1).tag)
    with rec.write(Source("cli", "test")) as w:
        w.insert("tasks", {"id": task, "title": "x", "status": "open"})
    text = _code(kit, rec, task)
    head, tag = text.rsplit(":", 1)
    typed = f"{head}:{tag.replace('O', '0')}"
    assert typed_code(typed) == text
    res = type_slip(kit, rec, typed, "stuck")
    assert [(s.outcome, s.status, s.reason) for s in res.slips] == [
        ("applied", "stuck", "open → stuck")]


def test_a_mistyped_code_changes_nothing_and_is_not_kept(kit_rec):
    """A typo anywhere makes the tag fail: never another task's status."""
    kit, rec = kit_rec
    text = _code(kit, rec)
    wrong = text.replace("T0001", "T0002")
    res = type_slip(kit, rec, wrong, "done")
    assert [s.outcome for s in res.slips] == ["bad-code"]
    assert "does not verify" in res.slips[0].reason
    assert get_task(rec, "T0002").status == "open" and _scans(rec) == 0
    other = codes.build(b"k" * 32, "ZZZZ", "T0001", 1).text
    assert [s.outcome for s in type_slip(kit, rec, other, "done").slips] == ["other-kit"]
    assert _scans(rec) == 0


def test_a_typed_slip_older_than_the_task_is_stale_and_queued(kit_rec):
    kit, rec = kit_rec
    text = _code(kit, rec)
    with rec.write(Source("cli", "test")) as w:
        set_status(w, "T0001", "taken")  # the task moved on after the print
    res = type_slip(kit, rec, text, "dropped")
    assert [(s.outcome, s.status) for s in res.slips] == [("stale", "dropped")]
    assert get_task(rec, "T0001").status == "taken"
    assert [i.task for i in pending_reviews(rec)] == ["T0001"]


def test_the_same_slip_typed_again_otherwise_goes_to_review_never_applied(kit_rec):
    kit, rec = kit_rec
    text = _code(kit, rec, "T0002")
    assert [s.outcome for s in type_slip(kit, rec, text, "none").slips] == ["unchanged"]
    assert [s.outcome for s in type_slip(kit, rec, text, "taken").slips] == ["applied"]
    res = type_slip(kit, rec, text, "done")  # its rev went up when taken was applied
    assert [(s.outcome, s.status) for s in res.slips] == [("review", "done")]
    assert res.slips[0].reason == ("another photo of this slip read taken; the task is now"
                                   " taken (rev 2), as that photo read")
    assert get_task(rec, "T0002").status == "taken"
    assert [i.task for i in pending_reviews(rec)] == ["T0002"]


def test_a_mark_that_is_not_a_box_is_refused(kit_rec):
    kit, rec = kit_rec
    with pytest.raises(InvalidValue):
        type_slip(kit, rec, _code(kit, rec), "finished")


def test_a_dry_run_says_what_a_real_one_would_and_writes_nothing(kit_rec):
    kit, rec = kit_rec
    res = type_slip(kit, rec, _code(kit, rec), "done", dry_run=True)
    assert [(s.outcome, s.status) for s in res.slips] == [("applied", "done")]
    never = codes.build(kit.key, kit.id, "T0002", 1).text  # a slip this record never printed
    res = type_slip(kit, rec, never, "done", dry_run=True)
    assert [s.outcome for s in res.slips] == ["review"]
    assert "never printed" in res.slips[0].reason and res.dry_run
    assert get_task(rec, "T0001").status == "open" and _scans(rec) == 0
    assert pending_reviews(rec) == []


def test_the_type_command(run, tmp_path):
    kit = init_kit(tmp_path / "k")
    with kit.open_record() as rec:
        with rec.write(Source("cli", "setup")) as w:
            w.insert("tasks", {"id": "T0001", "title": "x", "status": "open"})
        text = _code(kit, rec)
    k = ("--kit", str(kit.path))
    code, out, err = run(*k, "type", text, "DONE", "--dry-run")
    assert code == 0 and "dry run" in out and "open → done" in out
    code, out, err = run(*k, "type", text, "done", "--json")
    assert code == 0 and json.loads(out)["slips"][0]["outcome"] == "applied"
    code, out, err = run(*k, "type", text, "done")
    assert code == 0 and "already typed in on" in out
    code, out, err = run(*k, "type", text, "maybe")
    assert code == 2 and "maybe" in err
    code, out, err = run(*k, "type", text[:-1] + "A", "stuck")
    assert code == 1 and "does not verify" in out
