"""The sfi Writer against the sfi double: clear/frame() rules, atomicity under
failures and Break, metadata, progress, the size guard and result locals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from leostata import bridge
from leostata.bridge import SfiWriter, set_result_locals
from leostata.bridge.stata import display, display_progress, make_poll
from leostata.commands import Delivery, deliver
from leostata.writers import DatasetMeta
from leostata.catalog import Catalog, SqlType
from leostata.errors import (AlreadyDefined, BreakPressed, DataInMemoryChanged, InternalError,
                             ResultTooLarge, ServerError)
from leostata.stata_types import MERGE_VALUE_LABEL, OutputColumn, ValueLabel
from leostata.stream import stream

N = 3000
#: grp is 0, 1, 2: every load of people defines and attaches a value label
GRP_LABEL = ValueLabel("grp", {0: "zero", 1: "one"})


@pytest.fixture
def people(tmp_path):
    url = f"duckdb:///{tmp_path}/p.duckdb"
    w = sa.create_engine(url)
    with w.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE people AS SELECT range AS pid, "
            "CAST(range * 1.25 AS DECIMAL(10,2)) AS pay, "
            "DATE '1950-01-01' + CAST(range AS INTEGER) AS born, "
            "CASE WHEN range % 4 = 0 THEN NULL ELSE 'n' || range END AS \"first name\", "
            f"CAST(range % 3 AS SMALLINT) AS grp FROM range({N})"))
    w.dispose()
    engine = sa.create_engine(url, connect_args={"read_only": True})
    info = Catalog(engine).table("people")
    outs = [OutputColumn(c.name, c.name, c.sql_type, label=f"the {c.name}",
                         value_label=GRP_LABEL if c.name == "grp" else None)
            for c in info.columns]
    table = sa.table("people", *[sa.column(c.name) for c in info.columns])
    return engine, outs, sa.select(table).order_by(table.c.pid)


def put_old_data(sfi, changed=1):
    sfi.Data.addVarDouble("old")
    sfi.Data.addObs(2)
    sfi.Data.store("old", None, [1.5, 2.5])
    sfi._set_changed(changed)



@dataclass
class LoadOptions:
    """What a Stata load asks for (destination, guard, table, synthetic): the
    inputs of ``load_into_stata`` below."""

    clear: bool = False
    frame: str | None = None
    replace: bool = False
    maxobs: int | None = None
    force: bool = False
    aggregated: bool = False
    approx_rows: int | None = None
    filtered: bool = True
    table: str = ""
    synthetic: bool = False
    progress: bool = True


def load_into_stata(select, engine, outputs, options: LoadOptions | None = None, *,
                    meta: DatasetMeta | None = None, require_rows: bool = False,
                    **stream_options):
    """A raw SELECT into Stata as the handlers load one: an ``SfiWriter``
    through ``commands.deliver``, then the result locals."""
    options = options or LoadOptions()
    poll = make_poll()
    writer = SfiWriter(frame=options.frame, replace=options.replace, clear=options.clear,
                       poll=poll)
    meta = meta or DatasetMeta(table=options.table, synthetic=options.synthetic)
    delivery = Delivery(select, outputs, meta, maxobs=options.maxobs, force=options.force,
                        aggregated=options.aggregated, approx_rows=options.approx_rows,
                        filtered=options.filtered, require_rows=require_rows)
    result = deliver(delivery, engine, writer, say=display, poll=poll,
                     progress=display_progress if options.progress else None,
                     **stream_options)
    set_result_locals(result.locals(options.table))
    return result


def opts(**kw):
    kw.setdefault("table", "people")
    return LoadOptions(**kw)


def test_load_into_current_data(fake_sfi, people):
    engine, outs, sel = people
    res = load_into_stata(sel, engine, outs, opts(synthetic=True), batch_rows=1000)
    snap = fake_sfi.snapshot()
    assert snap["cwf"] == "default" and list(snap["frames"]) == ["default"]
    data = snap["frames"]["default"]
    assert data["nobs"] == N == res.nobs
    names = [v["name"] for v in data["vars"]]
    assert names == ["pid", "pay", "born", "first_name", "grp"]
    v = {x["name"]: x for x in data["vars"]}
    # types from the values: pid 0..2999 int, grp 0..2 byte, pay multiples of 1.25
    # (exact floats), born 1950-01-01 + 0..2999 days (int)
    assert v["pid"]["type"] == "int" and v["grp"]["type"] == "byte"
    assert v["pay"]["type"] == "float" and v["born"]["format"] == "%td"
    assert v["born"]["type"] == "int"
    assert v["pay"]["values"][:3] == [0.0, 1.25, 2.5]
    assert v["born"]["values"][0] == -3652  # 01jan1950
    assert v["first_name"]["values"][:2] == ["", "n1"]
    assert v["first_name"]["chars"]["leo_sqlname"] == "first name"
    # the renamed column's provenance: a characteristic and a Stata note, not its label
    assert v["first_name"]["chars"]["note0"] == "1"
    assert v["first_name"]["chars"]["note1"] == ("SQL name first name: not a valid or unique "
                                                 "Stata name")
    assert v["first_name"]["label"] == "the first name"
    assert "note0" not in v["pay"]["chars"]
    assert v["pay"]["label"] == "the pay"
    assert data["label"].startswith("SYNTHETIC") and "people" in data["label"]
    assert "leo_synthetic" in data["chars"] and "people" in data["chars"]["leo_sql"]
    assert fake_sfi.Macro.getLocal("leo_N") == str(N)
    assert fake_sfi.Macro.getLocal("leo_k") == "5"
    assert "people" in fake_sfi.Macro.getLocal("leo_sql")
    assert "SYNTHETIC" in fake_sfi.transcript("out")


def test_changed_data_needs_clear(fake_sfi, people):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=1)
    before = fake_sfi.snapshot()
    with pytest.raises(DataInMemoryChanged) as info:
        load_into_stata(sel, engine, outs, opts())
    assert info.value.rc == 4 and "data in memory would be lost" in info.value.message
    assert fake_sfi.snapshot() == before
    load_into_stata(sel, engine, outs, opts(clear=True))
    after = fake_sfi.snapshot()
    assert after["cwf"] == "default" and list(after["frames"]) == ["default"]
    assert after["frames"]["default"]["nobs"] == N


def test_unchanged_data_is_replaced_without_clear(fake_sfi, people):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    load_into_stata(sel, engine, outs, opts())
    assert fake_sfi.snapshot()["frames"]["default"]["nobs"] == N


def test_frame_rules(fake_sfi, people):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=1)
    before_default = fake_sfi.snapshot()["frames"]["default"]
    load_into_stata(sel, engine, outs, opts(frame="res"))
    snap = fake_sfi.snapshot()
    assert snap["cwf"] == "default" and snap["frames"]["default"] == before_default
    assert snap["frames"]["res"]["nobs"] == N
    before = fake_sfi.snapshot()
    with pytest.raises(AlreadyDefined) as info:
        load_into_stata(sel, engine, outs, opts(frame="res"))
    assert info.value.rc == 110
    assert fake_sfi.snapshot() == before
    small = sel.where(sa.column("pid") < 10)
    load_into_stata(small, engine, outs, opts(frame="res", replace=True))
    snap = fake_sfi.snapshot()
    assert snap["frames"]["res"]["nobs"] == 10 and set(snap["frames"]) == {"default", "res"}
    # frame(name, replace) naming the current frame holds the data in memory:
    # as with use, changed data need clear (r(4) otherwise, nothing touched)
    fake_sfi.Frame.connect("res").changeToCWF()
    fake_sfi._set_changed(1, frame="res")
    before = fake_sfi.snapshot()
    with pytest.raises(DataInMemoryChanged) as info:
        load_into_stata(sel, engine, outs, opts(frame="res", replace=True))
    assert info.value.rc == 4 and fake_sfi.snapshot() == before
    load_into_stata(sel, engine, outs, opts(frame="res", replace=True, clear=True))
    snap = fake_sfi.snapshot()
    assert snap["cwf"] == "res" and snap["frames"]["res"]["nobs"] == N
    assert set(snap["frames"]) == {"default", "res"}


@pytest.mark.parametrize("after_polls", range(7))
def test_break_leaves_memory_exactly_as_before(fake_sfi, people, after_polls):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    fake_sfi.Frame.create("other")
    before = fake_sfi.snapshot()
    fake_sfi._arm_break(after_polls=after_polls)
    with pytest.raises(BreakPressed) as info:
        # 7 polls in all (DuckDB fetches 2,048-row chunks: 2 batches): before
        # the query, per fetched batch, after the fetch, per batch while
        # filling the temporary frame, and before the swap
        load_into_stata(sel, engine, outs, opts(), batch_rows=1000)
    assert info.value.rc == 1
    assert fake_sfi.snapshot() == before
    assert engine.pool.checkedout() == 0
    assert fake_sfi.poll_count() == after_polls + 1


def test_failure_mid_stream_leaves_memory_as_before(fake_sfi, people, monkeypatch):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    # a database error while fetching
    with pytest.raises(ServerError):
        load_into_stata("SELECT 1/0 AS x, 'a' AS y UNION ALL SELECT error('boom'), 'b'",
                        engine, None, opts())
    assert fake_sfi.snapshot() == before
    # a failure while the temporary frame is being filled
    real = fake_sfi.Frame.store
    calls = {"n": 0}

    def flaky(self, var, obs, val, selectvar=None):
        calls["n"] += 1
        if calls["n"] == 7:
            raise ValueError("injected")
        return real(self, var, obs, val, selectvar)

    monkeypatch.setattr(fake_sfi.Frame, "store", flaky)
    with pytest.raises(ValueError, match="injected"):
        load_into_stata(sel, engine, outs, opts(clear=True), batch_rows=1000)
    assert fake_sfi.snapshot() == before


def test_swap_failure_restores(fake_sfi, people, monkeypatch):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    real = fake_sfi.Frame.rename
    calls = {"n": 0}

    def failing_second_rename(self, new):
        calls["n"] += 1
        if calls["n"] == 2:  # the temporary frame taking the target's name
            raise fake_sfi.FrameError("injected")
        return real(self, new)

    monkeypatch.setattr(fake_sfi.Frame, "rename", failing_second_rename)
    with pytest.raises(fake_sfi.FrameError):
        load_into_stata(sel, engine, outs, opts())
    assert fake_sfi.snapshot() == before


def test_progress_is_displayed(fake_sfi, people):
    engine, outs, sel = people
    load_into_stata(sel, engine, outs, opts(approx_rows=N), batch_rows=1000,
                    progress_after=0.0)
    out = fake_sfi.transcript("out")
    assert "rows/s" in out and f"{N:,} rows loaded" in out


def test_size_guard_refuses_before_touching_memory(fake_sfi, people):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    with pytest.raises(ResultTooLarge) as info:
        load_into_stata(sel, engine, outs, opts(maxobs=100))
    assert info.value.rc == 5105 and "maxobs() is 100" in info.value.message
    assert fake_sfi.snapshot() == before
    load_into_stata(sel, engine, outs, opts(maxobs=100, force=True))
    assert fake_sfi.snapshot()["frames"]["default"]["nobs"] == N


def test_frame_limit(fake_sfi, people):
    engine, outs, sel = people
    for i in range(99):
        fake_sfi.Frame.create(f"f{i}")
    before = fake_sfi.snapshot()
    with pytest.raises(Exception, match="100 frames"):
        load_into_stata(sel, engine, outs, opts(frame="new"))
    assert fake_sfi.snapshot() == before


def test_writer_directly_and_locals(fake_sfi, people):
    engine, outs, sel = people
    res = stream(sel.where(sa.column("pid") < 5), engine, outs,
                 SfiWriter(frame="direct", poll=bridge.make_poll()))
    assert res.nobs == 5
    assert fake_sfi.snapshot()["frames"]["direct"]["nobs"] == 5
    set_result_locals({"leo_x": 3, "leo_y": None})
    assert fake_sfi.Macro.getLocal("leo_x") == "3" and fake_sfi.Macro.getLocal("leo_y") == ""


def test_every_type_into_stata_on_every_engine(fake_sfi, any_db):
    """The round-trip table of test_dta, through the sfi Writer (the double
    enforces Stata's ranges, str# widths in bytes and the missing code)."""
    from tests.writers.test_dta import ROWS, S2046, build_table, light_table, outputs_for
    w = any_db.writer()
    build_table(w)
    w.dispose()
    engine = any_db.reader()
    table = light_table(engine, "types_t")
    outs = outputs_for(engine, "types_t")
    load_into_stata(sa.select(table).order_by(table.c.id), engine, outs, opts(table="types_t"))
    v = {x["name"]: x for x in fake_sfi.snapshot()["frames"]["default"]["vars"]}
    assert v["big_str"]["type"] == "str17" and v["big_str"]["values"][:2] == [
        str(2 ** 53 + 1), str(-(2 ** 53 + 1))]
    assert v["big_dbl"]["type"] == "double" and v["big_dbl"]["values"][1] == 2 ** 53
    assert v["big_long"]["type"] == "long" and v["s2046"]["type"] == "strL"
    assert v["s2045"]["type"] == "str2045" and v["s2046"]["values"][0] == S2046
    assert v["day"]["values"][0] == -1 and v["day"]["format"] == "%td"
    assert v["amount"]["values"][0] == 1234567.89
    assert v["flag"]["type"] == "byte" and v["flag"]["values"][:3] == [1, 0, 2.0 ** 1023]
    assert len(v["id"]["values"]) == len(ROWS)


def test_a_rename_that_fails_silently_as_in_stata_16_changes_nothing(fake_sfi, people, monkeypatch):
    # Stata 16's Frame.rename ignores the return code of the rename it asks for
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()

    def silent_rename(self, new_name):
        self.name = new_name  # what Stata 16 does after a failed rename

    monkeypatch.setattr(fake_sfi.Frame, "rename", silent_rename)
    with pytest.raises(InternalError):
        load_into_stata(sel, engine, outs, opts(clear=True))
    monkeypatch.undo()
    after = fake_sfi.snapshot()
    assert after["frames"]["default"] == before["frames"]["default"]
    assert after["cwf"] == before["cwf"]
    assert set(after["frames"]) == set(before["frames"])  # no stray temporary frame


# --- an sfi call failing at any step of the commit (issue 11) --------------------------------

#: Every sfi entry point the writer calls while it loads and swaps frames.
_SFI_STEPS = {
    "Frame": ("create", "connect", "rename", "drop", "changeToCWF", "getFrameAt",
              "getFrameCount", "addObs", "store", "setVarLabel", "setVarFormat", "addVarByte",
              "addVarInt", "addVarLong", "addVarDouble", "addVarStr", "addVarStrL"),
    "Macro": ("getGlobal",),
    "Scalar": ("getValue",),
    "SFIToolkit": ("getTempName", "stata"),
    "Characteristic": ("setDtaChar", "setVariableChar"),
    "ValueLabel": ("createLabel", "setLabelValue", "getValueLabels", "setVarValueLabel",
                   "getVarValueLabel"),
}


def _fail_call(fake_sfi, monkeypatch, k, after, persistent=()):
    """Make the k-th sfi call (counted over ``_SFI_STEPS``) raise FrameError,
    before doing its work or (``after``) once it has done it; calls to the
    methods in ``persistent`` keep failing from then on.  Returns a log of
    (method, failed) in call order."""
    log = []

    def wrap(cls_name, name, real, static):
        def call(*args, **kwargs):
            fail = len(log) + 1 == k or (name in persistent and any(f for _, f in log))
            log.append((f"{cls_name}.{name}", fail))
            if fail and not after:
                raise fake_sfi.FrameError(f"injected failure of {cls_name}.{name}")
            result = real(*args, **kwargs)
            if fail:
                raise fake_sfi.FrameError(f"injected failure of {cls_name}.{name} (after)")
            return result
        return staticmethod(call) if static else call

    for cls_name, names in _SFI_STEPS.items():
        cls = getattr(fake_sfi, cls_name)
        for name in names:
            raw = cls.__dict__[name]
            static = isinstance(raw, (staticmethod, classmethod))
            real = getattr(cls, name) if static else raw
            monkeypatch.setattr(cls, name, wrap(cls_name, name, real, static))
    return log


def _setup(fake_sfi, where):
    """The user's state before a load; returns the LoadOptions for ``where``."""
    put_old_data(fake_sfi, changed=1)
    fake_sfi.Frame.create("other")
    other = fake_sfi.Frame.connect("other")
    other.addVarDouble("o")
    other.addObs(1)
    other.store("o", None, [7.0])
    if where == "current":
        return opts(clear=True)
    if where == "new frame":
        return opts(frame="res")
    if where == "replace frame":
        return opts(frame="other", replace=True)
    # frame(name, replace) naming the current frame
    fake_sfi.Frame.connect("other").changeToCWF()
    return opts(frame="other", replace=True, clear=True)


@pytest.mark.parametrize("after", [False, True], ids=["fails", "fails-after-acting"])
@pytest.mark.parametrize("where", ["current", "new frame", "replace frame", "current as frame"])
def test_a_failing_sfi_call_at_any_step_leaves_the_frames_as_they_were(
        fake_sfi, people, monkeypatch, where, after):
    engine, outs, sel = people
    sel = sel.limit(5)
    options = _setup(fake_sfi, where)
    before = fake_sfi.snapshot()
    load_into_stata(sel, engine, outs, options)
    expected = fake_sfi.snapshot()  # what a successful load leaves
    completed_despite_failure = 0
    k = 0
    while True:
        k += 1
        fake_sfi.reset()
        options = _setup(fake_sfi, where)
        assert fake_sfi.snapshot() == before
        with monkeypatch.context() as mp:
            log = _fail_call(fake_sfi, mp, k, after)
            try:
                load_into_stata(sel, engine, outs, options)
                error = None
            except Exception as exc:  # noqa: BLE001 - any error, as long as nothing changed
                error = exc
        fired = [step for step, failed in log if failed]
        if not fired:
            assert error is None and fake_sfi.snapshot() == expected
            break
        step = fired[0]
        if error is None:
            # only a call that did its work and then failed may end in success,
            # and then the load must be exactly complete
            assert after, step
            assert fake_sfi.snapshot() == expected, step
            completed_despite_failure += 1
        else:
            assert isinstance(error, (fake_sfi.FrameError, InternalError)), (step, error)
            assert fake_sfi.snapshot() == before, (k, step, error)
    assert k > 30  # every step of the load and of the swap was made to fail
    if after and where in ("current", "replace frame", "current as frame"):
        assert completed_despite_failure >= 1  # the final drop of the old frame


def test_failing_to_return_to_the_current_frame_is_repaired(fake_sfi, people, monkeypatch):
    # the narrow case of issue 11: the call that makes the user's frame
    # current again fails, once; before, the user was left in the temporary
    # frame, or without their default frame
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    real = fake_sfi.Frame.changeToCWF
    calls = {"n": 0}

    def second_change_fails(self):
        calls["n"] += 1
        if calls["n"] == 2:  # back from the temporary frame after the data label
            raise fake_sfi.FrameError("injected")
        return real(self)

    monkeypatch.setattr(fake_sfi.Frame, "changeToCWF", second_change_fails)
    with pytest.raises(fake_sfi.FrameError):
        load_into_stata(sel.limit(5), engine, outs, opts())
    assert fake_sfi.snapshot() == before


def test_final_change_of_frame_failing_keeps_the_default_frame(fake_sfi, people, monkeypatch):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    real = fake_sfi.Frame.changeToCWF
    calls = {"n": 0}

    def third_change_fails(self):
        calls["n"] += 1
        if calls["n"] == 3:  # the loaded frame, renamed to default, made current
            raise fake_sfi.FrameError("injected")
        return real(self)

    monkeypatch.setattr(fake_sfi.Frame, "changeToCWF", third_change_fails)
    with pytest.raises(fake_sfi.FrameError):
        load_into_stata(sel.limit(5), engine, outs, opts())
    after = fake_sfi.snapshot()
    assert after == before and after["cwf"] == "default"


def test_when_frames_cannot_be_put_back_the_error_says_where_the_data_are(
        fake_sfi, people, monkeypatch):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    old = fake_sfi.snapshot()["frames"]["default"]
    real = fake_sfi.Frame.rename
    calls = {"n": 0}

    def rename_works_once(self, new):
        calls["n"] += 1
        if calls["n"] > 1:  # default set aside, then every rename fails
            raise fake_sfi.FrameError("injected")
        return real(self, new)

    monkeypatch.setattr(fake_sfi.Frame, "rename", rename_works_once)
    with pytest.raises(InternalError) as info:
        load_into_stata(sel.limit(5), engine, outs, opts())
    after = fake_sfi.snapshot()
    aside = after["cwf"]
    assert aside != "default" and after["frames"][aside] == old  # still current, intact
    assert f"your data are in frame {aside}" in info.value.message
    assert set(after["frames"]) == {aside}  # the temporary frame was dropped


# --- value labels -------------------------------------------------------------------------------

def test_value_labels_reach_stata(fake_sfi, people):
    engine, outs, sel = people
    load_into_stata(sel.limit(4), engine, outs, opts())
    data = fake_sfi.snapshot()["frames"]["default"]
    assert data["value_labels"] == {"grp": {0: "zero", 1: "one"}}
    v = {x["name"]: x for x in data["vars"]}
    assert v["grp"]["value_label"] == "grp" and v["pid"]["value_label"] == ""
    assert fake_sfi.Data.get("grp", range(4), valuelabel=True) == ["zero", "one", 2, "zero"]
    assert fake_sfi.Data.get("grp", range(3)) == [0, 1, 2]


MERGE_SQL = ("SELECT 1 AS id, CAST(1 AS TINYINT) AS _merge, 1 AS seen, 1 AS seen2 UNION ALL "
             "SELECT 2, 3, 0, 0 UNION ALL SELECT 3, 2, 1, 1 ORDER BY id")


def merge_outputs():
    int32 = SqlType("integer", "int32")
    yn = ValueLabel("yn", {0: "no", 1: "yes"})
    return [OutputColumn("id", "id", int32),
            OutputColumn("_merge", "_merge", SqlType("tinyint", "int8"), stata_type="byte",
                         label="Matching result from merge", value_label=MERGE_VALUE_LABEL),
            OutputColumn("seen", "seen", int32, value_label=yn),
            OutputColumn("seen2", "seen", int32, value_label=yn)]


def test_merge_indicator_label_into_a_frame_leaves_the_users_labels(fake_sfi):
    engine = sa.create_engine("duckdb:///:memory:")
    put_old_data(fake_sfi)
    fake_sfi.ValueLabel.createLabel("_merge")  # the user's own, older wording
    fake_sfi.ValueLabel.setLabelValue("_merge", 1, "master only (1)")
    fake_sfi.ValueLabel.setVarValueLabel("old", "_merge")
    before = fake_sfi.snapshot()["frames"]["default"]
    load_into_stata(MERGE_SQL, engine, merge_outputs(), opts(frame="res"))
    frames = fake_sfi.snapshot()["frames"]
    assert frames["default"] == before
    assert frames["res"]["value_labels"] == {
        "_merge": {1: "Master only (1)", 2: "Using only (2)", 3: "Matched (3)",
                   4: "Missing updated (4)", 5: "Nonmissing conflict (5)"},
        "yn": {0: "no", 1: "yes"}}
    v = {x["name"]: x for x in frames["res"]["vars"]}
    assert [v[n]["value_label"] for n in ("id", "_merge", "seen", "seen2")] == [
        "", "_merge", "yn", "yn"]
    assert v["_merge"]["type"] == "byte" and v["_merge"]["values"] == [1, 3, 2]
    res = fake_sfi.Frame.connect("res")
    assert res.get("_merge", valuelabel=True) == ["Master only (1)", "Matched (3)",
                                                 "Using only (2)"]


def test_clear_replaces_the_value_labels_of_the_current_data(fake_sfi, people):
    engine, outs, sel = people
    put_old_data(fake_sfi)
    fake_sfi.ValueLabel.createLabel("grp")
    fake_sfi.ValueLabel.setLabelValue("grp", 7, "old")
    load_into_stata(sel.limit(2), engine, outs, opts(clear=True))
    assert fake_sfi.snapshot()["frames"]["default"]["value_labels"] == {
        "grp": {0: "zero", 1: "one"}}


@pytest.mark.parametrize("method", ["setLabelValue", "setVarValueLabel"])
def test_a_value_label_call_that_does_nothing_is_an_error_and_changes_nothing(
        fake_sfi, people, monkeypatch, method):
    engine, outs, sel = people
    put_old_data(fake_sfi, changed=0)
    before = fake_sfi.snapshot()
    monkeypatch.setattr(fake_sfi.ValueLabel, method, staticmethod(lambda *args: None))
    with pytest.raises(InternalError, match="value label grp"):
        load_into_stata(sel.limit(5), engine, outs, opts())
    assert fake_sfi.snapshot() == before


def test_extended_missing_s_and_its_label_reach_stata(fake_sfi):
    """Flagged cells are .s in every storage type, unflagged NULLs ., the
    flags are no variables, and the .s label reads "suppressed"."""
    from leostata.stata_types import SUPPRESSED
    from tests.writers.test_dta import MARKED_SQL, marked_outputs
    label = ValueLabel("_sdc_s", {SUPPRESSED: "suppressed"})
    load_into_stata(MARKED_SQL, sa.create_engine("duckdb:///:memory:"), marked_outputs(label),
                    opts(table=""))
    data = fake_sfi.snapshot()["frames"]["default"]
    assert [x["name"] for x in data["vars"]] == ["b", "i", "l", "f", "d"]
    assert [x["type"] for x in data["vars"]] == ["byte", "int", "long", "float", "double"]
    s, dot = fake_sfi.Missing.getValue("s"), fake_sfi.Missing.getValue()
    for name, first in (("b", 1), ("i", 7), ("l", 70000), ("f", 1.5), ("d", 2.25)):
        assert fake_sfi.Data.get(name, range(3)) == [first, s, dot], name
        assert fake_sfi.Data.get(name, range(3), valuelabel=True)[1] == "suppressed"
    assert fake_sfi.ValueLabel.getValueLabels("_sdc_s") == {s: "suppressed"}
