"""The benchmark's bookkeeping: what a read of a slip is against the set's truth, the
slip-by-slip comparison of two versions' reads, what each hold costs and catches, and the
crops that cut a slip off (bench/truth.py, bench/compare_reads.py, bench/hold_costs.py,
bench/cut_photos.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import compare_reads  # noqa: E402
import cut_photos  # noqa: E402
import hold_costs  # noqa: E402
import make_photos  # noqa: E402
import truth  # noqa: E402


def _slip(code: str, status: str | None, kind: str = "tick") -> dict:
    accept = ["review"] if status == "review" else [status, "review"]  # as make_photos.py
    return {"code": code, "task": code.split(":")[2], "status": status, "accept": accept,
            "spec": {"kind": kind}}


TICK = _slip("PK1:K:T0001:1:A", "done")
BLANK = _slip("PK1:K:T0002:1:B", None)
DOUBLE = _slip("PK1:K:T0003:1:C", "review")
REDO = _slip("PK1:K:T0004:1:D", "stuck", kind="redo")


@pytest.mark.parametrize("slip, outcome, status, expected", [
    (TICK, "applied", "done", truth.RIGHT),
    (TICK, "unchanged", "done", truth.RIGHT),  # the record said done already
    (TICK, "applied", "taken", truth.WRONG),
    (TICK, "unchanged", "taken", truth.WRONG_UNCHANGED),
    (TICK, "unchanged", None, truth.LOST),
    (TICK, "review", "done", truth.REVIEW_CLEAR),
    (TICK, "stale", "done", truth.REVIEW_CLEAR),
    (BLANK, "unchanged", None, truth.RIGHT),
    (BLANK, "applied", "done", truth.WRONG),
    (DOUBLE, "review", None, truth.REVIEW_RIGHT),
    (DOUBLE, "applied", "done", truth.WRONG),
    (REDO, "review", "stuck", truth.REVIEW_REDO),
    (REDO, "applied", "stuck", truth.RIGHT),
    (TICK, "unknown-task", None, truth.OTHER),
    (TICK, None, None, truth.MISSED),
])
def test_a_read_is_named_against_the_truth(slip, outcome, status, expected):
    assert truth.kind(slip, outcome, status) == expected


def _set(tmp_path: Path) -> Path:
    folder = tmp_path / "set"
    folder.mkdir()
    (folder / "index.json").write_text(json.dumps({"kit": "kit", "photos": ["0001", "0002"]}))
    (folder / "0001.json").write_text(json.dumps({"photo": "0001.jpg",
                                                  "slips": [TICK, BLANK, DOUBLE]}))
    (folder / "0002.json").write_text(json.dumps({"photo": "0002.jpg", "slips": [REDO]}))
    return folder


def _read(outcome: str, status: str | None, reason: str = "") -> dict:
    return {"outcome": outcome, "status": status, "reason": reason, "confidence": 1.0,
            "read": {}}


def test_a_version_is_tallied_and_its_changes_listed(tmp_path):
    folder = _set(tmp_path)
    before = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "done"),
                                                   BLANK["code"]: _read("unchanged", None)}},
              "0002.jpg": {"errors": ["no code was read for what looks like a slip"],
                           "slips": {}}}
    after = {"0001.jpg": {"errors": ["no code was read for what looks like a slip"],
                          "slips": {TICK["code"]: _read("applied", "taken"),
                                    BLANK["code"]: _read("unchanged", None),
                                    DOUBLE["code"]: _read("review", None, "two marks")}},
             "0002.jpg": {"errors": [], "slips": {REDO["code"]: _read("review", "stuck")}}}
    a, b = compare_reads.tally(folder, before), compare_reads.tally(folder, after)
    assert (a["slips"], a[truth.MISSED], a[truth.RIGHT], a["missed said"]) == (4, 2, 2, 1)
    assert a["said, none missed"] == 0  # photo 1 missed the double, and said nothing
    assert (b[truth.MISSED], b[truth.WRONG], b[truth.REVIEW_RIGHT], b[truth.REVIEW_REDO]) \
        == (0, 1, 1, 1)
    assert b["said, none missed"] == 1
    lines = compare_reads.changes(folder, before, after)
    assert lines == [
        f"0001.jpg T0001: {truth.RIGHT} -> {truth.WRONG} (applied taken: )",
        f"0001.jpg T0003: {truth.MISSED} -> {truth.REVIEW_RIGHT} (review None: two marks)",
        "0001.jpg errors: [] -> ['no code was read for what looks like a slip']",
        f"0002.jpg T0004: {truth.MISSED} -> {truth.REVIEW_REDO} (review stuck: )",
        "0002.jpg errors: ['no code was read for what looks like a slip'] -> []",
    ]


def test_compare_fails_when_the_version_after_applies_a_wrong_status(tmp_path, capsys):
    folder = _set(tmp_path)
    right = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "done")}}}
    wrong = {"0001.jpg": {"errors": [], "slips": {TICK["code"]: _read("applied", "taken")}}}
    for name, reads in (("right", right), ("wrong", wrong)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "set.json").write_text(json.dumps(reads))
    assert compare_reads.main(["compare", str(tmp_path / "right"), str(tmp_path / "right"),
                               str(folder)]) == 0
    assert compare_reads.main(["compare", str(tmp_path / "right"), str(tmp_path / "wrong"),
                               str(folder)]) == 1
    out = capsys.readouterr().out
    assert "T0001: right -> wrong-applied" in out


@pytest.mark.parametrize("reason, hold", [
    ("the slip is small in the photo (its code 66 px wide), so a faint second mark could be"
     " missed; check it, or retake the photo closer", "slip small in the photo"),
    ("the code was read only by modelling a blurred or damaged image, so its marks may be as"
     " unclear; check it, or retake the photo closer and steadier", "read only with help"),
    ("the print is pale (low toner, or draft mode?) and the mark light, so the paper's grain"
     " could read as a mark; check it", "pale print"),
    ("this slip's print looks pale (low toner, or a glare over its code?) and its mark light,"
     " so the paper's grain could read as a mark; check it", "pale print"),
    ("no box is clearly marked, but the done box holds a trace of ink: a light mark may be"
     " there; check it", "blank, trace of ink"),
    ("no box is clearly marked, but the stuck box may hold a faint mark; check it",
     "blank, faint mark"),
    ("the dropped box may hold a faint mark", "faint mark beside the mark"),
    ("the taken box holds a trace of ink: a light second mark may be there; check it",
     "trace beside the mark"),
    ("the taken box shows a thin light line: a light second mark may be there; check it",
     "thin light line beside the mark"),
    ("taken looks scribbled over, and the done box holds a trace of ink: taken may be struck"
     " out and done the final mark; check which mark is meant", "scribbled mark"),
    ("the done and stuck boxes are unclear", "box unclear"),
    ("the done box has a line running through and on past it both ways: a crease",
     "something not ink"),
    ("the taken box is shaded over (a light grey or pastel highlighter, or a smudge?), which"
     " the reading does not count as a mark; check it", "box shaded over"),
    ("the stuck box holds a light coloured mark (a highlighter, a gel pen?) that the reading"
     " in grey does not see; check it", "light coloured mark"),
    ("the done mark is light and soft-edged, as writing on the back of the slip seen through"
     " the paper looks; check it", "light, soft-edged mark"),
    ("check boxes continue this slip's row beyond its left edge: another slip, whose code was"
     " not read, may lie over this one", "row continues past the edge"),
    ("the taken box may have a stain over it (a dried drop of coffee, tea or rain?): what"
     " reads as ink there darkens the paper past the box too, or rings it; check it, and"
     " keep slips dry", "stain over a box"),
    ("done and dropped are both marked", None),
    ("done looks struck out and taken marked after it, or done filled in as well: check which"
     " mark is meant", None),
    ("a reason no rule gives", "other"),
])
def test_each_review_reason_names_its_hold(reason, hold):
    got = hold_costs.hold_of(reason)
    assert got == hold if hold in (None, "other") else got.startswith(hold), (reason, got)


def test_a_hold_is_a_cost_or_a_catch(tmp_path):
    """Held slips against the truth, by what each would have said unheld (its one box read
    as marked): right is a cost; a wrong status or a lost mark is a catch; two boxes marked
    is no hold at all."""
    folder = _set(tmp_path)
    reads = {"0001.jpg": {"errors": [], "slips": {
        TICK["code"]: {**_read("review", "done", "the dropped box may hold a faint mark"),
                       "read": {"done": 1.0, "dropped": 0.2}},
        BLANK["code"]: {**_read("review", None, "the done box is unclear"),
                        "read": {"done": 0.9}},  # an empty box read marked: caught
        DOUBLE["code"]: {**_read("review", None, "done and stuck are both marked"),
                         "read": {"done": 1.0, "stuck": 1.0}}}},
        "0002.jpg": {"errors": [], "slips": {REDO["code"]: {
            **_read("review", None, "the stuck box is unclear"), "read": {"stuck": 0.3}}}}}
    out = tmp_path / "reads"
    out.mkdir()
    (out / "set.json").write_text(json.dumps(reads))
    counts = hold_costs.tally(out, [folder])
    faint = next(c for h, c in counts.items() if h.startswith("faint mark beside"))
    unclear = next(c for h, c in counts.items() if h.startswith("box unclear"))
    assert dict(faint) == {hold_costs.COST: 1}
    assert dict(unclear) == {hold_costs.WRONG: 1, hold_costs.LOST: 1}  # blank marked; redo lost
    assert sum(sum(c.values()) for c in counts.values()) == 3  # the double is no hold
    assert hold_costs.main([str(out), str(folder)]) == 0
    assert hold_costs.main([str(out), str(tmp_path / "other")]) == 2


def test_make_photos_mixes_a_pale_print_run_among_black_slips():
    """``--pale-slips``: each slip of a photo from a second, pale print run with that chance
    (one run: one darkness), drawn apart from the photo's other draws; a photo printed pale
    as a whole, or none of this, is as before."""
    assert make_photos._printed(11, "white", 0.0) is None
    prints = make_photos._printed(11, "white", 0.0, 0.5, 20)
    assert len(prints) == 20
    pale = {p.depth for p in prints if p.depth < 1.0}
    assert len(pale) == 1 and 0.5 <= pale.pop() <= 0.7
    assert 3 <= sum(p.depth < 1.0 for p in prints) <= 17
    assert make_photos._printed(11, "white", 0.0, 0.5, 20) == prints  # the same seed
    whole = make_photos._printed(11, "white", 1.0, 0.5, 20)  # the whole photo is pale
    assert whole.depth < 1.0 and whole == make_photos._printed(11, "white", 1.0)


def test_make_photos_marks_some_slips_twice_the_second_lightly():
    """``--light-doubles``: each slip a double mark with a light second mark with that
    chance, drawn apart from the photo's other draws (None: drawn as ever)."""
    assert make_photos._specs(11, 0.0, 20) is None
    specs = make_photos._specs(11, 0.5, 20)
    assert len(specs) == 20 and 3 <= sum(s is not None for s in specs) <= 17
    assert all(s.second is not None for s in specs if s is not None)
    assert make_photos._specs(11, 0.5, 20) == specs  # the same seed


def test_make_photos_stains_some_slips():
    """``--stains``: each slip, marked as ever, has a dried drop by an empty box with that
    chance, drawn apart from the photo's other draws; the light doubles are drawn as before
    and may be stained too."""
    assert make_photos._specs(11, 0.0, 20, 0.0) is None
    specs = make_photos._specs(11, 0.0, 20, 0.5)
    stained = [s for s in specs if s is not None]
    assert 3 <= len(stained) <= 17 and all(s.stain for s in stained)
    assert make_photos._specs(11, 0.0, 20, 0.5) == specs  # the same seed
    doubles = make_photos._specs(11, 0.5, 20)
    both = make_photos._specs(11, 0.5, 20, 1.0)
    assert all(s.stain for s in both)
    assert [s.second for s in both] == [s.second if s else None for s in doubles]


def test_make_photos_marks_some_slips_with_a_light_highlighter():
    """``--tints``: each slip marked with a light highlighter in one box (alone, or beside a
    tick or cross) with that chance, drawn apart from the photo's other draws."""
    assert make_photos._specs(11, 0.0, 20, 0.0, 0.0) is None
    specs = make_photos._specs(11, 0.0, 20, 0.0, 0.5)
    tinted = [s for s in specs if s is not None]
    assert 3 <= len(tinted) <= 17 and all(s.kind.startswith("tint") and s.tint for s in tinted)
    assert {s.status == "review" for s in tinted} == {True, False}  # alone, and beside a mark
    assert make_photos._specs(11, 0.0, 20, 0.0, 0.5) == specs  # the same seed


def _row_of_slips(n: int) -> dict:
    """A photo's truth with ``n`` slips side by side, 200 px wide and 100 apart, each with
    its code in its right half."""
    slips = []
    for i in range(n):
        x = 50 + 300 * i
        slips.append({"code": f"PK1:K:T000{i}:1:A", "outline": [[x, 100], [x + 200, 100],
                      [x + 200, 230], [x, 230]], "qr": [[x + 120, 110], [x + 190, 110],
                      [x + 190, 180], [x + 120, 180]]})
    return {"photo": "0001.jpg", "slips": slips}


def test_cut_photos_cuts_one_slip_and_keeps_the_others_whole():
    """A crop cuts one slip through its code's middle, or just past its code, keeping its
    body and at least three whole slips, and never cuts another slip."""
    shot = _row_of_slips(5)
    got = cut_photos.crops(shot, (1500, 400))
    last = [c for c in got if c["slip"] == 4]
    assert [(c["kind"], c["box"]) for c in last] == [("half", [0, 0, 1405, 400]),
                                                     ("out", [0, 0, 1367, 400])]
    assert last[0]["whole"] == [s["code"] for s in shot["slips"][:4]]
    for c in got:  # every other slip lies wholly on one side of the cut
        x = c["box"][2]
        for j, s in enumerate(shot["slips"]):
            xs = [p[0] for p in s["outline"]]
            assert j == c["slip"] or max(xs) < x or min(xs) > x
    assert all(len(c["whole"]) >= cut_photos.WHOLE for c in got)


def test_cut_photos_names_what_a_scan_said_of_the_cut_slip():
    cut = "PK1:K:T0004:1:A"
    assert cut_photos.said(["what looks like a slip is cut off at the right edge"], set(),
                           cut) == "cut off"
    assert cut_photos.said(["no code was read for what looks like a slip"], set(),
                           cut) == "not read"
    assert cut_photos.said([], {cut}, cut) == "read"
    assert cut_photos.said([], set(), cut) == "nothing"


def test_make_photos_makes_a_phone_photo_and_a_flatbed_scan(tmp_path):
    """The whole tool, small: one phone photo (its slips stained, half of them) and one
    flatbed scan, each with its truth, and the set's index and kit."""
    out = tmp_path / "set"
    assert make_photos.main(["--photos", "1", "--slips", "2", "--megapixels", "3",
                             "--flatbed", "1", "--stains", "0.5", "--jobs", "1",
                             "--out", str(out)]) == 0
    shots = list(truth.photos(out))
    assert [s["photo"] for s in shots] == ["0001.jpg", "flatbed-001.jpg"]
    assert len(shots[0]["slips"]) == 2 and shots[1]["slips"]
    assert (out / "kit").is_dir()
