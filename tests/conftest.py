"""Shared fixtures. Add yours below; keep each fixture small."""

from __future__ import annotations

import hashlib
import itertools
import os

import pytest

import paperkit.kit
import paperkit.scan.pipeline
from paperkit.cli import main
from paperkit.kit import Kit, init_kit
from paperkit.samplekit import make_sample_kit


@pytest.fixture(autouse=True)
def _repeatable_kit_keys(request, monkeypatch):
    """Each kit a test makes gets a key derived from the test's name and the kit's number in
    the test, not a random one. Slip codes, and so every photo drawn of them, come from the
    key: with random keys a pixel-level scan test reads different images on every run, and
    passes here but fails on CI one time in many. Set PAPERKIT_TEST_RANDOM_KEYS=1 to draw
    random keys instead, to look for tests that hang on one key's images."""
    if os.environ.get("PAPERKIT_TEST_RANDOM_KEYS"):
        return
    seed = hashlib.sha256(request.node.nodeid.encode()).digest()
    count = itertools.count()
    monkeypatch.setattr(paperkit.kit, "_new_key",
                        lambda: hashlib.sha256(seed + str(next(count)).encode()).digest())


@pytest.fixture(autouse=True)
def _drawn_slips_were_printed(request):
    """A slip is applied only when the record printed it (``prints.was_printed``): a task
    number used again after a restore, or by another copy of the kit, must not take an old
    slip's mark. Most scan tests draw their slips straight from ``codes.build`` without
    printing them; for those, every slip drawn counts as printed (what a real kit's slips
    are). Tests marked ``real_prints`` (the round trip through a printed PDF, the demo, the
    check's own tests) keep the real check, as do subprocesses and module fixtures: they
    log their slips' print (scan_images.log_print). Its own patch, so that a test's
    ``monkeypatch.undo()`` keeps it."""
    with pytest.MonkeyPatch.context() as patch:
        if request.node.get_closest_marker("real_prints") is None:
            patch.setattr(paperkit.scan.pipeline, "was_printed", lambda *args: True)
        yield


@pytest.fixture
def kit(tmp_path) -> Kit:
    """An empty kit in a temporary folder."""
    return init_kit(tmp_path / "kit", name="Test group")


@pytest.fixture
def sample_kit(tmp_path) -> Kit:
    """The sample kit from samples/ in a temporary folder."""
    return make_sample_kit(tmp_path / "sample")


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    """Run ``paperkit ARGS`` in ``tmp_path`` like the console script: (code, out, err)."""
    monkeypatch.delenv("PAPERKIT_KIT", raising=False)
    monkeypatch.chdir(tmp_path)

    def _run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        return exit_info.value.code, out, err

    return _run


@pytest.fixture
def import_meanwhile(monkeypatch):
    """``run(first, table, path, other)``: import ``path`` with the record ``first`` while
    another connection imports ``other`` and commits just after this import has parsed
    and checked its rows and before its own transaction (the race its checks inside the
    transaction must see)."""
    from paperkit.record import csvio

    def _run(first, table, path, other_rec, other_path):
        real = csvio._duplicate_ids

        def meanwhile(name, planned):
            monkeypatch.setattr(csvio, "_duplicate_ids", real)
            csvio.import_file(other_rec, table, other_path)
            return real(name, planned)

        monkeypatch.setattr(csvio, "_duplicate_ids", meanwhile)
        return csvio.import_file(first, table, path)

    return _run
