"""Where the kit is, and what paperkit does when it is not where it seems: $PAPERKIT_KIT
naming another kit than the folder you stand in, and a kit on a read-only disk (a
write-protected USB stick, a CD). The kiosk's moved folder is in test_kiosk_moved.py."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from scan_images import grid_photo

from paperkit import codes
from paperkit import kit as kit_folder
from paperkit.kiosk import create_app
from paperkit.kit import init_kit
from paperkit.record import Source
from paperkit.record import db as record_db
from paperkit.record.tasks import get_task


# -- $PAPERKIT_KIT and the folder you stand in --------------------------------------------
@pytest.fixture
def two_kits(tmp_path):
    """Kit A (named by $PAPERKIT_KIT in the tests) and kit B (where the user stands)."""
    return init_kit(tmp_path / "a", name="Kit A"), init_kit(tmp_path / "b", name="Kit B")


def test_paperkit_kit_naming_another_kit_than_this_folder_is_said_on_stderr(
        run, two_kits, monkeypatch, tmp_path):
    """Regression: with $PAPERKIT_KIT naming kit A, 'cd B && paperkit scan photo.jpg' put
    the photo into A's record and said nothing."""
    a, b = two_kits
    monkeypatch.setenv("PAPERKIT_KIT", str(a.path))
    monkeypatch.chdir(b.path)
    (tmp_path / "photo.jpg").write_bytes(b"not a photo")
    code, out, err = run("scan", "--dry-run", "--json", str(tmp_path / "photo.jpg"))
    json.loads(out)  # stdout stays clean for --json: the notice is on stderr
    notice = [line for line in err.splitlines() if "PAPERKIT_KIT" in line]
    assert len(notice) == 1
    assert str(a.path) in notice[0] and str(b.path) in notice[0]
    assert "--kit ." in notice[0] and "unset PAPERKIT_KIT" in notice[0]

    code, out, err = run("status", "--json")  # the documented choice still holds: kit A
    assert code == 0 and json.loads(out) and str(b.path) in err
    code, out, err = run("status")
    assert out.startswith("Kit A:") and "PAPERKIT_KIT" in err

    monkeypatch.chdir(b.path / "photos")  # deeper in B: '--kit .' would not be B
    code, _, err = run("status")
    assert code == 0 and f"--kit {b.path}" in err


def test_no_notice_when_paperkit_kit_and_this_folder_agree_or_no_kit_is_here(
        run, two_kits, monkeypatch, tmp_path):
    a, b = two_kits
    monkeypatch.setenv("PAPERKIT_KIT", str(a.path))
    for here in (a.path, a.path / "photos", tmp_path):
        monkeypatch.chdir(here)
        code, out, err = run("status")
        assert code == 0 and out.startswith("Kit A:") and err == "", here
    monkeypatch.chdir(b.path)  # --kit on the command line is a choice made now: no notice
    code, out, err = run("--kit", str(a.path), "status")
    assert code == 0 and out.startswith("Kit A:") and err == ""
    code, out, err = run("--kit", ".", "status")
    assert code == 0 and out.startswith("Kit B:") and err == ""


def test_init_with_paperkit_kit_set_inside_another_kit_is_unaffected(
        run, two_kits, monkeypatch):
    a, b = two_kits
    monkeypatch.setenv("PAPERKIT_KIT", str(a.path))
    monkeypatch.chdir(b.path / "photos")
    code, out, err = run("init", "new", "--name", "New")
    assert code == 0 and err == "" and (b.path / "photos" / "new" / "kit.key").is_file()
    assert "created kit" in out


def test_paperkit_kit_naming_no_kit_says_the_variable_names_it(run, kit, monkeypatch,
                                                               tmp_path):
    monkeypatch.setenv("PAPERKIT_KIT", str(tmp_path / "gone"))
    monkeypatch.chdir(kit.path)
    code, out, err = run("status")
    assert code == 2 and out == ""
    assert "does not exist" in err and "$PAPERKIT_KIT names it" in err
    assert "unset it" in err


def test_overridden_kit_is_the_kit_this_folder_is_in_when_it_is_not_the_chosen_one(
        two_kits, tmp_path):
    a, b = two_kits
    assert kit_folder.overridden_kit(a.path, cwd=b.path / "photos") == b.path
    assert kit_folder.overridden_kit(a.path, cwd=a.path / "photos") is None
    assert kit_folder.overridden_kit(a.path, cwd=tmp_path) is None
    nested = init_kit(a.path / "inner", name="Inner")  # a kit inside kit A
    assert kit_folder.overridden_kit(a.path, cwd=nested.path) == nested.path
    assert kit_folder.overridden_kit(nested.path, cwd=a.path) == a.path


# -- a kit on a read-only disk --------------------------------------------------------------
def _unshare() -> list[str]:
    """The command that runs another in a mount namespace of its own (unprivileged users:
    in a user namespace too), where a read-only bind mount touches nothing outside."""
    return ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]


RUNNER = r"""
import contextlib, io, json, sys
from paperkit.cli import main
results = []
for args in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
            code = 0
        except SystemExit as exc:
            code = exc.code
    results.append([code, out.getvalue(), err.getvalue()])
print(json.dumps(results))
"""


def _read_only_mount(src: Path, mnt: Path, commands: list[list[str]]) -> list:
    """Run each paperkit command line with ``src`` mounted read-only at ``mnt`` (a bind
    mount, as a write-protected USB stick or a CD is mounted); (code, out, err) each."""
    mnt.mkdir(exist_ok=True)
    script = ('mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" && touch "$2/.w"'
              ' 2>/dev/null && exit 99; shift 2; exec "$@"')
    env = {k: v for k, v in os.environ.items() if k != "PAPERKIT_KIT"}
    proc = subprocess.run([*_unshare(), "sh", "-c", script, "sh", str(src), str(mnt),
                           sys.executable, "-c", RUNNER, json.dumps(commands)],
                          capture_output=True, text=True, env=env, cwd=src.parent,
                          timeout=300)
    if proc.returncode == 99:
        pytest.fail("the bind mount was not read-only")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def read_only_mounts(tmp_path_factory):
    """Skip where a read-only bind mount cannot be made (not Linux, no unshare, no user
    namespaces): chmod would not do, as root ignores file modes."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        pytest.skip("needs Linux's unshare for a read-only bind mount")
    folder = tmp_path_factory.mktemp("probe")
    (folder / "src").mkdir()
    (folder / "mnt").mkdir()
    probe = subprocess.run([*_unshare(), "sh", "-c", 'mount --bind "$1" "$2" && mount -o'
                            ' remount,ro,bind "$2"', "sh", str(folder / "src"),
                            str(folder / "mnt")], capture_output=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"no read-only bind mount here: {probe.stderr.decode().strip()}")
    return True


def _slip_photo(kit, path: Path) -> Path:
    with kit.open_record() as rec:
        items = [(codes.build(kit.key, kit.id, t, get_task(rec, t).rev).text, ())
                 for t in ("T0001", "T0003")]
    Image.fromarray(grid_photo(items, size=(1400, 520), cols=2, s=3.0)).save(path)
    return path


def test_a_kit_on_a_read_only_disk_is_read_and_writes_are_refused_clearly(
        read_only_mounts, sample_kit, tmp_path, run):
    """Regression: on a write-protected USB stick every command, 'status' and 'export'
    too, failed with "read-only ... give yourself write access ('chmod u+w ...')": SQLite
    could not make record.sqlite-shm beside the record to read it, and chmod cannot help
    there. Read commands now read it; writing ones say to copy the kit folder."""
    expected_tasks = json.loads(run("--kit", str(sample_kit.path), "export", "tasks",
                                    "--format", "json")[1])
    csv = tmp_path / "tasks.csv"
    csv.write_text(run("--kit", str(sample_kit.path), "export", "tasks", "--format",
                       "csv")[1], encoding="utf-8")
    photo = _slip_photo(sample_kit, tmp_path / "slips.jpg")
    before = sorted(p.name for p in sample_kit.path.iterdir())
    mnt = tmp_path / "usb"
    kit = ["--kit", str(mnt)]
    (status, tasks, log, backup, imported, printed, added, scanned) = _read_only_mount(
        sample_kit.path, mnt, [
            [*kit, "status", "--json"],
            [*kit, "export", "tasks", "--format", "json"],
            [*kit, "log"],
            [*kit, "backup", str(tmp_path / "copy.sqlite")],
            [*kit, "import", "tasks", str(csv)],
            [*kit, "print", "slips", "-o", str(tmp_path / "slips.pdf")],
            [*kit, "task", "add", "Book the hall"],
            [*kit, "scan", str(photo)],
        ])
    assert status[0] in (0, 1) and json.loads(status[1])["tasks"], status
    assert tasks[0] == 0 and json.loads(tasks[1]) == expected_tasks, tasks
    assert log[0] == 0 and "insert tasks T0001" in log[1], log
    assert backup[0] == 0 and (tmp_path / "copy.sqlite").is_file(), backup
    for code, _out, err in (imported, printed, added):
        assert code == 1, err
        assert "read-only disk" in err and "copy the whole kit folder" in err, err
        assert "chmod" not in err and "Traceback" not in err
    assert not (tmp_path / "slips.pdf").exists()  # its slips could not be logged
    code, out, err = scanned
    assert code == 1 and "read-only" in err and "copy the whole kit folder" in err, err
    assert "Traceback" not in err
    assert sorted(p.name for p in sample_kit.path.iterdir()) == before  # no -wal, no -shm


def test_a_read_only_kit_whose_wal_holds_changes_is_refused_not_read_out_of_date(
        read_only_mounts, sample_kit, tmp_path):
    """A kit copied while the kiosk ran carries record.sqlite-wal: without its -shm, and
    with no way to make one, SQLite could read the record only without the changes in the
    -wal (immutable), which would show it out of date. That is refused and said; with
    the -shm copied too, the newest changes are read."""
    rec = sample_kit.open_record()
    rec.conn.execute("PRAGMA wal_autocheckpoint = 0")  # the changes stay in the -wal
    with rec.write(Source("cli", "test")) as w:
        w.update("tasks", "T0001", {"title": "Only in the wal"})
    copy = tmp_path / "copy"
    shutil.copytree(sample_kit.path, copy)  # record.sqlite, -wal and -shm, as the kiosk ran
    rec.close()
    assert (copy / "record.sqlite-wal").stat().st_size > 32  # more than its header
    (with_shm,) = _read_only_mount(copy, tmp_path / "usb", [
        ["--kit", str(tmp_path / "usb"), "export", "tasks", "--format", "json"]])
    assert with_shm[0] == 0 and "Only in the wal" in with_shm[1], with_shm

    (copy / "record.sqlite-shm").unlink()
    listing = sorted(os.listdir(copy))
    (status,) = _read_only_mount(copy, tmp_path / "usb", [
        ["--kit", str(tmp_path / "usb"), "export", "tasks", "--format", "json"]])
    code, out, err = status
    assert code == 1 and out == "", status
    assert "record.sqlite-wal holds changes" in err and "copy the whole kit folder" in err
    assert "Traceback" not in err
    assert sorted(os.listdir(copy)) == listing  # no -shm made, the -wal kept


def test_the_kiosk_refuses_an_upload_to_a_read_only_kit_before_reading_it(
        sample_kit, monkeypatch):
    """The kiosk read the photos, then failed storing them with a generic 'something went
    wrong' page; now it says the kit is read-only, before reading anything."""
    token = "kiosk-read-only-token-0123456789"
    client = create_app(sample_kit, token=token).test_client()
    assert client.get(f"/?token={token}").status_code == 200
    html = client.get("/upload").get_data(as_text=True)
    csrf = html.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    monkeypatch.setattr(record_db, "_on_read_only_disk", lambda path: True)
    assert client.get("/").status_code == 200  # reading still works
    r = client.post("/upload", data={"csrf": csrf, "photos": (io.BytesIO(b"x"), "a.jpg")},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "read-only disk" in html and "copy the whole kit" in html
    with sample_kit.open_record() as rec:
        assert rec.query("SELECT count(*) FROM scans")[0][0] == 0


def test_a_record_opened_read_only_says_so_and_refuses_writes(sample_kit, monkeypatch):
    """The fallback itself, where no mount can be made: the record's folder may not be
    written (as for a user without write access to it), so it is opened for reading."""
    monkeypatch.setattr(record_db, "_may_write_folder", lambda path: False, raising=False)
    real = sqlite3.connect

    def no_rw(target, *args, **kw):  # SQLite cannot open it for writing here
        if isinstance(target, str) and target.endswith("?mode=rw"):
            raise sqlite3.OperationalError("unable to open database file")
        return real(target, *args, **kw)

    monkeypatch.setattr(record_db.sqlite3, "connect", no_rw)
    with sample_kit.open_record() as rec:
        assert rec.read_only and get_task(rec, "T0001") is not None
        with pytest.raises(record_db.RecordReadOnly):
            with rec.write(Source("cli", "test")) as w:
                w.update("tasks", "T0001", {"title": "changed"})
    monkeypatch.setattr(record_db.sqlite3, "connect", real)
    with sample_kit.open_record() as rec:
        assert not rec.read_only and get_task(rec, "T0001").title != "changed"
