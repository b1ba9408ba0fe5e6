"""The scan pipeline end to end: photos of marked slips → decisions → the record."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from scan_images import (
    Mark,
    compose,
    dried_drop,
    fingertip,
    grid_photo,
    hard_shadow,
    harness_sheet,
    log_print,
    render_slip,
    save,
    slip_at,
)

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record.db import Source
from paperkit.record.scans import pending_reviews
from paperkit.record.tasks import get_task
from paperkit.scan import missing as missing_mod
from paperkit.scan import pipeline as pipeline_mod
from paperkit.scan import scan_photos
from paperkit.scan.decode import find_codes
from paperkit.scan.geometry import code_homography

STATUSES = list(S.BOXES)


def _kit(tmp_path, n: int, status: str = "open"):
    kit = init_kit(tmp_path / "kit", name="Scan test")
    rec = kit.open_record()
    with rec.write(Source("cli", "test setup")) as w:
        for i in range(1, n + 1):
            w.insert("tasks", {"id": f"T{i:04d}", "title": f"task {i}", "status": status})
    return kit, rec


def _code(kit, task: str, rev: int = 1) -> str:
    return codes.build(kit.key, kit.id, task, rev).text


def _events(rec) -> int:
    return rec.query_one("SELECT count(*) FROM events")[0]


def _photo(tmp_path, name, slips, size=(2000, 1500), cols=3, s=2.6, seed=0, quality=88):
    path = tmp_path / name
    save(grid_photo(slips, size=size, cols=cols, s=s, seed=seed), path, quality)
    return path


@pytest.fixture(scope="module")
def big_round_trip(tmp_path_factory):
    """20 marked slips in one 8 MP photo, scanned once into a fresh kit."""
    tmp = tmp_path_factory.mktemp("rt")
    kit, rec = _kit(tmp, 20)
    kinds, inks = ("tick", "cross", "fill"), ("black", "blue", "pencil")
    truth, slips = {}, []
    for i in range(20):
        task = f"T{i + 1:04d}"
        box = STATUSES[i % 4]
        truth[task] = box
        slips.append((_code(kit, task), (Mark(box, kinds[i % 3], inks[(i // 3) % 3]),)))
    log_print(rec, *(code for code, _ in slips))  # a module fixture: conftest's stand-in
    # for the print does not reach it
    path = tmp / "meeting.jpg"
    save(grid_photo(slips, size=(3400, 2400), cols=5, seed=3), path, 85)
    results = scan_photos(kit, rec, [path])
    return kit, rec, truth, path, results


def test_round_trip_20_slips_applies_every_status(big_round_trip):
    kit, rec, truth, path, results = big_round_trip
    (res,) = results
    assert res.errors == ()
    assert sorted(s.task for s in res.slips) == sorted(truth)
    for s in res.slips:
        assert s.outcome == "applied", s
        assert s.status == truth[s.task]
        assert get_task(rec, s.task).status == truth[s.task]
        assert get_task(rec, s.task).rev == 2
    events = rec.query("SELECT DISTINCT source_kind, source FROM events WHERE tbl = 'tasks'"
                       " AND action = 'update'")
    assert [(e["source_kind"], e["source"]) for e in events] == [("scan", res.sha256)]


def test_round_trip_keeps_crops_and_photo_without_metadata(big_round_trip):
    kit, rec, truth, path, results = big_round_trip
    (res,) = results
    crops = rec.query("SELECT task, kind, path FROM task_crops ORDER BY task, kind")
    assert len(crops) == 40
    assert {c["kind"] for c in crops} == {"note", "steward"}
    from PIL import Image

    for c in crops[:4]:
        im = Image.open(kit.path / c["path"])
        assert im.format == "PNG" and im.mode == "L"
        assert not im.info.get("exif") and not im.text
    stored = kit.path / res.stored
    assert stored.exists() and stored.read_bytes()[:2] == b"\xff\xd8"
    assert b"Exif" not in stored.read_bytes()[:4096]


def test_rescanning_the_same_photo_changes_nothing(big_round_trip):
    kit, rec, truth, path, results = big_round_trip
    before = _events(rec)
    (again,) = scan_photos(kit, rec, [path])
    assert again.already_scanned and again.slips == () and again.ok
    assert _events(rec) == before


@pytest.mark.real_prints  # its slips are printed (synth.slip_sheet logs the print)
@pytest.mark.parametrize("n, least, mirrored", [(20, 15, False), (30, 24, False),
                                                (20, 15, True)])
def test_harness_12mp_photo_of_many_slips_never_applies_a_wrong_status(tmp_path, n, least,
                                                                        mirrored):
    """The project's own slips PDF, marked and photographed by the synthetic harness: 20
    slips, and 30 (the most the issue asks for in one photo); and 20 in a mirror image of
    the photo (a front camera's), read mirrored back."""
    synth = pytest.importorskip("paperkit.synth")
    kit, rec = _kit(tmp_path, 0)
    rng = np.random.default_rng(11)
    before, pages, entries = harness_sheet(synth, kit, rec, rng, n)
    assert len(entries) == n
    crops = [synth.mark_slip(pages[i], e, 200, synth.random_spec(rng), rng) for i, e in entries]
    jpeg, truth = synth.compose_photo(crops, rng, megapixels=12)
    path = tmp_path / "harness.jpg"
    path.write_bytes(jpeg)
    if mirrored:
        from PIL import Image, ImageOps

        ImageOps.mirror(Image.open(path)).save(path, quality=92)
    (res,) = scan_photos(kit, rec, [path])
    assert any("mirror image" in tip for tip in res.advice) == mirrored
    if mirrored:  # read, not all held: 13 of the 20 are applied unmirrored, and mirrored
        assert sum(s.outcome == "applied" for s in res.slips) >= 10
    accept = {p.truth.task: p.truth.accept for p in truth.slips}
    assert len(res.slips) >= least, f"only {len(res.slips)} of {n} slips read"
    read = {s.task: s for s in res.slips}
    for task, old in before.items():
        s = read.get(task)
        now = get_task(rec, task)
        if s is not None and s.outcome == "applied":
            assert s.status in accept[task], s
            assert now.status == s.status
        else:  # never changed by anything but a clear read
            assert (now.status, now.rev) == (old.status, old.rev)


def test_blank_slip_changes_nothing_and_double_mark_goes_to_review(tmp_path):
    kit, rec = _kit(tmp_path, 3)
    path = _photo(tmp_path, "p.jpg", [
        (_code(kit, "T0001"), ()),
        (_code(kit, "T0002"), (Mark("taken"), Mark("done", "cross"))),
        (_code(kit, "T0003"), (Mark("stuck", "tick", "pencil"),)),
    ])
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    assert by["T0001"].outcome == "unchanged" and by["T0001"].status is None
    assert by["T0002"].outcome == "review"
    assert by["T0003"].outcome == "applied" and by["T0003"].status == "stuck"
    assert get_task(rec, "T0001").status == "open" and get_task(rec, "T0001").rev == 1
    assert get_task(rec, "T0002").status == "open"
    assert [r.task for r in pending_reviews(rec)] == ["T0002"]
    assert not res.ok


def test_stray_dot_is_not_a_mark(tmp_path):
    kit, rec = _kit(tmp_path, 1)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done", "dot"),))],
                  size=(1200, 900), cols=1)
    (res,) = scan_photos(kit, rec, [path])
    assert [(s.outcome, s.status) for s in res.slips] == [("unchanged", None)]


def test_stale_slip_goes_to_review_and_never_overwrites(tmp_path):
    kit, rec = _kit(tmp_path, 1)
    old = _code(kit, "T0001", 1)
    with rec.write(Source("cli", "test")) as w:  # changed after the slip was printed
        w.update("tasks", "T0001", {"status": "stuck"})
    path = _photo(tmp_path, "p.jpg", [(old, (Mark("done"),))], size=(1200, 900), cols=1)
    (res,) = scan_photos(kit, rec, [path])
    (s,) = res.slips
    assert (s.outcome, s.status, s.rev) == ("stale", "done", 1)
    assert get_task(rec, "T0001").status == "stuck"
    (item,) = pending_reviews(rec)
    assert item.task == "T0001" and item.suggested == "done" and item.crop
    assert (kit.path / item.crop).exists()


def test_forged_and_other_kit_codes_are_reported_and_change_nothing(tmp_path):
    kit, rec = _kit(tmp_path, 2)
    good = codes.parse(_code(kit, "T0001"))
    forged = f"PK1:{kit.id}:T0001:1:{'A' * 8 if good.tag != 'A' * 8 else 'B' * 8}"
    other = init_kit(tmp_path / "other")
    foreign = codes.build(other.key, other.id, "T0002", 1).text
    assert other.id != kit.id
    path = _photo(tmp_path, "p.jpg", [(forged, (Mark("done"),)), (foreign, (Mark("done"),))],
                  size=(1600, 900), cols=2)
    before = _events(rec)
    (res,) = scan_photos(kit, rec, [path])
    outcomes = sorted((s.outcome, s.task) for s in res.slips)
    assert outcomes == [("bad-code", "T0001"), ("other-kit", "T0002")]
    assert get_task(rec, "T0001").status == "open" and get_task(rec, "T0002").status == "open"
    changed = rec.query("SELECT DISTINCT tbl FROM events WHERE id > ?", (before,))
    assert {r["tbl"] for r in changed} == {"scans"}
    assert res.as_json()["slips"][0].keys() >= {"task", "rev", "read", "status", "outcome",
                                                "confidence"}


def test_a_rescan_says_again_the_slips_no_scan_applies(tmp_path, run):
    """A photo of a forged code, another kit's code and a task not in the record needs a
    person (exit 1); scanned again it said "already scanned, nothing changed" and exit 0, as
    if all were well. The rescan now lists those slips again, as the first scan read them,
    and exits 1 again; nothing is written either time but the scan."""
    kit, rec = _kit(tmp_path, 2)
    good = codes.parse(_code(kit, "T0001"))
    forged = f"PK1:{kit.id}:T0001:1:{'A' * 8 if good.tag != 'A' * 8 else 'B' * 8}"
    other = init_kit(tmp_path / "other")
    foreign = codes.build(other.key, other.id, "T0002", 1).text
    path = _photo(tmp_path, "p.jpg", [(forged, (Mark("done"),)), (foreign, (Mark("done"),)),
                                      (_code(kit, "T0099"), (Mark("done"),))],
                  size=(2400, 900), cols=3)
    first = scan_photos(kit, rec, [path])[0]
    expected = sorted((s.outcome, s.task) for s in first.slips)
    assert expected == [("bad-code", "T0001"), ("other-kit", "T0002"),
                        ("unknown-task", "T0099")]
    before = _events(rec)
    (again,) = scan_photos(kit, rec, [path])
    assert again.already_scanned and not again.ok
    assert sorted((s.outcome, s.task) for s in again.slips) == expected
    assert _events(rec) == before
    code, out, _ = run("--kit", str(kit.path), "scan", str(path))
    assert code == 1 and "already scanned" in out and "3 slip(s) it holds cannot be applied" in out
    assert "other-kit" in out and "bad-code" in out and "unknown-task" in out
    assert "3 of their slips cannot be applied" in out


def test_unknown_task_is_reported(tmp_path):
    kit, rec = _kit(tmp_path, 1)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0099"), (Mark("done"),))],
                  size=(1200, 900), cols=1)
    (res,) = scan_photos(kit, rec, [path])
    assert [s.outcome for s in res.slips] == ["unknown-task"]


def test_two_photos_of_one_slip_that_disagree_go_to_review(tmp_path):
    kit, rec = _kit(tmp_path, 1)
    code = _code(kit, "T0001")
    first = _photo(tmp_path, "a.jpg", [(code, (Mark("done"),))], size=(1200, 900), cols=1)
    second = _photo(tmp_path, "b.jpg", [(code, (Mark("stuck"),))], size=(1200, 900), cols=1,
                    seed=5)
    a, b = scan_photos(kit, rec, [first, second])
    assert [(s.outcome, s.status) for s in a.slips] == [("applied", "done")]
    assert [(s.outcome, s.status) for s in b.slips] == [("review", "stuck")]
    assert "another photo" in b.slips[0].reason
    assert get_task(rec, "T0001").status == "done"


def test_a_photo_that_misses_a_mark_an_earlier_photo_read_goes_to_review(tmp_path):
    """One photo reads two marks on a slip (review); a later, poorer photo of the same slip
    reads only one of them. The photos disagree: applying the one would be a wrong status,
    so the later read goes to review too, naming what the earlier photo read. The same
    within one photo holding two copies of the slip."""
    kit, rec = _kit(tmp_path, 2)
    code = _code(kit, "T0001")
    both = _photo(tmp_path, "a.jpg", [(code, (Mark("done"), Mark("stuck")))], size=(1200, 900),
                  cols=1)
    one = _photo(tmp_path, "b.jpg", [(code, (Mark("done"),))], size=(1200, 900), cols=1, seed=5)
    a, b = scan_photos(kit, rec, [both, one])
    assert [(s.outcome, s.says) for s in a.slips] == [("review", "done+stuck")]
    assert [(s.outcome, s.status) for s in b.slips] == [("review", "done")]
    assert b.slips[0].reason == "another photo of this slip read done and stuck"
    assert get_task(rec, "T0001").status == "open"
    # two copies of one slip in one photo, one read with both marks, one with one
    code2 = _code(kit, "T0002")
    copies = _photo(tmp_path, "c.jpg", [(code2, (Mark("taken"), Mark("dropped"))),
                                        (code2, (Mark("taken"),))], size=(2000, 900), cols=2)
    (c,) = scan_photos(kit, rec, [copies])
    assert [s.outcome for s in c.slips] == ["review", "review"]
    assert all(s.reason == "copies of this slip in the photo disagree: taken, or taken and "
                           "dropped" for s in c.slips)
    assert get_task(rec, "T0002").status == "open"


@pytest.mark.parametrize("meanwhile, outcome, why, status", [
    ("stuck", "review", "the task changed while the photo was read (now rev 2, stuck); "
     "check which is right", "stuck"),
    ("done", "unchanged", "already done", "done"),
    ("another photo", "review", "another photo of this slip read stuck", "open"),
])
def test_what_is_written_while_a_photo_is_read_is_not_overwritten(tmp_path, monkeypatch,
                                                                  meanwhile, outcome, why,
                                                                  status):
    """The kiosk's task edits, and a scan in another process, can write while a photo is
    read. The photo's transaction checks each applied slip again: a task changed meanwhile
    is not overwritten (the slip goes to review, with its picture, unless the change was to
    the same status), and neither is a photo of the same slip read meanwhile as something
    else."""
    from paperkit.record import scans as rs
    from paperkit.record.tasks import set_status

    def write(w, photo):
        if meanwhile == "another photo":
            rs.add_scan(w, "f" * 64, "", {})
            rs.add_slip_read(w, "f" * 64, "T0001", 1, "stuck", "applied", 1.0)
        else:
            set_status(w, "T0001", meanwhile)

    kit, rec, path = _meanwhile(tmp_path, monkeypatch, write)
    (res,) = scan_photos(kit, rec, [path])
    (slip,) = res.slips
    assert (slip.outcome, slip.reason, slip.status) == (outcome, why, "done")
    assert get_task(rec, "T0001").status == status
    stored = json.loads(rec.query_one("SELECT result FROM scans WHERE sha256 = ?",
                                      (res.sha256,))["result"])
    assert stored["slips"][0]["outcome"] == outcome  # the record says what was done
    items = pending_reviews(rec)
    assert len(items) == (outcome == "review")
    for item in items:
        assert item.suggested == "done" and (kit.path / item.crop).is_file()


def test_the_same_photo_committed_meanwhile_by_another_scan_is_not_written_twice(
        tmp_path, monkeypatch):
    """The kiosk and a command can scan the same file at once: the second to commit finds
    it scanned already and writes nothing (it used to fail on the scans table's key)."""
    from paperkit.record import scans as rs

    kit, rec, path = _meanwhile(tmp_path, monkeypatch, lambda w, photo: rs.add_scan(
        w, photo.sha256, "photos/elsewhere.jpg", {}))
    events = _events(rec)
    (res,) = scan_photos(kit, rec, [path])
    assert res.already_scanned and not res.slips and not res.errors
    assert res.stored == "photos/elsewhere.jpg"
    assert _events(rec) == events + 1  # only the other scan's row
    assert get_task(rec, "T0001").status == "open"


def _meanwhile(tmp_path, monkeypatch, write):
    """A kit with task T0001, a photo of its slip marked done, and ``write(w, photo)`` run
    in another connection to the record after the photo is read and before its results
    are committed (as the kiosk or another process would)."""
    from paperkit.record import Record

    kit, rec = _kit(tmp_path, 1)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),))],
                  size=(1200, 900), cols=1)
    real = pipeline_mod.store_photo

    def store_photo(kit_, photo):
        with Record.open(kit.path / "record.sqlite") as other:
            with other.write(Source("kiosk", "meanwhile")) as w:
                write(w, photo)
        return real(kit_, photo)

    monkeypatch.setattr(pipeline_mod, "store_photo", store_photo)
    return kit, rec, path


@pytest.mark.parametrize("shift", [2, 3])
def test_a_slip_laid_over_another_never_lends_it_its_mark(tmp_path, shift):
    """Slips fanned out on a table, each laid over the one before: the one below shows its
    code and its last boxes, and where its first boxes are, the top slip's boxes lie, one
    of them ticked. Read as its own, that tick applied a wrong status to the slip below."""
    kit, rec = _kit(tmp_path, 2)
    px, pitch = 3.0, S.BOXES["done"].x0 - S.BOXES["taken"].x0
    over = STATUSES[shift]  # the top slip's box that lies on the lower one's taken box
    below = (render_slip(_code(kit, "T0002"), (), s=6), slip_at(900, 300, px))
    top = (render_slip(_code(kit, "T0001"), (Mark(over, "tick"),), s=6),
           slip_at(900 - shift * pitch * px, 300 + px, px))
    path = tmp_path / "fanned.jpg"
    save(compose([below, top], (2000, 1200), seed=shift), path, 88)
    (res,) = scan_photos(kit, rec, [path])
    got = {s.task: s for s in res.slips}
    assert got["T0001"].outcome == "applied" and got["T0001"].status == over
    assert got["T0002"].outcome == "review" and got["T0002"].status is None
    assert "the slip of T0001 lies over part of this one (its taken" in got["T0002"].reason
    assert get_task(rec, "T0002").status == "open"
    assert [r.task for r in pending_reviews(rec)] == ["T0002"]


@pytest.mark.parametrize("dark", [0.55, 0.75])
def test_a_hard_shadow_across_a_blank_slip_never_applies_a_status(tmp_path, dark):
    """The phone's shadow under a lamp: its sharp edge runs across a box of each slip. Blank
    slips used to apply the status of the box the edge crossed; marked ones still read
    their mark, or go to review."""
    kit, rec = _kit(tmp_path, 4)
    px, marks = 3.0, {"T0001": None, "T0002": "done", "T0003": None, "T0004": "stuck"}
    slips, edges = [], []
    for i, (task, mark) in enumerate(marks.items()):
        x, y = 100 + i % 2 * 300 * px, 100 + i // 2 * 210 * px
        slips.append((render_slip(_code(kit, task), (Mark(mark),) if mark else (), s=6),
                      slip_at(x, y, px)))
        r = S.BOXES[STATUSES[i]]  # the edge runs through a different box on each slip
        edges.append((x + (r.x0 + 4) * px, y + (r.y0 + 5) * px))
    photo = compose(slips, (int(200 + 600 * px), int(200 + 420 * px)), seed=1)
    for i, through in enumerate(edges):  # one shadow edge a slip, each over its own slip
        x, y = 100 + i % 2 * 300 * px, 100 + i // 2 * 210 * px
        part = photo[int(y) - 5:int(y + S.SLIP_H * px) + 5, int(x) - 5:int(x + S.SLIP_W * px) + 5]
        part[:] = hard_shadow(part, (through[0] - x + 5, through[1] - y + 5), 30 + 70 * i, dark)
    path = tmp_path / "lamp.jpg"
    save(photo, path, 88)
    (res,) = scan_photos(kit, rec, [path])
    got = {s.task: s for s in res.slips}
    assert set(got) == set(marks)
    for task, mark in marks.items():
        s = got[task]
        assert s.outcome in ("applied", "review", "unchanged"), s
        if s.outcome == "applied":
            assert s.status == mark
        assert get_task(rec, task).status in ("open", mark)
    assert any("edge of a shadow" in (s.reason or "") for s in res.slips)


def test_upside_down_photo(tmp_path):
    kit, rec = _kit(tmp_path, 4)
    slips = [(_code(kit, f"T000{i}"), (Mark(STATUSES[i - 1]),)) for i in range(1, 5)]
    arr = grid_photo(slips, size=(2000, 1500), cols=2, s=2.6, seed=2)
    path = tmp_path / "flipped.jpg"
    save(np.ascontiguousarray(arr[::-1, ::-1]), path)
    (res,) = scan_photos(kit, rec, [path])
    assert sorted((s.task, s.outcome, s.status) for s in res.slips) == [
        (f"T000{i}", "applied", STATUSES[i - 1]) for i in range(1, 5)]


@pytest.mark.parametrize("flip", ["left-right", "top-bottom"])
def test_a_mirrored_photo_is_read_mirrored_back(tmp_path, flip):
    """A front camera's photo (or one an app flipped): the decoder reads its codes, and
    their slips are read as the mirror image, each box where it is, and the photo says so."""
    kit, rec = _kit(tmp_path, 4)
    slips = [(_code(kit, f"T000{i}"), (Mark(STATUSES[i - 1]),)) for i in range(1, 5)]
    arr = grid_photo(slips, size=(2000, 1500), cols=2, s=2.6, seed=2)
    path = tmp_path / "mirrored.jpg"
    save(np.ascontiguousarray(arr[:, ::-1] if flip == "left-right" else arr[::-1]), path)
    (res,) = scan_photos(kit, rec, [path])
    assert sorted((s.task, s.outcome, s.status) for s in res.slips) == [
        (f"T000{i}", "applied", STATUSES[i - 1]) for i in range(1, 5)]
    assert [get_task(rec, f"T000{i}").status for i in range(1, 5)] == STATUSES
    assert any("mirror image" in tip for tip in res.advice)


def test_a_photo_read_the_usual_way_is_not_taken_for_a_mirror_image(tmp_path, monkeypatch):
    kit, rec = _kit(tmp_path, 2)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),)),
                                      (_code(kit, "T0002"), ())], cols=2)
    tried = []
    monkeypatch.setattr(pipeline_mod, "_transposed", lambda f: tried.append(f) or f)
    (res,) = scan_photos(kit, rec, [path])
    assert sorted((s.task, s.outcome) for s in res.slips) == [("T0001", "applied"),
                                                               ("T0002", "unchanged")]
    assert not tried and not any("mirror" in tip for tip in res.advice)


def test_a_box_cut_off_by_the_photos_edge_says_so(tmp_path):
    """A slip whose boxes run out of the photo: the box cut off cannot be read (unclear),
    so the slip goes to review, and the reason says where the box went and what to do."""
    kit, rec = _kit(tmp_path, 4)
    slips = [(_code(kit, f"T000{i}"), (Mark("done"),)) for i in range(1, 5)]
    arr = grid_photo(slips, size=(2000, 1500), cols=2, s=2.6, seed=2)
    path = tmp_path / "cut.jpg"
    save(np.ascontiguousarray(arr[:, 250:]), path)  # the left slips' taken boxes cut off
    (res,) = scan_photos(kit, rec, [path])
    cut = [s for s in res.slips if s.outcome == "review"]
    assert cut and all(s.reason.startswith("the taken box is unclear: the taken box lies"
                                           " outside the photo (cut off at its edge); retake"
                                           " the photo with the whole slip in it")
                       for s in cut)
    whole = [s for s in res.slips if s.outcome != "review"]
    assert whole and all(s.outcome == "applied" and s.status == "done" for s in whole)
    assert all(get_task(rec, s.task).status == "open" for s in cut)


@pytest.mark.parametrize("rgb", [(226, 178, 150), (141, 85, 50), (90, 56, 38)])
def test_a_fingertip_over_a_box_is_never_read_as_a_mark(tmp_path, rgb):
    """A finger holding a slip lies over its boxes, its skin as dark as pencil or pen: a
    blank slip with the top half of a fingertip over its done box, and a slip marked taken
    with one there too, are not applied as done; each goes to review or reads as marked."""
    kit, rec = _kit(tmp_path, 3)
    slips = [(_code(kit, "T0001"), ()), (_code(kit, "T0002"), (Mark("taken"),)),
             (_code(kit, "T0003"), (Mark("stuck"),))]
    arr = grid_photo(slips, size=(2400, 1200), cols=3)
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    H = {f.text: code_homography(f.corners) for f in find_codes(gray).found}
    done = S.BOXES["done"]
    for code, _ in slips[:2]:  # the fingertip's top half over the box, its centre below it
        arr = fingertip(arr, H[code], ((done.x0 + done.x1) / 2, done.y1), (22, 40), rgb)
    path = tmp_path / "finger.jpg"
    save(arr, path)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    assert set(by) == {"T0001", "T0002", "T0003"}
    if rgb[0] < 200:  # the premise: a darker fingertip reads as much ink as a fill
        assert by["T0001"].read["done"] > 0.5
    assert by["T0001"].outcome == "review" and get_task(rec, "T0001").status == "open"
    assert by["T0002"].outcome == "review" or by["T0002"].status == "taken"
    assert get_task(rec, "T0002").status in ("open", "taken")
    assert by["T0003"].outcome == "applied" and by["T0003"].status == "stuck"


def test_a_dried_drop_over_a_box_of_a_blank_slip_is_never_applied(tmp_path):
    """Coffee dried on the slips: a drop's ring whose rim crosses the done box of a blank
    slip, and a blob over part of the stuck box of another and past it, each read as that
    box's mark and applied its status. Now each goes to review saying a stain may be over the
    box; a ring over a box of a slip marked taken is a second mark there (review), and a
    clean slip beside them is applied."""
    kit, rec = _kit(tmp_path, 4)
    slips = [(_code(kit, "T0001"), ()), (_code(kit, "T0002"), ()),
             (_code(kit, "T0003"), (Mark("taken"),)), (_code(kit, "T0004"), (Mark("stuck"),))]
    arr = grid_photo(slips, size=(2400, 1600), cols=2)
    gray = cv2.cvtColor(arr, cv2.COLOR_RGB2GRAY)
    H = {f.text: code_homography(f.corners) for f in find_codes(gray).found}
    done, stuck = S.BOXES["done"], S.BOXES["stuck"]
    middle = lambda b: ((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2)  # noqa: E731
    for code in (slips[0][0], slips[2][0]):  # a ring 14 mm across, its rim through the box
        arr = dried_drop(arr, H[code], (middle(done)[0] - 5.0, middle(done)[1] - 5.0), 7.0,
                         ring=True)
    # a blob 16 mm across over the box's top left and past it
    arr = dried_drop(arr, H[slips[1][0]], (middle(stuck)[0] - 4.0, middle(stuck)[1] - 4.0),
                     8.0, ring=False, strength=0.6)
    path = tmp_path / "coffee.jpg"
    save(arr, path)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    assert set(by) == {"T0001", "T0002", "T0003", "T0004"}
    for task, box in (("T0001", "done"), ("T0002", "stuck")):
        assert by[task].read[box] > 0.5  # the premise: the stain reads as ink there
        assert by[task].outcome == "review" and by[task].status is None, by[task]
        assert by[task].reason.startswith(f"the {box} box may have a stain"), by[task].reason
        assert get_task(rec, task).status == "open"
    assert by["T0003"].outcome == "review" and by["T0003"].status is None
    assert by["T0003"].reason == "taken and done are both marked"
    assert by["T0004"].outcome == "applied" and get_task(rec, "T0004").status == "stuck"


def test_dry_run_writes_nothing(tmp_path):
    kit, rec = _kit(tmp_path, 2)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),)),
                                      (_code(kit, "T0002"), (Mark("done"), Mark("taken")))],
                  size=(1600, 900), cols=2)
    before = _events(rec)
    files_before = sorted(p for p in kit.photos_dir.rglob("*"))
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert res.dry_run and sorted(s.outcome for s in res.slips) == ["applied", "review"]
    assert _events(rec) == before
    assert sorted(p for p in kit.photos_dir.rglob("*")) == files_before
    assert get_task(rec, "T0001").status == "open"
    (again,) = scan_photos(kit, rec, [path])  # a dry run does not mark the photo as scanned
    assert not again.already_scanned and get_task(rec, "T0001").status == "done"


def test_crash_mid_photo_leaves_the_record_intact_and_a_rerun_finishes(tmp_path, monkeypatch):
    kit, rec = _kit(tmp_path, 2)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),)),
                                      (_code(kit, "T0002"), (Mark("taken"),))],
                  size=(1600, 900), cols=2)
    before = _events(rec)
    calls = []

    def boom(w, task, status):
        calls.append(task)
        if len(calls) == 2:
            raise KeyboardInterrupt  # killed after the first task was written
        return w.update("tasks", task, {"status": status})

    monkeypatch.setattr(pipeline_mod, "set_status", boom)
    with pytest.raises(KeyboardInterrupt):
        scan_photos(kit, rec, [path])
    assert _events(rec) == before
    assert rec.query_one("SELECT count(*) FROM scans")[0] == 0
    monkeypatch.undo()
    (res,) = scan_photos(kit, rec, [path])
    assert [s.outcome for s in res.slips] == ["applied", "applied"]
    assert get_task(rec, "T0001").status == "done" and get_task(rec, "T0002").status == "taken"
    stored = json.loads(rec.query_one("SELECT result FROM scans")["result"])
    assert stored["sha256"] == res.sha256


@pytest.mark.parametrize("ppu, outcome", [(0.9, "review"), (1.3, "applied")])
def test_a_slip_too_small_in_the_photo_for_a_faint_mark_goes_to_review(tmp_path, ppu, outcome):
    """Below MIN_PPU a light stroke can vanish, and a lost second mark would apply a wrong
    status; such a slip read as one clear mark is held for a person, not applied."""
    kit, rec = _kit(tmp_path, 2)
    cell = ppu * S.SLIP_W / 0.86  # grid_photo makes each slip 0.86 of its cell wide
    # a crisp photo and a plain cross, so that every box's outline shows (at 0.9 px a unit
    # and the usual blur a box may be unclear, which is review too, for another reason)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, f"T000{i}"), (Mark("done", "cross"),))
                                      for i in (1, 2)], size=(int(2 * cell), int(cell)), cols=2,
                  s=1.6)
    (res,) = scan_photos(kit, rec, [path])
    assert [s.outcome for s in res.slips] == [outcome, outcome]
    if outcome == "review":
        assert all("small in the photo" in s.reason for s in res.slips)
        assert get_task(rec, "T0001").status == "open"


def test_a_light_single_mark_on_a_small_slip_goes_to_review(tmp_path):
    """Just above MIN_PPU, a second light pencil tick beside one read as light left no trace
    at all and the slip was applied as the one (a new 30-slip set). Below LIGHT_PPU a slip
    whose one mark is light is held for a person; a full mark there is still applied."""
    from paperkit.scan.decide import HELD_CONFIDENCE
    from paperkit.scan.pipeline import LIGHT_PPU, MIN_PPU

    ppu = 1.1
    assert MIN_PPU < ppu < LIGHT_PPU
    kit, rec = _kit(tmp_path, 2)
    cell = ppu * S.SLIP_W / 0.86  # grid_photo makes each slip 0.86 of its cell wide
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done", "tick", "pencil", 0.3),)),
                                      (_code(kit, "T0002"), (Mark("done", "fill"),))],
                  size=(int(2 * cell), int(cell)), cols=2)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    assert by["T0001"].read["done"] >= 0.55  # read as marked, but light:
    assert by["T0001"].outcome == "review" and "mark light" in by["T0001"].reason
    assert by["T0001"].status == "done"  # what the person is shown, never applied
    assert by["T0001"].confidence <= HELD_CONFIDENCE  # though the mark read as sure
    assert by["T0002"].outcome == "applied" and by["T0002"].status == "done"
    assert get_task(rec, "T0001").status == "open"


def test_a_photo_retaken_closer_settles_the_earlier_review(tmp_path):
    """A slip held because it was small in the photo suggests its one mark; the photo taken
    again closer reads that mark clearly and applies it, and the earlier item leaves the
    review queue (resolved, logged with the new photo as its source). An item that
    suggested something else would stay."""
    from paperkit.record.events import list_events
    from paperkit.scan.pipeline import MIN_PPU

    kit, rec = _kit(tmp_path, 2)
    ppu = 0.9  # under MIN_PPU, where every one-mark read is held: the hold does not hang on
    assert ppu < MIN_PPU  # how light this kit's random codes let a pencil tick read
    cell = ppu * S.SLIP_W / 0.86  # grid_photo makes each slip 0.86 of its cell wide
    t1, t2 = _code(kit, "T0001"), _code(kit, "T0002")
    cross = (Mark("done", "cross"),)  # crisp, so that every box's outline shows (as above)
    far = _photo(tmp_path, "far.jpg", [(t1, cross), (t2, cross)],
                 size=(int(2 * cell), int(cell)), cols=2, s=1.6)
    (a,) = scan_photos(kit, rec, [far])
    assert [(s.outcome, s.status) for s in a.slips] == [("review", "done")] * 2
    assert all("small in the photo" in s.reason for s in a.slips)
    with rec.write(Source("cli", "test: T0002's item suggested another status")) as w:
        w.conn.execute("UPDATE reviews SET suggested = 'stuck' WHERE task = 'T0002'")
    near = _photo(tmp_path, "near.jpg", [(t1, cross), (t2, cross)], size=(1600, 700), cols=2,
                  seed=4)
    (b,) = scan_photos(kit, rec, [near])
    assert [(s.outcome, s.status) for s in b.slips] == [("applied", "done")] * 2
    assert [i.task for i in pending_reviews(rec)] == ["T0002"]  # it suggested stuck
    settled = rec.query_one("SELECT id, state FROM reviews WHERE task = 'T0001'")
    assert settled["state"] == "resolved"
    event = list_events(rec, table="reviews", row_id=str(settled["id"]))[-1]
    assert event.source_kind == "scan" and event.source == b.sha256
    assert event.changed()["state"] == ("pending", "resolved")


def _light_beside(kit, tmp_path, name, *extra, seed=0):
    """A photo of T0001's slip ticked done with a light dot in its stuck box (held: "the
    stuck box shows a thin light line"), and ``extra`` slips beside it."""
    slips = [(_code(kit, "T0001"), (Mark("done"), Mark("stuck", "dot", "light"))), *extra]
    return _photo(tmp_path, name, slips, size=(1400 * len(slips), 1000), cols=len(slips),
                  seed=seed)


def test_a_slip_held_for_a_doubt_about_it_is_not_settled_by_a_photo_that_misses_it(tmp_path):
    """A slip held for something on it that may be a second mark (a light line beside its
    one mark) is not settled by a later photo that reads the one mark clearly: that photo
    may miss the same light mark. It settled the held item and applied the status no one
    had checked (a red team, the fortieth session); now both wait for a person. A hold for
    the photo (small, dark) is still settled by a photo retaken closer (above)."""
    kit, rec = _kit(tmp_path, 1)
    (a,) = scan_photos(kit, rec, [_light_beside(kit, tmp_path, "light.jpg")])
    assert [(s.outcome, s.status, s.says) for s in a.slips] == [("review", "done", "done?")]
    assert "thin light line" in a.slips[0].reason
    clear = _photo(tmp_path, "clear.jpg", [(_code(kit, "T0001"), (Mark("done"),))],
                   size=(1400, 1000), cols=1, seed=5)
    (b,) = scan_photos(kit, rec, [clear])
    assert [(s.outcome, s.status) for s in b.slips] == [("review", "done")]
    assert b.slips[0].reason == ("another photo of this slip read done (held to check"
                                 " something else on it)")
    assert get_task(rec, "T0001").status == "open"
    assert [i.task for i in pending_reviews(rec)] == ["T0001", "T0001"]


def test_copies_of_a_slip_one_held_for_a_doubt_about_it_all_go_to_review(tmp_path):
    """Two copies of one slip in a photo (the board and the slip sheet print the same
    code), one clear and one with a light line beside the same mark: the clear one was
    applied and, in the same transaction, settled the other's item, so the scan said
    "review" while the queue held nothing (a red team, the fortieth session)."""
    kit, rec = _kit(tmp_path, 1)
    pair = _light_beside(kit, tmp_path, "pair.jpg", (_code(kit, "T0001"), (Mark("done"),)))
    (res,) = scan_photos(kit, rec, [pair])
    assert [s.outcome for s in res.slips] == ["review", "review"]
    assert all(s.reason.startswith("copies of this slip in the photo disagree") for s in
               res.slips)
    assert get_task(rec, "T0001").status == "open"
    assert [i.task for i in pending_reviews(rec)] == ["T0001", "T0001"]


def test_a_slip_decided_since_and_read_unclear_says_it_is_out_of_date(tmp_path):
    """A new photo of a slip whose task a person decided since (its rev went up), read
    unclear (two boxes marked), said only that both are marked: a second person might
    decide it again, over the first (a red team, the fortieth session)."""
    kit, rec = _kit(tmp_path, 1)
    with rec.write(Source("cli", "test: decided in review")) as w:
        w.update("tasks", "T0001", {"status": "done"})
    both = _photo(tmp_path, "both.jpg", [(_code(kit, "T0001"), (Mark("done"), Mark("stuck")))],
                  size=(1400, 1000), cols=1)
    (res,) = scan_photos(kit, rec, [both])
    assert [s.outcome for s in res.slips] == ["review"]
    assert res.slips[0].reason == ("done and stuck are both marked; and the slip is out of"
                                   " date: printed at rev 1, the task changed since (now rev"
                                   " 2, done)")


def test_a_tick_too_light_to_read_leaves_a_trace_and_goes_to_review(tmp_path, monkeypatch):
    """A tick in very light pencil (215 grey on white) reads under the blank level, but it
    leaves a trace of ink in its box: the slip goes to review, naming the box, instead of
    reading as a blank slip. Nothing is applied."""
    import scan_images

    monkeypatch.setitem(scan_images.INK, "faint", (215, 215, 220))
    kit, rec = _kit(tmp_path, 3)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, f"T000{i}"), (Mark("done", "tick", "faint",
                                                                    1.0),))
                                      for i in (1, 2, 3)], size=(2000, 900), cols=3)
    (res,) = scan_photos(kit, rec, [path])
    assert [s.outcome for s in res.slips] == ["review"] * 3
    traces = [s for s in res.slips if s.reason.startswith("no box is clearly marked")]
    assert traces and all("the done box holds a trace of ink" in s.reason for s in traces)
    assert all(s.read["done"] < 0.55 for s in res.slips)  # none read as marked
    assert {r.task for r in pending_reviews(rec)} == {"T0001", "T0002", "T0003"}
    assert all(get_task(rec, f"T000{i}").status == "open" for i in (1, 2, 3))


@pytest.mark.parametrize("ppu, small", [(1.1, True), (1.6, False)])
def test_a_blank_slip_small_in_the_photo_says_a_light_mark_could_be_missed(tmp_path, ppu,
                                                                          small):
    """Under BLANK_PPU one slip in fifteen read blank held a mark nothing saw (synthetic
    sets): nothing changes, as for any blank slip, but the reason and the confidence say
    the reading is not sure."""
    from paperkit.scan.pipeline import BLANK_CONFIDENCE, BLANK_PPU

    assert (ppu < BLANK_PPU) == small
    kit, rec = _kit(tmp_path, 2)
    cell = ppu * S.SLIP_W / 0.86  # grid_photo makes each slip 0.86 of its cell wide
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), ()),
                                      (_code(kit, "T0002"), (Mark("done", "fill"),))],
                  size=(int(2 * cell), int(cell)), cols=2, s=1.6)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    blank = by["T0001"]
    assert blank.outcome == "unchanged" and blank.status is None
    assert get_task(rec, "T0001").status == "open"
    if small:
        assert "a light mark could be missed" in blank.reason and "closer" in blank.reason
        assert blank.confidence <= BLANK_CONFIDENCE
    else:
        assert blank.reason == "no box marked" and blank.confidence > BLANK_CONFIDENCE
    assert by["T0002"].outcome == "applied"  # a slip read marked is not touched by this
    assert res.ok
    # the photo says how to take the next one when its slips are small
    assert bool(res.advice) == small and ("advice" in res.as_json()) == small
    if small:  # (this photo is also small itself: it says to send the original first)
        tip = res.advice[-1]
        assert tip.startswith("2 of 2 slips are small in this photo")
        assert "fewer slips at a time, or come closer" in tip
        assert "some may not be read at all (count the slips read" in tip
        assert "a light pencil mark beside a firm one can be missed" in tip


@pytest.mark.parametrize("depth", [0.55, 1.0])
def test_a_pale_print_applies_only_marks_of_dark_ink(tmp_path, depth):
    """Slips printed pale (a printer low on toner, or its draft mode): the box reads judge
    ink against the print's darkness, and on a pale print the paper's grain reaches that
    level (synthetic sets: empty boxes read as marked). So a slip read from a pale print is
    applied only when its mark is dark ink (pipeline.PALE_INK_DEPTH, PALE_INK_STAND); one
    marked lightly goes to review with its likely status, nothing written, and the photo
    says to print darker. The same slips printed black are all applied."""
    kit, rec = _kit(tmp_path, 5)
    marks = [(), (Mark("done", "fill"),), (Mark("taken"), Mark("stuck")),
             (Mark("stuck", "cross"),), (Mark("done", "tick", "light"),)]
    s = 2.6
    slips = [(render_slip(_code(kit, f"T000{i}"), m, s, depth=depth),
              slip_at(60 + (i - 1) % 2 * 740, 60 + (i - 1) // 2 * 500, s))
             for i, m in enumerate(marks, 1)]
    path = tmp_path / "p.jpg"
    save(compose(slips, (1560, 1560)), path, 90)
    (res,) = scan_photos(kit, rec, [path])
    by = {x.task: x for x in res.slips}
    assert by["T0001"].outcome == "unchanged" and by["T0001"].status is None
    assert by["T0003"].outcome == "review"  # two boxes marked
    assert by["T0002"].status == "done" and by["T0004"].status == "stuck"  # read right
    assert by["T0005"].status == "done"
    # the dark marks are applied either way
    assert by["T0002"].outcome == by["T0004"].outcome == "applied"
    assert get_task(rec, "T0002").status == "done" and get_task(rec, "T0004").status == "stuck"
    pale = [a for a in res.advice if "looks pale" in a]
    light = by["T0005"]
    if depth < 1.0:
        assert light.outcome == "review" and "the print is pale" in light.reason
        assert "the mark light" in light.reason
        assert light.confidence <= 0.5 and get_task(rec, "T0005").status == "open"
        assert {r.task for r in pending_reviews(rec)} == {"T0003", "T0005"}
        (tip,) = pale
        assert "low on toner" in tip and "print the next slips at full darkness" in tip
        assert "a slip whose mark is light goes to review" in tip
        assert "advice" in res.as_json()
    else:
        assert light.outcome == "applied" and get_task(rec, "T0005").status == "done"
        assert pale == []


def test_a_pale_slip_among_black_ones_is_held_only_for_a_light_mark(tmp_path):
    """A second print run, pale, photographed among black slips: the frame is not a pale
    print, but a pale slip whose mark is light goes to review all the same
    (pipeline._printed_pale); its dark mark, or a light mark on a black slip, is applied."""
    kit, rec = _kit(tmp_path, 6)
    slips_ = [("T0001", (Mark("done", "fill"),), 1.0), ("T0002", (Mark("stuck", "cross"),), 1.0),
              ("T0003", (Mark("taken"),), 1.0), ("T0004", (Mark("done", "tick", "light"),), 1.0),
              ("T0005", (Mark("done", "tick", "light"),), 0.55),
              ("T0006", (Mark("stuck", "cross"),), 0.55)]
    s = 2.6
    slips = [(render_slip(_code(kit, t), m, s, depth=d),
              slip_at(60 + i % 2 * 740, 60 + i // 2 * 500, s))
             for i, (t, m, d) in enumerate(slips_)]
    path = tmp_path / "p.jpg"
    save(compose(slips, (1560, 1560)), path, 90)
    (res,) = scan_photos(kit, rec, [path])
    by = {x.task: x for x in res.slips}
    assert [by[t].status for t in sorted(by)] == ["done", "stuck", "taken", "done", "done",
                                                  "stuck"]
    for t in ("T0001", "T0002", "T0003", "T0004", "T0006"):
        assert by[t].outcome == "applied", (t, by[t].reason)
    held = by["T0005"]
    assert held.outcome == "review" and "this slip's print looks pale" in held.reason
    assert get_task(rec, "T0005").status == "open"
    assert not [a for a in res.advice if "looks pale" in a]  # the frame's print is black


def test_a_pale_print_holds_a_mark_the_grain_could_make():
    """pipeline._printed_pale: on a pale print, a slip that would be applied stays applied
    only when its mark is at least PALE_INK_DEPTH deep and PALE_INK_STAND times the grain;
    anything else read there (review, unchanged) is left as it is."""
    from types import SimpleNamespace

    from paperkit.scan.marks import BoxRead
    from paperkit.scan.pipeline import PALE_INK_DEPTH, PALE_INK_STAND, _printed_pale, _Read
    from paperkit.scan.result import SlipResult

    def read(outcome, depth, stand):
        box = BoxRead(score=1.0, confidence=1.0, cover=0.2, fill=0.1, over=0.0,
                      contrast=80.0, depth=depth, stand=stand)
        res = SlipResult(code="c", task="T0001", rev=1, read={"done": 1.0}, status="done",
                         outcome=outcome, confidence=0.9, reason="open → done")
        return _Read(res, SimpleNamespace(), None, {"done": box})

    dark, light = PALE_INK_DEPTH + 0.05, PALE_INK_DEPTH - 0.05
    sure, grainy = PALE_INK_STAND + 1.0, PALE_INK_STAND - 1.0
    assert _printed_pale(read("applied", dark, sure)).result.outcome == "applied"
    for depth, stand in ((light, sure), (dark, grainy), (light, grainy)):
        got = _printed_pale(read("applied", depth, stand)).result
        assert got.outcome == "review" and got.status == "done" and got.confidence <= 0.5
        assert "the print is pale" in got.reason
    for outcome in ("review", "unchanged"):
        assert _printed_pale(read(outcome, light, grainy)).result.outcome == outcome
    no_mark = _Read(read("applied", dark, sure).result, SimpleNamespace(), None, None)
    assert _printed_pale(no_mark).result.outcome == "review"


def test_a_light_line_against_the_frames_grain_holds_a_settled_slip():
    """pipeline._light_lines: with the frame's grain (its slips' empty boxes), a slip that
    would be settled on one mark goes to review when another box's thin line stands out
    against both its own empty boxes and the frame's (decide.LINE_BOTH); its reading is
    kept. A slip with no mark, one already in review, or a frame with too few boxes to
    give a grain are left as they are."""
    from types import SimpleNamespace

    from paperkit.scan.marks import BoxRead
    from paperkit.scan.pipeline import _light_lines, _Read
    from paperkit.scan.result import SlipResult

    def box(line, score=0.0):
        return BoxRead(score=score, confidence=1.0, cover=0.2 if score else 0.0, fill=0.1,
                       over=0.0, contrast=80.0, line=line)

    def read(outcome, status, lines):
        boxes = {n: box(v, score=1.0 if n == status else 0.0)
                 for n, v in zip(("taken", "done", "stuck", "dropped"), lines, strict=True)}
        res = SlipResult(code="c", task="T0001", rev=1, read={n: b.score for n, b in
                                                              boxes.items()},
                         status=status, outcome=outcome, confidence=0.9, reason="open → done")
        return _Read(res, SimpleNamespace(), None, boxes)

    light = read("applied", "done", (20.0, 150.0, 11.0, 10.0))  # taken: 1.82 × its slip's
    calm = [read("applied", "stuck", (5.0, 6.0, 120.0, 5.5)) for _ in range(3)]
    got = _light_lines([light, *calm])
    assert got[0].result.outcome == "review" and got[0].result.status == "done"
    assert got[0].result.reason.startswith("the taken box shows a thin light line")
    assert got[0].result.confidence <= 0.5
    assert [r.result.outcome for r in got[1:]] == ["applied"] * 3
    # the same slip among slips as grainy as itself: applied
    grainy = [read("applied", "stuck", (11.0, 10.0, 120.0, 12.0)) for _ in range(3)]
    assert _light_lines([light, *grainy])[0].result.outcome == "applied"
    # alone in its frame (3 empty boxes: no grain of the frame's own): applied
    assert _light_lines([light])[0].result.outcome == "applied"
    for outcome, status in (("review", "done"), ("unchanged", None)):
        other = read(outcome, status, (20.0, 150.0 if status else 9.0, 11.0, 10.0))
        assert _light_lines([other, *calm])[0].result == other.result
    unchanged = read("unchanged", "done", (20.0, 150.0, 11.0, 10.0))
    assert _light_lines([unchanged, *calm])[0].result.outcome == "review"


def test_the_scan_judges_thin_lines_against_the_frames_grain(tmp_path, monkeypatch):
    """scan_photo runs the frame's thin-line pass once its slips are read: with LINE_BOTH
    made tiny every slip settled on one mark goes to review for a thin light line (the
    slip-level rules alone, which have no frame's grain, hold none of them), and nothing is
    written for them; as shipped, the same photo applies all four."""
    from paperkit.scan import decide as decide_mod

    kit, rec = _kit(tmp_path, 4)
    slips = [(_code(kit, f"T{i + 1:04d}"), (Mark(box, "tick"),))
             for i, box in enumerate(("taken", "done", "stuck", "dropped"))]
    path = _photo(tmp_path, "p.jpg", slips, cols=2)
    (res,) = scan_photos(kit, rec, [path], dry_run=True)
    assert [s.outcome for s in res.slips] == ["applied"] * 4
    monkeypatch.setattr(decide_mod, "LINE_BOTH", 0.01)
    (res,) = scan_photos(kit, rec, [path])
    assert len(res.slips) == 4
    for s in res.slips:
        assert s.outcome == "review" and "a thin light line" in s.reason, s.reason
        assert s.status == {"T0001": "taken", "T0002": "done", "T0003": "stuck",
                            "T0004": "dropped"}[s.task]  # the reading is kept
        assert get_task(rec, s.task).status == "open"


def test_print_depth_measures_the_finders_darkness():
    """geometry.print_depth: about 0.95 for black toner, near the print's own depth for a
    pale one, the same under a dimmer light (a share of the paper's light)."""
    from paperkit.scan.geometry import print_depth

    s = 3.0
    for depth, lo, hi in ((1.0, 0.88, 1.0), (0.6, 0.5, 0.68)):
        img = np.asarray(render_slip("PK1:ABCD:T0001:1:ABCDEFGH", (), s, depth=depth).convert("L"))
        for light in (1.0, 0.5):
            gray = np.uint8(img * light)
            H = np.diag([s, s, 1.0])  # slip units to pixels
            got, paper = print_depth(gray, H)
            assert lo <= got <= hi and abs(paper - 255 * light) < 8, (depth, light, got, paper)


def _reads(*ppus, contrast=120.0):
    """Slips read (as ``pipeline._advice`` sees them) at these pixels per slip unit, their
    boxes' print ``contrast`` grey levels from the paper (under DARK_CONTRAST: lying dark)."""
    from types import SimpleNamespace

    from paperkit.scan.pipeline import DARK_CONTRAST

    boxes = {b: SimpleNamespace(contrast=contrast) for b in STATUSES}
    return [SimpleNamespace(pose=SimpleNamespace(ppu=p), boxes=boxes,
                            dark=contrast < DARK_CONTRAST,
                            result=SimpleNamespace(outcome="applied")) for p in ppus]


def _shot(w, h, kind="jpeg", frames=1):
    """A photo (as ``pipeline._advice`` sees it) of ``frames`` frames of w × h px."""
    from types import SimpleNamespace

    return SimpleNamespace(kind=kind, frames=[
        SimpleNamespace(gray=np.zeros((h, w), np.uint8), bilevel=False)] * frames)


def test_advice_on_one_small_slip_says_one():
    """The advice counts in words that fit: one small slip read is not "1 of 1 slips are"."""
    from paperkit.scan.pipeline import _advice

    phone = _shot(4032, 3024)
    (one,) = _advice(_reads(1.0), phone)
    assert one.startswith("the one slip read is small in this photo (codes under 100 px")
    (two,) = _advice(_reads(1.0, 1.1), phone)
    assert two.startswith("2 of 2 slips are small in this photo")
    assert _advice(_reads(3.0), phone) == ()


def test_a_photo_shrunk_by_a_messaging_app_says_to_send_the_original():
    """A JPEG no larger than a messaging app makes of the photos it sends (1280-3072 px on
    its long side), whose slips are small or none was read, also says to send the original
    file; a small photo of a slip read well, a full-size photo (an 8 MP phone's too), a
    scanner's PNG, or a PDF or TIFF's pages do not say it."""
    from paperkit.scan.pipeline import _advice

    for w, h in ((1600, 1200), (2048, 1536), (1920, 2560), (3072, 2304)):
        shrunk, small = _advice(_reads(0.8, 0.9), _shot(w, h))  # the likelier cause first
        assert small.startswith("2 of 2 slips are small")
        assert shrunk.startswith(f"the photo is only {w} × {h} pixels") and \
            "send or copy the original file" in shrunk
    (small,) = _advice(_reads(0.8, 0.9), _shot(3264, 2448))  # an 8 MP phone camera's
    assert small.startswith("2 of 2 slips are small")
    (shrunk,) = _advice([], _shot(960, 1280))
    assert shrunk.startswith("the photo is only 960 × 1280 pixels")
    assert _advice([], _shot(1169, 827, "png")) == ()  # a scanner's, at 100 dpi
    assert _advice(_reads(3.0), _shot(1200, 900)) == ()  # a close-up, read well
    assert _advice([], _shot(4032, 3024)) == ()
    assert _advice([], _shot(1275, 1650, "pdf")) == ()
    assert _advice([], _shot(1200, 900, "pages", frames=2)) == ()
    assert _advice([], _shot(1200, 900, "pages")) == ()  # a TIFF with one page left


def test_a_dark_photo_says_to_retake_it_in_more_light():
    """A quarter of the slips read with their print under DARK_CONTRAST grey levels from the
    paper: the photo says it is dark; fewer, or a pale print (told apart by its own tip), do
    not. Nor does a dark or pale photo say to send the original: that is for small slips."""
    from paperkit.scan.pipeline import DARK_CONTRAST, _advice

    phone, dark = _shot(4032, 3024), _reads(2.0, contrast=DARK_CONTRAST - 16)
    (tip,) = _advice(_reads(2.0, 2.0, 2.0) + dark, phone)
    assert tip.startswith("part of the photo is dark (a shadow?): on 1 of 4 slips the print"
                          " stands only 19 grey levels from the paper")
    assert "retake it in more light" in tip
    (tip,) = _advice(dark + dark, phone)
    assert tip.startswith("the photo is dark: on its slips the print stands only 19 grey")
    (tip,) = _advice(dark, phone)
    assert tip.startswith("the photo is dark: on its one slip the print stands")
    assert _advice(_reads(2.0, 2.0, 2.0, 2.0) + dark, phone) == ()
    (tip,) = _advice(dark, phone, pale=True)
    assert tip.startswith("the print on these slips looks pale")
    assert _advice(dark, _shot(1600, 1200))[0].startswith("the photo is dark")  # not shrunk
    assert len(_advice(dark, _shot(1600, 1200), pale=True)) == 1


@pytest.mark.parametrize("depth, light, dark", [(1.0, 1.0, False), (1.0, 0.16, True),
                                               (0.15, 1.0, False)])
def test_a_slip_lies_dark_in_a_dark_photo_not_on_a_pale_print(tmp_path, depth, light, dark):
    """pipeline._lies_dark: a slip whose print stands little from its paper lies dark when
    the light is low; a very pale print in good light stands as little, and does not."""
    from paperkit.scan.decode import find_codes
    from paperkit.scan.pipeline import DARK_CONTRAST, _contrast, _lies_dark, frame_from_array

    kit, _ = _kit(tmp_path, 1)
    rgb = compose([(render_slip(_code(kit, "T0001"), (), 2.6, depth=depth),
                    slip_at(60, 60, 2.6))], (900, 700))
    gray = np.clip(rgb.mean(axis=2) * light, 0, 255).astype(np.uint8)
    frame = frame_from_array(gray)
    (found,) = find_codes(frame.gray, "zxing").found
    pose, boxes = pipeline_mod.measure(frame, found)
    assert (_contrast(boxes) < DARK_CONTRAST) == (light < 1 or depth < 1)
    assert _lies_dark(frame, pose, boxes) == dark


def test_a_dark_photo_applies_nothing_and_says_why(tmp_path):
    """A photo at a sixth of its light: its slips' boxes are read with little confidence
    there, and a light second mark could vanish. A marked slip goes to review with its
    reading (nothing is applied), and one read blank says the photo is too dark there to
    be sure of it."""
    from paperkit.scan.pipeline import BLANK_CONFIDENCE, HELD_CONFIDENCE

    kit, rec = _kit(tmp_path, 3)
    slips = [(_code(kit, "T0001"), ()), (_code(kit, "T0002"), (Mark("done", "fill"),)),
             (_code(kit, "T0003"), ())]
    arr = grid_photo(slips, size=(2000, 900), cols=3, s=2.6, seed=4).astype(np.float32)
    noise = np.random.default_rng(4).normal(0, 2.0, arr.shape)
    path = tmp_path / "dark.jpg"
    save(np.clip(arr * 0.16 + noise, 0, 255).astype(np.uint8), path)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    marked = by["T0002"]
    assert marked.outcome == "review" and marked.status == "done"  # read right, held
    assert marked.reason.startswith("the photo is dark here (the print only")
    assert "retake the photo in more light" in marked.reason
    assert marked.confidence <= HELD_CONFIDENCE and get_task(rec, "T0002").status == "open"
    for t in ("T0001", "T0003"):
        assert by[t].outcome == "unchanged" and by[t].status is None
        assert by[t].reason.startswith("no box marked, but the photo is dark here")
        assert by[t].confidence <= BLANK_CONFIDENCE
    assert any(tip.startswith("the photo is dark") for tip in res.advice)


@pytest.mark.parametrize("step", ["regions:deblur", "regions:known", "regions:soft",
                                  "regions:sharp", "tight:deblur", "tight:soft",
                                  "tight:sharp"])
def test_a_code_read_only_by_modelling_blur_is_never_applied(tmp_path, monkeypatch, step):
    """A code that only the blur model, the printed-code match, the soft read or the
    sharpened grid could read comes from an image too poor to trust its marks: the slip goes to review, even with a
    clear mark, whichever crop it was read in."""
    from dataclasses import replace as _replace

    pipeline = pipeline_mod

    kit, rec = _kit(tmp_path, 2)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, f"T000{i}"), (Mark("done"),)) for i in (1, 2)],
                  size=(1400, 700), cols=2)
    real = pipeline.find_codes

    def guessed(gray, *args, **kw):
        out = real(gray, *args, **kw)
        return _replace(out, found=(_replace(out.found[0], step=step),
                                    *out.found[1:]))

    monkeypatch.setattr(pipeline, "find_codes", guessed)
    (res,) = scan_photos(kit, rec, [path])
    outcomes = sorted((s.outcome, s.reason) for s in res.slips)
    assert outcomes[0][0] == "applied"
    assert outcomes[1][0] == "review" and "blurred or damaged" in outcomes[1][1]


def test_scan_photos_matches_against_the_codes_the_kit_printed(tmp_path, monkeypatch):
    from paperkit.record.prints import record_print
    pipeline = pipeline_mod

    kit, rec = _kit(tmp_path, 2)
    printed = [(_code(kit, f"T000{i}"), f"T000{i}", 1) for i in (1, 2)]
    with rec.write(Source("cli", "print")) as w:
        record_print(w, "slips", "slips.pdf", printed)
    seen = []
    real = pipeline.find_codes

    def spy(gray, *args, known=None, **kw):
        seen.append(known.texts)
        return real(gray, *args, known=known, **kw)

    monkeypatch.setattr(pipeline, "find_codes", spy)
    path = _photo(tmp_path, "p.jpg", [(printed[0][0], (Mark("done"),))], size=(800, 600), cols=1)
    scan_photos(kit, rec, [path], dry_run=True)
    assert seen == [tuple(c for c, _, _ in printed)]


def test_scan_photos_tells_the_decoder_the_shape_of_the_kits_codes(tmp_path, monkeypatch):
    """The decoder is told what this kit's codes look like (its id, its task ids' digits and
    its revs) and checks a text against the kit's key, so a damaged code can be read from
    its unsure modules (soft.py) and never as another kit's or a forged one."""
    pipeline = pipeline_mod

    kit, rec = _kit(tmp_path, 2)
    seen = []
    real = pipeline.find_codes

    def spy(gray, *args, expected=None, **kw):
        seen.append(expected)
        return real(gray, *args, expected=expected, **kw)

    monkeypatch.setattr(pipeline, "find_codes", spy)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),))], size=(800, 600),
                  cols=1)
    scan_photos(kit, rec, [path], dry_run=True)
    (expected,) = seen
    assert expected.shapes == (f"PK1:{kit.id}:T????:?:????????",)
    assert expected.accept(_code(kit, "T0002"))
    assert not expected.accept(codes.build(bytes(32), kit.id, "T0002", 1).text)
    assert not expected.accept(codes.build(kit.key, "ZZZZ", "T0002", 1).text)


def test_a_code_seen_but_not_read_makes_the_photo_say_so(tmp_path, monkeypatch):
    """A slip whose code the decoder saw but could not read (decode.Decoded.unread) is not
    in the scan: the photo's errors say so and where it lies, so the photo is not 'ok'
    (the command exits 1), and the slips read are applied as usual."""
    from dataclasses import replace as _replace

    pipeline = pipeline_mod
    kit, rec = _kit(tmp_path, 1)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, "T0001"), (Mark("done"),))],
                  size=(1400, 700), cols=2)
    real = pipeline.find_codes

    def one_unread(gray, *args, **kw):
        h, w = gray.shape
        return _replace(real(gray, *args, **kw), unread=(np.array([w * 0.9, h * 0.1]),))

    monkeypatch.setattr(pipeline, "find_codes", one_unread)
    (res,) = scan_photos(kit, rec, [path])
    assert [s.outcome for s in res.slips] == ["applied"]
    assert res.errors == ("no code was read for what looks like a slip at the top right of the"
                          " photo: if it is one, it is not in this scan; retake it closer, "
                          "flatter and steadier",)
    assert not res.ok and res.as_json()["errors"] == list(res.errors)


def test_where_an_unread_code_lies_is_said_in_words():
    from paperkit.scan.pipeline import _unread_message, _where

    assert _where(np.array([10.0, 10.0]), (300, 400), "p.jpg", 1) == ("the top left",
                                                                      "the photo")
    assert _where(np.array([200.0, 150.0]), (300, 400), "p.jpg", 1) == ("the middle",
                                                                        "the photo")
    assert _where(np.array([399.0, 299.0]), (300, 400), "s.pdf#2", 3) == (
        "the bottom right", "page 2 of s.pdf")
    assert _unread_message([("the top left", "the photo"), ("the bottom", "the photo")]) == (
        "no code was read for what look like 2 slips at the top left and the bottom of the "
        "photo: if they are slips, they are not in this scan; retake them closer, flatter and "
        "steadier")
    # several in one part are counted there, not named again and again
    six = [("the right", "the photo"), ("the middle", "the photo"), ("the right", "the photo"),
           ("the bottom", "the photo"), ("the bottom", "the photo"), ("the bottom", "the photo")]
    assert _unread_message(six).startswith(
        "no code was read for what look like 6 slips at the right (2), the middle and the "
        "bottom (3) of the photo: if they are slips")
    pages = [("the top", "page 1 of s.pdf"), ("the top", "page 2 of s.pdf")]
    assert "at the top of page 1 of s.pdf; the top of page 2 of s.pdf:" in _unread_message(pages)


@pytest.mark.parametrize("white_table", [False, True])
def test_a_slip_cut_off_by_the_photos_edge_through_its_code_is_said(tmp_path, monkeypatch,
                                                                    white_table):
    """A photo that cuts its rightmost slip off through the middle of its code: that slip
    is not in the scan (no code read), and the photo says a slip is cut off at its right
    edge and what to do; the two whole slips are applied. On a white table the paper check
    cannot run (missing.MIN_CONTRAST: here made unreachable); the two finder patterns left
    of the code at the edge still say it (decode.EDGE_FINDERS)."""
    if white_table:
        monkeypatch.setattr(missing_mod, "MIN_CONTRAST", 256.0)
    kit, rec = _kit(tmp_path, 3)
    slips = [(_code(kit, f"T000{i}"), (Mark("done"),)) for i in (1, 2, 3)]
    arr = grid_photo(slips, size=(2400, 1200), cols=3)
    path = tmp_path / "cut.jpg"
    save(np.ascontiguousarray(arr[:, :2210]), path)  # the third code spans x 2110-2316
    (res,) = scan_photos(kit, rec, [path])
    assert sorted((s.task, s.outcome) for s in res.slips) == [("T0001", "applied"),
                                                              ("T0002", "applied")]
    assert res.errors == ("what looks like a slip is cut off at the right edge of the photo: "
                          "if it is one, it is not in this scan; take the photo again with "
                          "the whole slip in it",)
    assert not res.ok and get_task(rec, "T0003").status == "open"


def test_slips_cut_off_are_said_by_edge_and_page():
    from paperkit.scan.pipeline import _cut_message, _of

    assert _of("p.jpg", 1) == "the photo" and _of("s.pdf#2", 3) == "page 2 of s.pdf"
    assert _cut_message([("the left edge", "the photo"), ("the left edge", "the photo"),
                         ("the top edge", "the photo")]) == (
        "what look like 3 slips are cut off at the left edge (2) and the top edge of the "
        "photo: if they are slips, they are not in this scan; take the photo again with each "
        "slip whole in it")
    assert "cut off at the bottom edge of page 1 of s.pdf; the top edge of page 2 of s.pdf:" in \
        _cut_message([("the bottom edge", "page 1 of s.pdf"), ("the top edge", "page 2 of s.pdf")])


def test_a_slip_whose_code_is_not_read_is_said_missing_where_it_lies(tmp_path, monkeypatch):
    """A slip whose code no step reads (here: the decoder is made to drop the last code it
    read) is still paper printed like a slip where no slip read lies (missing.py): the
    photo says a slip code could not be read, and where; the others are applied."""
    from dataclasses import replace as _replace

    pipeline = pipeline_mod
    kit, rec = _kit(tmp_path, 3)
    path = _photo(tmp_path, "p.jpg", [(_code(kit, f"T000{i}"), (Mark("done"),))
                                      for i in (1, 2, 3)], size=(2400, 1200), cols=3)
    real = pipeline.find_codes
    dropped = []

    def drop_last(gray, *args, **kw):
        out = real(gray, *args, **kw)
        last = max(out.found, key=lambda f: f.center[0])  # the rightmost slip's
        dropped.append(last.text)
        return _replace(out, found=tuple(f for f in out.found if f is not last))

    monkeypatch.setattr(pipeline, "find_codes", drop_last)
    (res,) = scan_photos(kit, rec, [path])
    assert sorted(s.outcome for s in res.slips) == ["applied", "applied"]
    assert dropped == [_code(kit, "T0003")]
    (err,) = res.errors
    assert err.startswith("no code was read for what looks like a slip at the right of the "
                          "photo: if it is one, it is not in this scan"), err
    assert not res.ok


def test_a_slip_struck_out_past_its_boxes_is_never_applied(tmp_path):
    """A slip ticked done and then struck out with a slash from corner to corner that
    misses every box (it passes between the stuck box and its label): the tick alone was
    read and applied. Now the stroke across the slip sends it to review; the same tick on
    a slip left whole is applied."""
    from PIL import ImageDraw

    kit, rec = _kit(tmp_path, 2)
    items = []
    for i, task in enumerate(("T0001", "T0002")):
        img = render_slip(_code(kit, task), (Mark("done", "tick", "blue"),), 3.0)
        if task == "T0001":
            ImageDraw.Draw(img).line([(15, 15), (img.width - 15, img.height - 15)],
                                     fill=(25, 25, 30), width=4)
        items.append((img, slip_at(100 + i * 950, 300, 3.2)))  # each whole in the photo
    path = tmp_path / "struck.jpg"
    save(compose(items, (2000, 1200), 0), path)
    (res,) = scan_photos(kit, rec, [path])
    by = {s.task: s for s in res.slips}
    assert by["T0001"].outcome == "review" and by["T0001"].status == "done", by["T0001"]
    assert "struck out" in by["T0001"].reason, by["T0001"].reason
    assert get_task(rec, "T0001").status == "open"
    assert by["T0002"].outcome == "applied" and by["T0002"].status == "done", by["T0002"]


@pytest.mark.parametrize("status", ["open", "taken"])
def test_a_ticked_slip_struck_across_is_held_on_any_task_status(tmp_path, status):
    """A slip ticked taken, then struck out by a slash across it: on an open task it went to
    review, but on a task already taken it came back 'unchanged', reporting taken read
    from a slip struck out (red team, round nine). Both go to review now; the task is as
    it was."""
    from PIL import ImageDraw

    kit, rec = _kit(tmp_path, 1, status=status)
    code = _code(kit, "T0001")
    log_print(rec, code)
    s = 6.0
    slip = render_slip(code, (Mark("taken", "tick", "blue"),), s=s)
    ImageDraw.Draw(slip).line([(5 * s, 5 * s), ((S.SLIP_W - 5) * s, (S.SLIP_H - 5) * s)],
                              fill=(40, 40, 140), width=round(1.2 * s))
    path = tmp_path / "struck.jpg"
    save(compose([(slip, slip_at(300, 250, 4.0))], (1800, 1300), seed=1), path, 90)
    (res,) = scan_photos(kit, rec, [path])
    (slip_read,) = res.slips
    assert slip_read.outcome == "review", slip_read
    assert "ink runs across the slip above its boxes" in slip_read.reason
    assert get_task(rec, "T0001").status == status
