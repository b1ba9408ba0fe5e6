"""A person's review decision (DESIGN §6): what it writes, what it refuses, what it says.

Regressions from an audit: a decision that kept the status was forgotten (a later photo of
the same printed slip then applied the status the person had rejected); a kiosk page
shown earlier decided reads that arrived after it; the pending items were read outside
the write; decisions did not show in 'paperkit log --task'; the listing showed a stale
item's frozen reason and not the task as it is now; kiosk messages that said too little.
"""

from __future__ import annotations

import json
import re

import pytest
from scan_images import Mark, grid_photo, save

from paperkit import codes
from paperkit.errors import AlreadyDecided, ChangedMeanwhile, InvalidValue, NotFound
from paperkit.kiosk import create_app
from paperkit.kit import init_kit
from paperkit.layout import slip as S
from paperkit.record import Record, Source
from paperkit.record import scans as rs
from paperkit.record.events import list_events
from paperkit.record.tasks import get_task
from paperkit.scan import review, scan_photos

TOKEN = "review-test-token-0123456789"


# -- helpers ------------------------------------------------------------------------------
def _kit(tmp_path, statuses: dict[str, str]):
    kit = init_kit(tmp_path / "kit", name="Review test")
    rec = kit.open_record()
    with rec.write(Source("cli", "test setup")) as w:
        for tid, status in statuses.items():
            w.insert("tasks", {"id": tid, "title": f"title of {tid}", "status": status})
    return kit, rec


def _queue(rec: Record, task: str, rev: int = 1, suggested: str = "done",
           confidence: float = 0.3, crop: str = "", scan: str = "a") -> int:
    """A review item for ``task`` as a scan would leave it; returns its id."""
    with rec.write(Source("scan", scan * 64)) as w:
        return rs.add_review(w, scan * 64, task, rev, f"stale: printed at rev {rev}; the task "
                             "changed since (now rev 2, open)", suggested,
                             {"done": 0.9}, confidence, crop)


def _code(kit, task: str, rev: int) -> str:
    return codes.build(kit.key, kit.id, task, rev).text


def _far_photo(tmp_path, name, slips):
    """The slips small in the photo (under MIN_PPU): each one-mark read is held for review,
    suggesting its mark, as in test_scan_pipeline's retaken-closer test."""
    cell = 0.9 * S.SLIP_W / 0.86
    path = tmp_path / name
    save(grid_photo(slips, size=(int(len(slips) * cell), int(cell)), cols=len(slips), s=1.6),
         path, 88)
    return path


def _near_photo(tmp_path, name, slips, seed=4):
    path = tmp_path / name
    save(grid_photo(slips, size=(800 * len(slips), 700), cols=len(slips), s=2.6, seed=seed),
         path, 88)
    return path


@pytest.fixture
def client(sample_kit):
    c = create_app(sample_kit, token=TOKEN).test_client()
    assert c.get(f"/?token={TOKEN}").status_code == 200
    return c


def _form(client, task: str, action: str = "set") -> dict[str, str]:
    """The hidden fields of ``task``'s ``action`` form on the review page as shown now."""
    html = client.get("/review").get_data(as_text=True)
    section = html[html.index(f'id="review-{task}"'):].split("</section>")[0]
    (form,) = [f for f in section.split("<form")[1:]
               if f'name="action" value="{action}"' in f.split("</form>")[0]]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _flash(r) -> str:
    return " ".join(r.get_data(as_text=True).split())


# -- 1. a decision that keeps the status outlives the printed slip -------------------------
def test_a_kept_status_makes_the_printed_slip_stale_so_a_later_photo_never_undoes_it(tmp_path):
    """T0001 read unsure as done, the person says it stays open: a clear photo of the same
    printed slip reading done was applied open → done (the status the person rejected). It
    is stale now (review, never applied). T0002 (taken) read unsure as done, the person
    keeps taken: a photo of that slip reading taken is unchanged."""
    kit, rec = _kit(tmp_path, {"T0001": "open", "T0002": "taken"})
    t1, t2 = _code(kit, "T0001", 1), _code(kit, "T0002", 1)
    cross = Mark("done", "cross")
    (far,) = scan_photos(kit, rec, [_far_photo(tmp_path, "far.jpg", [(t1, (cross,)),
                                                                      (t2, (cross,))])])
    assert [(s.outcome, s.status) for s in far.slips] == [("review", "done")] * 2
    events = len(list_events(rec))
    done = review.set_status(rec, "T0001", "open")
    assert (done.before, done.after, done.rev, done.kept) == ("open", "open", 2, True)
    assert done.slip_out_of_date and len(done.closed) == 1
    (task_event,) = list_events(rec)[events:][:1]  # the task's one event, then the item's
    assert (task_event.table, task_event.row_id) == ("tasks", "T0001")
    assert task_event.changed() == {"rev": (1, 2)}
    assert task_event.source_kind == "review"
    assert task_event.source == f"T0001 reviews {done.closed[0]}: set open"
    assert len(list_events(rec)) == events + 2  # the task's and the item's
    assert review.set_status(rec, "T0002", "taken").rev == 2

    (near,) = scan_photos(kit, rec, [_near_photo(tmp_path, "near.jpg",
                                                 [(t1, (cross,)), (t2, (cross,))])])
    assert sorted((s.task, s.outcome) for s in near.slips) == [("T0001", "stale"),
                                                               ("T0002", "stale")]
    assert get_task(rec, "T0001").status == "open" and get_task(rec, "T0002").status == "taken"
    (kept,) = scan_photos(kit, rec, [_near_photo(tmp_path, "kept.jpg",
                                                 [(t2, (Mark("taken", "cross"),))], seed=5)])
    assert [(s.task, s.outcome) for s in kept.slips] == [("T0002", "unchanged")]
    assert get_task(rec, "T0002").rev == 2


def test_skip_leaves_the_task_and_its_rev(tmp_path):
    kit, rec = _kit(tmp_path, {"T0001": "open"})
    item = _queue(rec, "T0001")
    done = review.skip(rec, "T0001")
    assert (done.before, done.after, done.rev, done.closed) == ("open", "open", 1, (item,))
    assert not done.slip_out_of_date
    assert list_events(rec, table="tasks", row_id="T0001")[-1].action == "insert"
    assert list_events(rec, table="reviews", row_id=str(item))[-1].source == \
        f"T0001 reviews {item}: skip"


def test_review_set_says_the_slip_is_out_of_date_and_how_many_items_it_closed(tmp_path, run):
    kit, rec = _kit(tmp_path, {"T0014": "open", "T0015": "open"})
    _queue(rec, "T0014")
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "review", "set", "t0014", "open")
    assert code == 0
    assert out.startswith("T0014 stays open; review closed.")
    assert "out of date" in out and "'paperkit print slips --task T0014'" in out
    _queue(rec, "T0015")
    _queue(rec, "T0015", scan="b")
    code, out, _ = run(*k, "review", "set", "T0015", "done")
    assert code == 0 and out.startswith("T0015: open → done; 2 review items closed.")
    assert "paperkit print slips --task T0015" in out
    c = _queue(rec, "T0015", rev=2, scan="c")
    code, out, _ = run(*k, "review", "set", "T0015", "done", "--json")
    assert code == 0
    assert json.loads(out) == {"task": "T0015", "before": "done", "after": "done", "rev": 3,
                               "closed": [c], "state": "resolved", "slip_out_of_date": True,
                               "reprint": "paperkit print slips --task T0015"}
    assert get_task(rec, "T0015").rev == 3
    d = _queue(rec, "T0015", rev=3, scan="d")
    code, out, _ = run(*k, "review", "skip", "T0015", "--json")
    assert code == 0 and json.loads(out) == {
        "task": "T0015", "before": "done", "after": "done", "rev": 3, "closed": [d],
        "state": "skipped", "slip_out_of_date": False}


def test_the_kiosk_says_a_kept_status_closes_the_review_and_to_reprint(client, sample_kit):
    """It flashed "T0001: done → done."."""
    with sample_kit.open_record() as rec:  # T0001 is done
        _queue(rec, "T0001", suggested="stuck")
    r = client.post("/review/t0001", data={**_form(client, "T0001"), "status": "done"},
                    follow_redirects=True)
    assert r.status_code == 200
    assert "T0001 stays done; review closed; reprint its slip" in _flash(r)
    assert "done → done" not in _flash(r)
    with sample_kit.open_record() as rec:
        assert get_task(rec, "T0001").rev == 2 and rs.pending_reviews(rec) == []


# -- 2. a page shown earlier never decides reads that arrived after it ----------------------
def test_a_kiosk_page_shown_before_new_reads_arrived_decides_nothing(client, sample_kit):
    """Page shows T0002's one read; the CLI skips it; a new scan queues another read of
    T0002; the old page's 'set done' closed the new read nobody saw."""
    with sample_kit.open_record() as rec:
        _queue(rec, "T0002")
    old_set, old_skip = _form(client, "T0002"), _form(client, "T0002", "skip")
    with sample_kit.open_record() as rec:
        review.skip(rec, "T0002")
        new = _queue(rec, "T0002", scan="b")
    for form in ({**old_set, "status": "done"}, old_skip):
        r = client.post("/review/T0002", data=form, follow_redirects=True)
        assert r.status_code == 200
        assert ("1 new read(s) of T0002 arrived since this page was shown; look again"
                in _flash(r))
    with sample_kit.open_record() as rec:
        assert [i.id for i in rs.pending_reviews(rec)] == [new]
        assert get_task(rec, "T0002").status == "open" and get_task(rec, "T0002").rev == 1


def test_the_library_refuses_items_that_are_not_the_ones_seen(tmp_path):
    kit, rec = _kit(tmp_path, {"T0001": "open"})
    a = _queue(rec, "T0001")
    b = _queue(rec, "T0001", scan="b")
    with pytest.raises(ChangedMeanwhile, match="1 new read"):
        review.set_status(rec, "T0001", "done", seen_rev=1, seen_items=[a])
    with pytest.raises(ChangedMeanwhile, match="1 new read"):
        review.skip(rec, "T0001", seen_items=[b])
    with pytest.raises(ChangedMeanwhile, match="decided meanwhile"):
        review.skip(rec, "T0001", seen_items=[a, b, 99])
    assert {i.id for i in rs.pending_reviews(rec)} == {a, b}
    assert get_task(rec, "T0001").rev == 1
    assert len(review.set_status(rec, "T0001", "done", 1, [b, a]).closed) == 2
    with pytest.raises(AlreadyDecided, match="T0001 was decided meanwhile: it is now done, "
                                             "rev 2"):
        review.set_status(rec, "T0001", "done", 1, [a, b])


def test_the_kiosk_shows_every_pending_read_of_a_task(client, sample_kit):
    """It showed one section per task with the first read's crop only."""
    with sample_kit.open_record() as rec:
        a = _queue(rec, "T0008", crop="photos/crops/first.png", suggested="done")
        b = _queue(rec, "T0008", crop="photos/crops/second.png", suggested="stuck",
                   confidence=0.6, scan="b")
    html = client.get("/review").get_data(as_text=True)
    assert html.count('id="review-T0008"') == 1 and "2 reads of this slip" in html
    assert '<img src="/photos/crops/first.png"' in html
    assert '<img src="/photos/crops/second.png"' in html
    assert "the scan read <strong>done</strong>" in html
    assert "the scan read <strong>stuck</strong>" in html
    assert 'class="button primary"' not in html  # the reads differ: no choice highlighted
    assert _form(client, "T0008")["items"] == f"{a},{b}"
    assert _form(client, "T0008", "skip")["items"] == f"{a},{b}"
    r = client.post("/review/T0008", data={**_form(client, "T0008"), "status": "stuck"},
                    follow_redirects=True)
    assert "T0008: open → stuck; 2 reads of the slip closed" in _flash(r)


def test_the_kiosk_leans_toward_no_choice_for_a_slip_printed_before_the_tasks_last_change(
        client, sample_kit):
    """A read of a slip printed before the task last changed (a person decided it since,
    say) had its suggestion shown as the button to press (a red team, the fortieth
    session); a read of the task's own rev still has."""
    with sample_kit.open_record() as rec:
        task = get_task(rec, "T0008")
        _queue(rec, "T0008", rev=task.rev, suggested="done")
        html = client.get("/review").get_data(as_text=True)
        assert 'value="done" class="button primary"' in html
        with rec.write(Source("cli", "test: the task changed")) as w:
            w.update("tasks", "T0008", {"title": "renamed"})  # (its rev goes up)
    html = client.get("/review").get_data(as_text=True)
    assert "the scan read <strong>done</strong>" in html
    assert 'class="button primary"' not in html


# -- 3. the pending items are read inside the write ------------------------------------------
@pytest.mark.parametrize("seen", [False, True])
def test_a_decision_made_meanwhile_is_not_overwritten(tmp_path, seen):
    """Another person decides T0005 after this decision looked its items up but before it
    wrote: it was overwritten."""
    kit, rec = _kit(tmp_path, {"T0005": "open"})
    item = _queue(rec, "T0005")
    real = rec.write
    raced = []

    def write(source):
        if source.kind == "review" and not raced:
            raced.append(1)
            with kit.open_record() as other:
                review.set_status(other, "T0005", "stuck")
        return real(source)

    rec.write = write
    expect = ("T0005 was decided meanwhile: it is now stuck, rev 2" if seen else
              "no pending review for T0005: it was decided already, and it is now stuck, rev 2")
    with pytest.raises(AlreadyDecided, match=re.escape(expect)):
        review.set_status(rec, "T0005", "done", *((1, [item]) if seen else ()))
    assert raced and get_task(rec, "T0005").status == "stuck"
    assert [e.source for e in list_events(rec, table="tasks", row_id="T0005")][1:] == \
        [f"T0005 reviews {item}: set stuck"]


# -- 4. decisions in the log ------------------------------------------------------------------
def test_log_of_a_task_shows_its_review_decisions_and_what_was_chosen(tmp_path, run):
    kit, rec = _kit(tmp_path, {"T0008": "open", "T0009": "open"})
    a, b = _queue(rec, "T0008"), _queue(rec, "T0008", scan="b")
    c = _queue(rec, "T0009")
    review.set_status(rec, "T0008", "open")
    d = _queue(rec, "T0008", rev=2, scan="d")
    review.skip(rec, "T0008")
    code, out, _ = run("--kit", str(kit.path), "log", "--task", "t0008")
    assert code == 0, out
    assert f"review [T0008 reviews {a},{b}: set open] update tasks T0008: rev: 1 -> 2" in out
    assert f"review [T0008 reviews {a},{b}: set open] update reviews {a}" in out
    assert f"review [T0008 reviews {d}: skip] update reviews {d}: " in out
    assert f"insert reviews {a}" in out and f"reviews {c}" not in out
    code, out, _ = run("--kit", str(kit.path), "log", "--task", "T0008", "--json",
                       "--table", "reviews", "-n", "2")
    events = json.loads(out)
    assert [(e["table"], e["row_id"], e["source"]) for e in events] == [
        ("reviews", str(d), "d" * 64), ("reviews", str(d), f"T0008 reviews {d}: skip")]


# -- 5. the listing and its JSON ---------------------------------------------------------------
def test_review_lists_each_task_as_it_is_now(tmp_path, run):
    """A stale item's reason is frozen at the scan ("now rev 2, open"): the listing also
    shows the task's title and its status and rev now."""
    kit, rec = _kit(tmp_path, {"T0003": "open"})
    with rec.write(Source("cli", "test")) as w:
        w.update("tasks", "T0003", {"status": "stuck"})
        w.update("tasks", "T0003", {"status": "taken"})
    item = _queue(rec, "T0003", suggested="done")
    k = ("--kit", str(kit.path))
    code, out, _ = run(*k, "review")
    assert code == 1
    assert "T0003 'title of T0003'  now: taken, rev 3" in out
    assert f"item {item}: slip rev 1" in out and "why, when scanned: stale" in out
    code, out, _ = run(*k, "review", "--json")
    (got,) = json.loads(out)
    assert code == 1 and got["id"] == item and got["title"] == "title of T0003"
    assert got["now"] == {"status": "taken", "rev": 3} and got["rev"] == 1


def test_review_set_of_a_task_not_in_the_record_says_so(tmp_path, run):
    kit, rec = _kit(tmp_path, {"T0001": "open"})
    code, _, err = run("--kit", str(kit.path), "review", "set", "T0099", "done")
    assert code == 2 and "there is no task T0099" in err
    code, _, err = run("--kit", str(kit.path), "review", "set", "T0001", "done")
    assert code == 2 and "no pending review for T0001 (it is open, rev 1)" in err
    with pytest.raises(NotFound, match="there is no task T0099"):
        review.skip(rec, "T0099")


def test_review_set_of_a_task_named_short_or_with_spaces(tmp_path, run):
    """'T8' says which id is meant, and ' T0008' is the task T0008, as 'task set' takes it
    (both were "there is no task": a red team, the fortieth session)."""
    kit, rec = _kit(tmp_path, {"T0008": "open"})
    _queue(rec, "T0008")
    code, _, err = run("--kit", str(kit.path), "review", "set", "T8", "done")
    assert code == 2 and "there is no task T8 (did you mean T0008?" in err
    code, out, _ = run("--kit", str(kit.path), "review", "set", " t0008 ", "done")
    assert code == 0 and out.startswith("T0008: open → done; review closed.")


# -- 6. kiosk forms ----------------------------------------------------------------------------
@pytest.mark.parametrize("change, says", [
    ({"status": ""}, "no status was chosen (choose one of open, taken, done, stuck, dropped)"),
    ({"rev": ""}, "the form did not say which rev of T0002 it showed"),
    ({"rev": "two"}, "the form did not say which rev of T0002 it showed"),
    ({"rev": "²"}, "the form did not say which rev of T0002 it showed"),
    ({"items": ""}, "the form did not say which reads of T0002 it showed"),
    ({"items": "1;2"}, "the form did not say which reads of T0002 it showed"),
])
def test_a_bad_review_form_is_a_400_page_and_writes_nothing(client, sample_kit, change, says):
    """A missing or non-numeric rev skipped the staleness check and applied; no status
    said "'' is not a task status"."""
    with sample_kit.open_record() as rec:
        _queue(rec, "T0002")
    form = {**_form(client, "T0002"), "status": "done", **change}
    r = client.post("/review/T0002", data=form)
    assert r.status_code == 400 and says in _flash(r) and "Traceback" not in _flash(r)
    with sample_kit.open_record() as rec:
        assert get_task(rec, "T0002").rev == 1 and len(rs.pending_reviews(rec)) == 1


def test_a_double_submit_says_what_the_task_is_now(client, sample_kit):
    with sample_kit.open_record() as rec:
        _queue(rec, "T0003")  # taken
    form = {**_form(client, "T0003"), "status": "done"}
    client.post("/review/T0003", data=form)
    r = client.post("/review/T0003", data=form, follow_redirects=True)
    assert r.status_code == 200
    assert "T0003 was decided meanwhile: it is now done, rev 2; nothing was changed" in _flash(r)


def test_library_says_to_choose_a_status(tmp_path):
    kit, rec = _kit(tmp_path, {"T0001": "open"})
    _queue(rec, "T0001")
    with pytest.raises(InvalidValue, match="no status was chosen"):
        review.set_status(rec, "T0001", "")


def test_an_empty_task_id_is_named_as_missing_and_closes_nothing(tmp_path, run):
    """'review skip ""' said ": 0 review item(s) skipped" and exited 0, and 'review set ""'
    said "task  is not in the record": the empty id read every task's items (red team,
    round five)."""
    kit, rec = _kit(tmp_path, {"T0001": "open"})
    item = _queue(rec, "T0001")
    k = ("--kit", str(kit.path))
    for args in (("skip", ""), ("skip", " ", "--json"), ("set", "", "done")):
        code, out, err = run(*k, "review", *args)
        assert code == 2 and out == ""
        assert "no task was named" in err and "T0042" in err
    assert [i.id for i in rs.pending_reviews(rec)] == [item]
    assert rs.pending_reviews(rec, "") == []
