"""The kit's log of the slips it has printed (paperkit/printlog.py): a record restored from
a backup, or started over, never prints a code an earlier slip carries for another task."""

from __future__ import annotations

import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.cli import main
from paperkit.kit import open_kit
from paperkit.printlog import LOG_NAME, printed_revs
from paperkit.record.tasks import get_task
from paperkit.scan import scan_photos

pytestmark = pytest.mark.real_prints  # the scan's own check of what the record printed


def _cli(*args: str) -> int:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    return done.value.code


def _slip_photo(kit, path, task: str, rev: int, status: str = "done"):
    """A photo of the slip of ``task`` at ``rev`` (its code as any print of it makes it),
    marked ``status``."""
    save(grid_photo([(codes.build(kit.key, kit.id, task, rev).text, (Mark(status),))],
                    size=(1400, 1000), cols=1), path)
    return path


@pytest.fixture
def kit_dir(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PAPERKIT_KIT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert _cli("init", "kit") == 0
    capsys.readouterr()
    return tmp_path / "kit"


def _scan(kit_dir, photo):
    kit = open_kit(kit_dir)
    with kit.open_record() as rec:
        (res,) = scan_photos(kit, rec, [photo])
        return res, get_task(rec, "T0001")


def test_an_old_slip_never_sets_a_task_that_took_its_number_after_a_restore(kit_dir,
                                                                           tmp_path):
    """Backed up, a task added and its slip printed and marked, the backup put back, and
    another task added, which took the same number: its slip printed the old slip's code,
    and the old slip (or its photo scanned again) then set the new task's status (a red
    team, the fortieth session). The print now raises the new task's rev past the old
    print's, so the old slip is out of date for it: it goes to review."""
    kit = f"--kit={kit_dir}"
    assert _cli(kit, "backup", str(tmp_path / "b.sqlite")) == 0
    assert _cli(kit, "task", "add", "Buy banner paint") == 0
    assert _cli(kit, "print", "slips", "-o", str(tmp_path / "a.pdf")) == 0
    old = _slip_photo(open_kit(kit_dir), tmp_path / "old.jpg", "T0001", 1)
    assert _cli(kit, "restore", str(tmp_path / "b.sqlite")) == 0
    assert _cli(kit, "task", "add", "Call the mayor") == 0
    assert _cli(kit, "print", "slips", "-o", str(tmp_path / "b.pdf")) == 0
    res, task = _scan(kit_dir, old)
    assert (task.title, task.status, task.rev) == ("Call the mayor", "open", 2)
    assert [(s.outcome, s.rev) for s in res.slips] == [("stale", 1)]
    new = _slip_photo(open_kit(kit_dir), tmp_path / "new.jpg", "T0001", 2)
    res, task = _scan(kit_dir, new)  # the new slip is applied as ever
    assert [s.outcome for s in res.slips] == ["applied"] and task.status == "done"


def test_an_old_slip_never_sets_a_task_of_a_kit_started_over(kit_dir, tmp_path):
    """'restore --empty' starts the kit over with its key: the new tasks take the numbers
    from T0001 again, and once printed, the last round's slips and photos set them."""
    kit = f"--kit={kit_dir}"
    assert _cli(kit, "task", "add", "Book a van") == 0
    assert _cli(kit, "print", "slips", "-o", str(tmp_path / "a.pdf")) == 0
    old = _slip_photo(open_kit(kit_dir), tmp_path / "old.jpg", "T0001", 1)
    assert _cli(kit, "restore", "--empty") == 0
    assert _cli(kit, "task", "add", "Write the zine") == 0
    assert _cli(kit, "print", "slips", "-o", str(tmp_path / "b.pdf")) == 0
    res, task = _scan(kit_dir, old)
    assert (task.title, task.status) == ("Write the zine", "open")
    assert [s.outcome for s in res.slips] == ["stale"]


def test_a_reprint_of_what_the_record_printed_keeps_its_code(kit_dir, tmp_path):
    kit = f"--kit={kit_dir}"
    assert _cli(kit, "task", "add", "Book a van") == 0
    for name in ("a.pdf", "b.pdf"):
        assert _cli(kit, "print", "slips", "-o", str(tmp_path / name)) == 0
    with open_kit(kit_dir).open_record() as rec:
        assert get_task(rec, "T0001").rev == 1
    assert printed_revs(open_kit(kit_dir)) == {"T0001": 1}
    assert (kit_dir / LOG_NAME).stat().st_mode & 0o777 == 0o600


def test_a_kits_first_log_holds_what_its_record_printed_before(kit_dir, tmp_path):
    """A kit made before the log: its first print's log starts with the record's prints."""
    kit = f"--kit={kit_dir}"
    for title in ("Book a van", "Write the zine"):
        assert _cli(kit, "task", "add", title) == 0
    assert _cli(kit, "print", "slips", "-o", str(tmp_path / "a.pdf")) == 0
    (kit_dir / LOG_NAME).unlink()  # as before there was one
    assert _cli(kit, "print", "slips", "--task", "T0002", "-o", str(tmp_path / "b.pdf")) == 0
    assert printed_revs(open_kit(kit_dir)) == {"T0001": 1, "T0002": 1}
