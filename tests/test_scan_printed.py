"""A slip is applied only when its record printed it (``prints.was_printed``).

A slip code names the kit, the task's number and its rev, signed with the kit's key; it
does not name the task's content. A task number can be used again: a record restored from
a backup older than the print numbers its next task T0031 again, and two laptops with
copies of one kit each add their own T0031. An old slip's mark then went to another task
(an audit saw "Buy tarps" marked done by the slip of "Call the lawyer for Dee"). The record
logs every slip it prints (print_codes), so a slip it never printed goes to review."""

from __future__ import annotations

from dataclasses import replace

import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.kit import init_kit
from paperkit.record.db import Source
from paperkit.record.prints import record_print, was_printed
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos
from paperkit.scan.review import pending

pytestmark = pytest.mark.real_prints


def _photo(tmp_path, kit, name: str, task: str, seed: int = 0):
    path = tmp_path / name
    code = codes.build(kit.key, kit.id, task, 1).text
    save(grid_photo([(code, (Mark("done"),))], size=(1200, 900), cols=1, seed=seed), path, 88)
    return path, code


def _kit(tmp_path, title: str):
    kit = init_kit(tmp_path / "kit")
    rec = kit.open_record()
    with rec.write(Source("cli", "test")) as w:
        w.insert("tasks", {"id": "T0031", "title": title, "status": "open"})
    return kit, rec


def test_a_slip_this_record_never_printed_goes_to_review(tmp_path, run):
    """The record holds T0031 "Buy tarps", never printed; a photo of a slip T0031 rev 1
    (the other task's, printed before a restore) is signed by the kit's key and reads
    clearly done: it goes to review, saying why, and the task stays open."""
    kit, rec = _kit(tmp_path, "Buy tarps")
    path, _ = _photo(tmp_path, kit, "old.jpg", "T0031")
    (res,) = scan_photos(kit, rec, [path])
    (s,) = res.slips
    assert (s.outcome, s.status) == ("review", "done")
    assert "never printed this slip" in s.reason and "'Buy tarps'" in s.reason
    assert get_task(rec, "T0031").status == "open"
    (item,) = pending(rec)
    assert item.task == "T0031" and item.suggested == "done" and item.crop
    rec.close()
    code, out, _ = run("--kit", str(kit.path), "review")
    assert code == 1 and "never printed this slip" in out


def test_a_slip_the_record_printed_is_applied(tmp_path):
    kit, rec = _kit(tmp_path, "Call the lawyer for Dee")
    path, code = _photo(tmp_path, kit, "new.jpg", "T0031")
    assert not was_printed(rec, code, "T0031", 1)
    with rec.write(Source("cli", "paperkit print slips")) as w:
        record_print(w, "slips", "slips.pdf", [(code, "T0031", 1)])
    assert was_printed(rec, code, "T0031", 1)
    (res,) = scan_photos(kit, rec, [path])
    assert [(s.outcome, s.status) for s in res.slips] == [("applied", "done")]
    assert get_task(rec, "T0031").status == "done"


def test_printing_after_the_review_lets_a_new_photo_apply(tmp_path):
    """Once the record prints the slip (the task's own, reprinted), a photo of it applies;
    the first photo's review item stays for the person."""
    kit, rec = _kit(tmp_path, "Buy tarps")
    first, code = _photo(tmp_path, kit, "a.jpg", "T0031")
    assert [s.outcome for s in scan_photos(kit, rec, [first])[0].slips] == ["review"]
    with rec.write(Source("cli", "paperkit print slips")) as w:
        record_print(w, "slips", "slips.pdf", [(code, "T0031", 1)])
    second, _ = _photo(tmp_path, kit, "b.jpg", "T0031", seed=4)
    (res,) = scan_photos(kit, rec, [second])
    assert [(s.outcome, s.status) for s in res.slips] == [("applied", "done")]


def test_a_slip_this_record_printed_under_another_key_says_to_put_the_key_back(tmp_path):
    """A backup restored onto a fresh init: the record printed these slips, but the new
    kit.key is another kit's. Such a slip said only that it belongs to another kit; it now
    says that this record printed it and to put back the key it was printed with."""
    old = init_kit(tmp_path / "old")
    new = init_kit(tmp_path / "new")
    assert old.id != new.id
    code = codes.build(old.key, old.id, "T0031", 1).text
    rec = new.open_record()
    with rec.write(Source("cli", "test")) as w:
        w.insert("tasks", {"id": "T0031", "title": "Call the lawyer", "status": "open"})
        record_print(w, "slips", "slips.pdf", [(code, "T0031", 1)])
    path = tmp_path / "p.jpg"
    save(grid_photo([(code, (Mark("done"),))], size=(1200, 900), cols=1), path, 88)
    (res,) = scan_photos(new, rec, [path])
    (s,) = res.slips
    assert s.outcome == "other-kit" and get_task(rec, "T0031").status == "open"
    assert f"this record printed this slip, under kit {old.id}" in s.reason
    assert "put back the kit.key" in s.reason


def test_the_record_keeps_file_names_not_the_folders_they_were_in(tmp_path, run):
    """A photo scanned from /home/maria.gonzalez/Downloads/... and a print written to
    /home/maria.gonzalez/Desktop/... kept those paths in the record (and so in every
    backup): the person's name. The record keeps the file names only."""
    kit, rec = _kit(tmp_path, "Buy tarps")
    rec.close()
    home = tmp_path / "home" / "maria.gonzalez"
    (home / "Downloads").mkdir(parents=True)
    (home / "Desktop").mkdir()
    assert run("--kit", str(kit.path), "print", "slips", "--task", "T0031", "-o",
               str(home / "Desktop" / "slips.pdf"))[0] == 0
    path, _ = _photo(home / "Downloads", kit, "WhatsApp Image.jpeg", "T0031")
    run("--kit", str(kit.path), "scan", str(path))
    with kit.open_record() as rec:
        files = [r["file"] for r in rec.query("SELECT file FROM prints")]
        results = [r["result"] for r in rec.query("SELECT result FROM scans")]
        sources = [r["source"] for r in rec.query("SELECT source FROM events")]
    assert files == ["slips.pdf"]
    assert len(results) == 1 and '"photo": "WhatsApp Image.jpeg"' in results[0]
    assert not any("maria.gonzalez" in text for text in files + results + sources)


def test_scanning_the_kits_own_stored_photos_reads_none_again(tmp_path, run):
    """The kit keeps each scanned photo as photos/<sha256>.jpg with its metadata removed,
    so the copy's own bytes hash to another sha256: 'paperkit scan photos/' read each
    again as a new photo, stored a duplicate and queued its reviews twice. Each is now the
    photo scanned before."""
    kit, rec = _kit(tmp_path, "Buy tarps")
    path, _ = _photo(tmp_path, kit, "p.jpg", "T0031")  # never printed: a review
    (first,) = scan_photos(kit, rec, [path])
    assert first.stored and [s.outcome for s in first.slips] == ["review"]
    rec.close()
    code, out, _ = run("--kit", str(kit.path), "scan", str(kit.path / "photos"))
    assert code == 1 and "already scanned" in out
    with kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM scans")[0] == 1
        assert len(pending(rec)) == 1
    assert sorted(p.name for p in (kit.path / "photos").glob("*.jpg")) == [
        f"{first.sha256}.jpg"]


def test_review_says_when_a_slips_picture_is_missing(tmp_path, run):
    """A record restored or copied without its photos/ folder: the review listed a picture
    to look at that was not there."""
    kit, rec = _kit(tmp_path, "Buy tarps")
    path, _ = _photo(tmp_path, kit, "p.jpg", "T0031")
    scan_photos(kit, rec, [path])
    (item,) = pending(rec)
    rec.close()
    code, out, _ = run("--kit", str(kit.path), "review")
    assert code == 1 and "(missing" not in out
    (kit.path / item.crop).unlink()
    code, out, _ = run("--kit", str(kit.path), "review")
    assert code == 1 and "(missing: the kit's photos/ folder was not copied" in out


def _restored_onto_a_fresh_init(tmp_path):
    """A record restored onto a fresh init (a new key): its slip T0031 was printed with the
    old kit's key; the photo also holds T0032, printed with the new key."""
    old = init_kit(tmp_path / "old")
    new = init_kit(tmp_path / "new")
    rec = new.open_record()
    before = codes.build(old.key, old.id, "T0031", 1).text
    after = codes.build(new.key, new.id, "T0032", 1).text
    with rec.write(Source("cli", "test")) as w:
        w.insert("tasks", {"id": "T0031", "title": "Call the lawyer", "status": "open"})
        w.insert("tasks", {"id": "T0032", "title": "Buy tarps", "status": "open"})
        record_print(w, "slips", "old.pdf", [(before, "T0031", 1)])
        record_print(w, "slips", "new.pdf", [(after, "T0032", 1)])
    path = tmp_path / "p.jpg"
    save(grid_photo([(before, (Mark("done"),)), (after, (Mark("taken"),))], size=(1800, 900),
                    cols=2), path, 88)
    return old, new, rec, path


def test_a_photo_read_again_once_the_key_is_back_applies_the_slips_it_refused(tmp_path, run):
    """The scan said to put back the kit.key the slips were printed with; once it was back,
    the photo could not be read again (a photo scanned before is never read again), and
    its slips were lost to the record. ``scan --again`` reads the slips that scan could not
    apply; what it decided (T0032 applied) stands, and is not applied twice."""
    old, new, rec, path = _restored_onto_a_fresh_init(tmp_path)
    (first,) = scan_photos(new, rec, [path])
    assert sorted((s.task, s.outcome) for s in first.slips) == [
        ("T0031", "other-kit"), ("T0032", "applied")]
    assert "then scan this photo again with --again" in next(
        s.reason for s in first.slips if s.task == "T0031")
    rec.close()
    code, out, _ = run("--kit", str(new.path), "scan", str(path))
    assert code == 1 and f"'paperkit scan --again {path}' reads those again" in out
    (new.path / "kit.key").write_bytes(old.key)  # the key put back
    code, out, _ = run("--kit", str(new.path), "scan", "--again", str(path))
    assert code == 0, out
    assert "read again (first scanned on" in out and "T0031" in out and "T0032" not in out
    with new.open_record() as rec:
        assert get_task(rec, "T0031").status == "done"
        assert get_task(rec, "T0032").status == "taken"
        assert rec.query_one("SELECT count(*) FROM scans")[0] == 1
        sources = {r["source"] for r in rec.query(
            "SELECT source FROM events WHERE tbl = 'tasks' AND action = 'update'")}
        assert sources == {first.sha256}  # the events name the photo
        taken = rec.query("SELECT count(*) FROM events WHERE tbl = 'tasks' AND row_id ="
                          " 'T0032' AND action = 'update'")[0][0]
        assert taken == 1
    # read again once more: nothing left to read, nothing changed
    code, out, _ = run("--kit", str(new.path), "scan", "--again", str(path))
    assert code == 0 and "already scanned" in out and "cannot be applied" not in out
    with new.open_record() as rec:
        (res,) = scan_photos(new, rec, [path])
        assert res.already_scanned and res.ok and not res.slips


def test_a_photo_read_again_without_the_key_back_changes_nothing(tmp_path):
    """--again with the wrong key still: the slip is refused again, nothing else read or
    written twice, and a plain rescan still lists it."""
    _, new, rec, path = _restored_onto_a_fresh_init(tmp_path)
    (first,) = scan_photos(new, rec, [path])
    reads = rec.query_one("SELECT count(*) FROM slip_reads")[0]
    (res,) = scan_photos(new, rec, [path], again=True)
    assert res.read_again == _first_at(rec, first.sha256)
    assert [(s.task, s.outcome) for s in res.slips] == [("T0031", "other-kit")]
    assert rec.query_one("SELECT count(*) FROM slip_reads")[0] == reads
    assert get_task(rec, "T0032").rev == 2 and get_task(rec, "T0031").status == "open"
    (plain,) = scan_photos(new, rec, [path])
    assert plain.already_scanned and [(s.task, s.outcome) for s in plain.slips] == [
        ("T0031", "other-kit")]


def test_a_dry_run_read_again_writes_nothing(tmp_path):
    old, new, rec, path = _restored_onto_a_fresh_init(tmp_path)
    scan_photos(new, rec, [path])
    kit = replace(new, key=old.key)  # the key put back
    events = rec.query_one("SELECT count(*) FROM events")[0]
    (res,) = scan_photos(kit, rec, [path], dry_run=True, again=True)
    assert [(s.task, s.outcome) for s in res.slips] == [("T0031", "applied")]
    assert rec.query_one("SELECT count(*) FROM events")[0] == events
    assert get_task(rec, "T0031").status == "open"


def _first_at(rec, sha: str) -> str:
    return rec.query_one("SELECT at FROM scans WHERE sha256 = ?", (sha,))["at"]
