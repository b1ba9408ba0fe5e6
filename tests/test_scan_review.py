"""The review queue and the scan/review commands."""

from __future__ import annotations

import json

import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.cli import main
from paperkit.errors import InvalidValue, NotFound
from paperkit.kit import init_kit
from paperkit.record.db import Source
from paperkit.record.models import Task
from paperkit.record.tasks import get_task
from paperkit.scan import review, scan_photos
from paperkit.scan.decide import decide
from paperkit.scan.marks import BoxRead


@pytest.fixture
def queued(tmp_path):
    """A kit where T0001 was applied, T0002 double-marked and T0003 stale."""
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "setup")) as w:
        for i in (1, 2, 3):
            w.insert("tasks", {"id": f"T000{i}", "title": f"task {i}"})
    slips = [(codes.build(kit.key, kit.id, f"T000{i}", 1).text, marks) for i, marks in
             ((1, (Mark("done"),)), (2, (Mark("done"), Mark("stuck"))), (3, (Mark("taken"),)))]
    with rec.write(Source("cli", "edit")) as w:
        w.update("tasks", "T0003", {"title": "renamed after printing", "status": "stuck"})
    path = tmp_path / "meeting.jpg"
    save(grid_photo(slips, size=(2000, 1000), cols=3, s=2.4, seed=8), path)
    return kit, rec, path


def _run(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out = capsys.readouterr()
    return exc.value.code, out.out, out.err


def test_queue_lists_lowest_confidence_first_with_crop(queued):
    kit, rec, path = queued
    scan_photos(kit, rec, [path])
    items = review.pending(rec)
    assert sorted(i.task for i in items) == ["T0002", "T0003"]
    assert [i.confidence for i in items] == sorted(i.confidence for i in items)
    stale = next(i for i in items if i.task == "T0003")
    assert stale.reason.startswith("stale") and stale.suggested == "taken"
    for i in items:
        assert (kit.path / i.crop).is_file()


def test_review_set_wins_and_is_logged(queued):
    kit, rec, path = queued
    scan_photos(kit, rec, [path])
    done = review.set_status(rec, "T0003", "taken")
    assert (done.before, done.after) == ("stuck", "taken")
    assert get_task(rec, "T0003").status == "taken"
    ev = rec.query("SELECT source_kind, source FROM events WHERE tbl = 'tasks' AND row_id = 'T0003'"
                   " ORDER BY id DESC LIMIT 1")[0]
    assert ev["source_kind"] == "review" and "T0003" in ev["source"]
    assert [i.task for i in review.pending(rec)] == ["T0002"]


def test_review_skip_leaves_the_task(queued):
    kit, rec, path = queued
    scan_photos(kit, rec, [path])
    rev = get_task(rec, "T0002").rev
    assert len(review.skip(rec, "T0002").closed) == 1
    assert get_task(rec, "T0002").status == "open" and get_task(rec, "T0002").rev == rev
    with pytest.raises(NotFound):
        review.skip(rec, "T0002")
    with pytest.raises(InvalidValue):
        review.set_status(rec, "T0003", "finished")


def test_scan_command_table_json_and_exit_codes(queued, capsys, monkeypatch):
    kit, rec, path = queued
    monkeypatch.chdir(kit.path)
    code, out, err = _run(capsys, "scan", "--dry-run", "--json", str(path))
    assert code == 1
    (obj,) = [json.loads(line) for line in out.splitlines()]
    assert set(obj) >= {"photo", "sha256", "slips", "errors"}
    assert sorted(s["outcome"] for s in obj["slips"]) == ["applied", "review", "stale"]
    code, out, err = _run(capsys, "scan", str(path))
    assert code == 1 and "T0002" in out and "paperkit review" in out
    code, out, err = _run(capsys, "review")
    assert code == 1 and "T0002" in out and "picture:" in out
    boxes = [line.split()[1:] for line in out.splitlines() if line.strip().startswith("boxes:")]
    assert boxes and all([b.split("=")[0] for b in row] == ["taken", "done", "stuck", "dropped"]
                         for row in boxes)  # in the order the slip prints them
    code, out, err = _run(capsys, "review", "set", "T0002", "done")
    assert code == 0 and "open → done" in out
    code, out, err = _run(capsys, "review", "skip", "t0003")
    assert code == 0
    code, out, err = _run(capsys, "review")
    assert code == 0 and "nothing to review" in out
    code, out, err = _run(capsys, "scan", str(path))  # the same photo again
    assert code == 0 and "already scanned" in out
    code, out, err = _run(capsys, "scan", "--decoder", "nope", str(path))
    assert code == 2


def test_scan_command_exit_0_when_all_applied(tmp_path, capsys, monkeypatch):
    kit = init_kit(tmp_path / "kit")
    with kit.open_record() as rec, rec.write(Source("cli", "setup")) as w:
        w.insert("tasks", {"id": "T0001", "title": "t"})
    path = tmp_path / "p.jpg"
    save(grid_photo([(codes.build(kit.key, kit.id, "T0001", 1).text, (Mark("taken"),))],
                    size=(1200, 900), cols=1, s=3.0), path)
    monkeypatch.chdir(kit.path)
    code, out, err = _run(capsys, "scan", str(path), str(path))
    assert code == 0 and "applied" in out
    assert out.splitlines()[-1] == "2 photo(s): 1 applied, 1 scanned before (nothing changed)"
    assert "[2/2]" in err  # progress on stderr for several photos
    code, out, err = _run(capsys, "scan", str(tmp_path))  # a folder: the photo in it
    assert code == 0 and "already scanned" in out and "[1/1]" not in err
    assert out.splitlines()[-1] == "1 photo(s): 1 scanned before (nothing changed)"
    (tmp_path / "empty").mkdir()
    code, out, err = _run(capsys, "scan", str(tmp_path / "empty"))
    assert code == 1 and "holds no photos" in err and "Traceback" not in err


def _reads(**scores) -> dict[str, BoxRead]:
    return {b: BoxRead(score=scores.get(b, 0.0), confidence=1.0, cover=0, fill=0, over=0,
                       contrast=100) for b in ("taken", "done", "stuck", "dropped")}


@pytest.mark.parametrize("reads, slip_rev, task, earlier, outcome", [
    (_reads(done=0.9), 2, Task("T1", "t", status="open", rev=2), [], "applied"),
    (_reads(done=0.9), 2, Task("T1", "t", status="done", rev=2), [], "unchanged"),
    (_reads(), 2, Task("T1", "t", rev=2), [], "unchanged"),
    (_reads(done=0.9, stuck=0.9), 2, Task("T1", "t", rev=2), [], "review"),
    (_reads(done=0.4), 2, Task("T1", "t", rev=2), [], "review"),
    (_reads(done=0.9), 1, Task("T1", "t", status="taken", rev=2), [], "stale"),
    (_reads(done=0.9), 1, Task("T1", "t", status="done", rev=2), [], "unchanged"),
    (_reads(done=0.9), 2, Task("T1", "t", rev=2), ["stuck"], "review"),
    (_reads(done=0.9), 2, Task("T1", "t", rev=2), ["", "done"], "applied"),
    (_reads(done=0.9), 1, Task("T1", "t", status="stuck", rev=2), ["dropped"], "review"),
    (_reads(done=0.9), 2, Task("T1", "t", rev=2), ["done+stuck"], "review"),  # lost a mark?
    (_reads(done=0.9), 3, Task("T1", "t", rev=2), [], "review"),
    (_reads(done=0.9), 2, None, [], "unknown-task"),
])
def test_decisions(reads, slip_rev, task, earlier, outcome):
    assert decide(reads, slip_rev, task, earlier).outcome == outcome


def test_a_read_disagreeing_with_another_photo_says_the_slip_is_out_of_date_too():
    """A person decided the task in review since (its rev went up): a later photo of the
    old slip, disagreeing with the first one's unsure read, said only that another photo
    read otherwise, not that the slip is out of date (red team, round five)."""
    d = decide(_reads(done=0.9), 1, Task("T1", "t", status="stuck", rev=2), ["dropped"])
    assert (d.outcome, d.status) == ("review", "done")
    assert d.reason == ("another photo of this slip read dropped; and the slip is out of date:"
                        " printed at rev 1, the task changed since (now rev 2, stuck)")


def test_a_read_after_another_photo_applied_the_slip_says_so_not_that_it_is_out_of_date():
    """The task moved on once, to what another photo of this slip read (it was applied
    from it): a later disagreeing or unclear read said the slip is out of date, which
    misled (a red team, the fortieth session); a decision since still says so."""
    done = Task("T1", "t", status="done", rev=2)
    assert decide(_reads(taken=0.9), 1, done, ["done"]).reason == (
        "another photo of this slip read done; the task is now done (rev 2), as that photo"
        " read")
    assert decide(_reads(done=0.9, stuck=0.9), 1, done, ["done"]).reason == (
        "done and stuck are both marked; the task is now done (rev 2), as another photo of"
        " this slip read")
    decided = Task("T1", "t", status="done", rev=3)
    assert decide(_reads(done=0.9, stuck=0.9), 1, decided, ["done"]).reason.endswith(
        "; and the slip is out of date: printed at rev 1, the task changed since (now rev"
        " 3, done)")


def test_a_box_whose_outline_was_not_found_is_never_applied():
    reads = _reads(done=1.0)
    reads["done"] = BoxRead(score=1.0, confidence=1.0, cover=0.5, fill=0.5, over=0,
                            contrast=12, outline=False)
    assert decide(reads, 1, Task("T1", "t", rev=1)).outcome == "review"


def _box(score: float = 0.0, cover: float = 0.0, **kw) -> BoxRead:
    return BoxRead(score=score, confidence=1.0, cover=cover, fill=0, over=0, contrast=100, **kw)


@pytest.mark.parametrize("why, reads", [
    ("the stuck box holds a trace of ink", {"done": _box(1.0, 0.2), "stuck": _box(0.0, 0.008)}),
    ("the stuck box is unclear", {"done": _box(1.0, 0.2), "stuck": _box(0.3, 0.02)}),
    ("the stuck box may hold a faint mark",
     {"done": _box(1.0, 0.2), "stuck": _box(faint=0.1), "taken": _box(), "dropped": _box()}),
])
def test_a_slip_held_beside_its_one_clear_mark_suggests_it_and_is_not_sure(why, reads):
    """A slip held because another box may hold a light mark is not applied, but the queue
    shows what it most likely says (its one clear mark) so the person can confirm it; and
    its confidence says the reading is unsure, though each box read surely."""
    from paperkit.scan.decide import HELD_CONFIDENCE

    reads = {**_reads(), **reads}
    d = decide(reads, 1, Task("T1", "t", rev=1))
    assert d.outcome == "review" and why in d.reason
    assert d.status == "done" and d.confidence <= HELD_CONFIDENCE


@pytest.mark.parametrize("reads", [
    {"done": _box(1.0, 0.2), "stuck": _box(1.0, 0.2)},  # two clear marks
    {"done": _box(1.0, 0.8, spread=0.4, crossings=3), "stuck": _box(0.0, 0.008)},  # struck?
    {"done": _box(0.0, 0.008)},  # no mark, a trace
    {"done": _box(0.3, 0.02)},  # no mark, one box unclear
])
def test_a_held_slip_without_one_clear_mark_suggests_nothing(reads):
    """Two marks (one may look struck out: a box filled in reads the same), a lone mark that
    looks scribbled over, or no clear mark: the queue does not lean the person either way."""
    d = decide({**_reads(), **reads}, 1, Task("T1", "t", rev=1))
    assert d.outcome == "review" and d.status is None


def test_a_double_mark_read_surely_keeps_its_confidence():
    """Two boxes clearly marked is a sure reading whose answer is review: it is listed after
    the slips whose reading is in doubt (lowest confidence first)."""
    from paperkit.scan.decide import HELD_CONFIDENCE

    d = decide(_reads(done=1.0, stuck=1.0), 1, Task("T1", "t", rev=1))
    assert d.outcome == "review" and d.confidence > HELD_CONFIDENCE
    held = decide({**_reads(), "done": _box(1.0, 0.2), "stuck": _box(0.0, 0.008)}, 1,
                  Task("T1", "t", rev=1))
    assert held.confidence < d.confidence


def test_scan_table_shows_the_photos_advice():
    from paperkit.commands.scancmd import _table
    from paperkit.scan import PhotoResult

    res = PhotoResult(photo="p.jpg", sha256="ab" * 32, advice=("photograph fewer slips",))
    assert "  tip: photograph fewer slips" in _table(res)
    assert not any("tip:" in line for line in _table(PhotoResult(photo="p.jpg", sha256=None)))
