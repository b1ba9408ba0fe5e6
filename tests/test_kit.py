"""The kit folder: init, discovery, kit.toml validation, and the sample kit."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from paperkit.errors import ConfigError, KitExists, KitNotFound
from paperkit.kit import TEMPLATE, Settings, find_kit_path, init_kit, open_kit, parse_settings
from paperkit.record.csvio import export_csv_text
from paperkit.record.status import status
from paperkit.samplekit import SAMPLE_TABLES, make_sample_kit, samples_dir


def test_init_makes_every_file(kit):
    for name in ("kit.toml", "record.sqlite", "kit.key"):
        assert (kit.path / name).is_file()
    assert (kit.path / "photos").is_dir()
    assert len((kit.path / "kit.key").read_bytes()) == 32
    assert stat.S_IMODE((kit.path / "kit.key").stat().st_mode) == 0o600
    assert len(kit.id) == 4 and kit.id == open_kit(kit.path).id
    assert kit.settings.name == "Test group"


def test_kit_toml_comments_every_setting():
    for key in Settings.__dataclass_fields__:
        assert key in TEMPLATE, key


@pytest.mark.parametrize("existing", ["kit.toml", "kit.key", "record.sqlite"])
def test_init_twice_refuses_and_never_overwrites_the_key(kit, existing):
    key = (kit.path / "kit.key").read_bytes()
    toml = (kit.path / "kit.toml").read_text()
    for name in ("kit.toml", "kit.key", "record.sqlite"):
        if name != existing:
            (kit.path / name).unlink()
    with pytest.raises(KitExists, match=existing):
        init_kit(kit.path)
    if existing == "kit.key":
        assert (kit.path / "kit.key").read_bytes() == key
    if existing == "kit.toml":
        assert (kit.path / "kit.toml").read_text() == toml


def test_two_inits_at_once_one_makes_the_kit_the_other_is_refused(kit, monkeypatch):
    """Two inits into one folder at once both passed the check for existing files; the
    later one wrote its kit.toml over the first's (its name) and then failed on the key
    with a bare FileExistsError. Now each file is made only if absent: the later init is
    refused as KitExists and the first kit stays whole. (The race is made certain here by
    letting the check see nothing.)"""
    key = (kit.path / "kit.key").read_bytes()
    toml = (kit.path / "kit.toml").read_text()
    monkeypatch.setattr(Path, "exists", lambda self: False)
    with pytest.raises(KitExists, match="kit.toml already exists"):
        init_kit(kit.path, name="Another group")
    monkeypatch.undo()
    assert (kit.path / "kit.toml").read_text() == toml
    assert (kit.path / "kit.key").read_bytes() == key


def test_init_on_a_whole_kit_refuses(kit):
    key = (kit.path / "kit.key").read_bytes()
    with pytest.raises(KitExists):
        init_kit(kit.path)
    assert (kit.path / "kit.key").read_bytes() == key


@pytest.mark.parametrize("data, key", [
    ({"colour": "red"}, "colour"),
    ({"paper": "a5"}, "paper"),
    ({"languages": ["en", "xx"]}, "languages"),
    ({"languages": []}, "languages"),
    ({"languages": "en"}, "languages"),
    ({"rotation_days": 0}, "rotation_days"),
    ({"rotation_days": "14"}, "rotation_days"),
    ({"rotation_days": True}, "rotation_days"),
    ({"reprint_months": 99}, "reprint_months"),
    ({"name": ""}, "name"),
    ({"hotlines": [{"label": "x", "number": "1", "colour": "red"}]}, "hotlines[1].colour"),
    ({"hotlines": [{"label": "x"}]}, "hotlines[1].number"),
    ({"hotlines": [{"label": "Legal", "number": "  "}]}, "hotlines[1].number"),  # printed a
    # label with nothing under it and no line to write the number on
    ({"card_text": {"de": {}}}, "card_text.de"),
    ({"card_text": {"en": {"front_title": 3}}}, "card_text.en.front_title"),
])
def test_kit_toml_errors_name_the_key(data, key):
    with pytest.raises(ConfigError) as err:
        parse_settings(data, "kit.toml")
    assert f"'{key}'" in str(err.value)


def test_a_broken_kit_toml_is_reported_on_open(kit):
    (kit.path / "kit.toml").write_text('paper = "tabloid"\n')
    with pytest.raises(ConfigError, match="'paper'"):
        open_kit(kit.path)


def test_a_kit_toml_with_a_byte_order_mark_or_not_in_utf8_is_read_or_named(kit):
    """Regression: Notepad's UTF-8 with a BOM was "not valid TOML" at line 1, column 1, and
    a Latin-1 file a UnicodeDecodeError traceback."""
    (kit.path / "kit.toml").write_bytes(b"\xef\xbb\xbfname = \"Caf\xc3\xa9 group\"\n")
    assert open_kit(kit.path).settings.name == "Café group"
    (kit.path / "kit.toml").write_bytes(b'name = "Caf\xe9 group"\n')
    with pytest.raises(ConfigError, match="not UTF-8") as err:
        open_kit(kit.path)
    assert "save it as UTF-8" in err.value.user_message()


def test_discovery_by_option_environment_and_parent_folders(kit, tmp_path, monkeypatch):
    monkeypatch.delenv("PAPERKIT_KIT", raising=False)
    deep = kit.path / "photos" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_kit_path(cwd=deep) == kit.path
    assert find_kit_path(str(kit.path), cwd=tmp_path) == kit.path
    monkeypatch.setenv("PAPERKIT_KIT", str(kit.path))
    assert find_kit_path(cwd=tmp_path) == kit.path
    monkeypatch.delenv("PAPERKIT_KIT")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(KitNotFound):
        find_kit_path(cwd=elsewhere)
    with pytest.raises(KitNotFound):
        find_kit_path(str(elsewhere))


def test_the_sample_kit_imports_exports_identically_and_has_a_status(sample_kit):
    assert sample_kit.settings.languages == ("en", "es", "fr", "ar")
    assert len(sample_kit.settings.hotlines) == 2 and sample_kit.settings.charter
    with sample_kit.open_record() as rec:
        for table in SAMPLE_TABLES:
            original = (samples_dir() / f"{table}.csv").read_bytes().decode("utf-8")
            assert export_csv_text(rec, table) == original, table
        st = status(rec, sample_kit.settings)
        counts = {t: rec.query_one(f"SELECT count(*) FROM {t}")[0]
                  for t in ("contacts", "tasks", "ledger", "roles")}
    assert counts == {"contacts": 40, "tasks": 30, "ledger": 25, "roles": 10}
    assert st.attention and sum(st.tasks.values()) == 30


def test_the_sample_contacts_cover_every_ring_role_and_audience(sample_kit):
    with sample_kit.open_record() as rec:
        def distinct(col):
            return {r[0] for r in rec.query(f"SELECT DISTINCT {col} FROM contacts")}
        assert distinct("ring") == {"witness", "dispatch", "care"}
        assert distinct("micro_role") == {"", "legal-liaison", "comms", "logistics", "care"}
        assert distinct("role") == {"lawyer", "bondsperson", "family", "press", "medic", "other"}
        assert distinct("audience") == {"public", "crew", "private"}
        names = " ".join(distinct("name"))
        assert any("\u0600" <= ch <= "\u06ff" for ch in names)  # Arabic names
        assert rec.query_one("SELECT count(*) FROM tasks WHERE steward <> ''")[0] > 0
        assert rec.query_one("SELECT count(*) FROM tasks WHERE shadow_crew <> ''")[0] > 0
        assert rec.query_one("SELECT count(*) FROM tasks WHERE timeframe = ''")[0] == 0


def test_make_sample_kit_refuses_an_existing_kit(sample_kit):
    with pytest.raises(KitExists):
        make_sample_kit(sample_kit.path)


def test_a_kit_whose_record_is_missing_is_refused_not_given_a_new_one(kit):
    """Regression: a kit folder whose record.sqlite was gone got a new empty record without
    a word, so every scanned slip read as an unknown task and the scans were kept there."""
    from paperkit.errors import RecordError
    from paperkit.record.backup import restore

    kit.open_record().close()  # the record exists and opens
    for name in ("record.sqlite", "record.sqlite-wal", "record.sqlite-shm"):
        (kit.path / name).unlink(missing_ok=True)
    with pytest.raises(RecordError, match="is missing") as err:
        kit.open_record()
    assert "paperkit restore FILE" in err.value.hint
    assert "paperkit restore --empty" in err.value.hint
    assert not (kit.path / "record.sqlite").exists()  # nothing was created
    restore(kit.record_path, None)  # on purpose: an empty record ('restore --empty')
    with kit.open_record() as rec:
        assert rec.query_one("SELECT count(*) FROM tasks")[0] == 0


@pytest.mark.parametrize("name", ['Riverside\\Aid "North"', "two\nlines", "tab\there"])
def test_init_keeps_any_group_name_and_writes_a_valid_kit_toml(tmp_path, name):
    """Regression: a name with a backslash or a line break wrote an invalid kit.toml, and
    init left a key without a record (running it again then refused)."""
    kit = init_kit(tmp_path / "k", name=name)
    assert open_kit(kit.path).settings.name == name
    kit.open_record().close()
