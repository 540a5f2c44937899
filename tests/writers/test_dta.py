"""Round trips of every SQL type through DuckDB, SQLite and PostgreSQL over
ODBC into the .dta Writer, read back with independent readers (pandas and
pyreadstat), including Stata's boundary values."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import struct

import numpy as np
import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa

from leostata.catalog import Catalog, SqlType
from leostata.writers.dta import DtaWriter
from leostata.stata_types import OutputColumn
from leostata.stream import stream
from leostata.writers import DatasetMeta

S2045 = "é" * 1022 + "a"  # 2045 UTF-8 bytes
S2046 = "é" * 1023  # 2046 UTF-8 bytes -> strL
TWO53 = 2 ** 53

ROWS = [
    # id, flag, small, integer, big_long, big_dbl, big_str, amount, ratio, name, s2045, s2046, day, stamp
    dict(id=1, flag=True, small=100, integer=-2_147_483_648, big_long=2_147_483_620,
         big_dbl=2_147_483_621, big_str=TWO53 + 1, amount=decimal.Decimal("1234567.89"),
         ratio=0.1, name="Zoë", s2045=S2045, s2046=S2046, day=dt.date(1959, 12, 31),
         stamp=dt.datetime(1950, 6, 15, 12, 34, 56, 789000)),
    dict(id=2, flag=False, small=101, integer=2_147_483_647, big_long=-2_147_483_647,
         big_dbl=TWO53, big_str=-(TWO53 + 1), amount=decimal.Decimal("-0.01"),
         ratio=-1.5e300, name="", s2045="x", s2046="y", day=dt.date(1900, 1, 1),
         stamp=dt.datetime(1960, 1, 1, 0, 0, 0)),
    dict(id=3, flag=None, small=32_740, integer=2_147_483_620, big_long=None, big_dbl=None,
         big_str=None, amount=None, ratio=None, name=None, s2045=None, s2046=None,
         day=dt.date(2024, 2, 29), stamp=dt.datetime(2024, 2, 29, 23, 59, 59)),
    dict(id=4, flag=True, small=32_741, integer=2_147_483_621, big_long=0, big_dbl=-TWO53,
         big_str=0, amount=decimal.Decimal("0"), ratio=float("1e-300"), name="日本語",
         s2045="", s2046="", day=None, stamp=None),
    dict(id=5, flag=False, small=-32_768, integer=None, big_long=5, big_dbl=1, big_str=7,
         amount=decimal.Decimal("99999.99"), ratio=3.25, name="Last, First", s2045="q",
         s2046="r", day=dt.date(1960, 1, 1), stamp=dt.datetime(1959, 12, 31, 23, 59, 59, 999000)),
]


def build_table(engine) -> sa.Table:
    md = sa.MetaData()
    t = sa.Table(
        "types_t", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("flag", sa.Boolean),
        sa.Column("small", sa.Integer),
        sa.Column("integer", sa.BigInteger),
        sa.Column("big_long", sa.BigInteger),
        sa.Column("big_dbl", sa.BigInteger),
        sa.Column("big_str", sa.BigInteger),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("ratio", sa.Double),
        sa.Column("name", sa.String(40)),
        sa.Column("s2045", sa.Text),
        sa.Column("s2046", sa.Text),
        sa.Column("day", sa.Date),
        sa.Column("stamp", sa.DateTime),
    )
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(t.insert(), ROWS)
    return t


def outputs_for(engine, table: str, overrides: dict | None = None, *,
                declared: bool = False) -> list[OutputColumn]:
    info = Catalog(engine).table(table)
    overrides = overrides or {}
    return [OutputColumn(name=c.name, source=c.name,
                         sql_type=overrides.get(c.name, c.sql_type), label=f"label of {c.name}",
                         declared_types=declared)
            for c in info.columns]


def light_table(engine, name: str) -> sa.TableClause:
    """A Core table for ``name`` built from the catalog (no reflection)."""
    info = Catalog(engine).table(name)
    return sa.table(name, *[sa.column(c.name) for c in info.columns])


def days(d: dt.date) -> int:
    return (d - dt.date(1960, 1, 1)).days


def ms(t: dt.datetime) -> float:
    return (t - dt.datetime(1960, 1, 1)).total_seconds() * 1000


@pytest.fixture(params=["values", "declared"])
def loaded(any_db, tmp_path, request):
    writer = any_db.writer()
    build_table(writer)
    writer.dispose()  # DuckDB: one configuration per file at a time
    engine = any_db.reader()
    # integer and small are declared int32 / int64 above; make small an int16
    # (smallint) and integer an int32 so their declared-type rules are tested.
    overrides = {"small": SqlType("smallint", "int16"), "integer": SqlType("integer", "int32")}
    outs = outputs_for(engine, "types_t", overrides, declared=request.param == "declared")
    table = light_table(engine, "types_t")
    select = sa.select(table).order_by(table.c.id)
    path = tmp_path / "out.dta"
    result = stream(select, engine, outs, DtaWriter(path),
                         meta=DatasetMeta(table="types_t", synthetic=True))
    return request.param, path, result


def test_round_trip_values_with_pandas(loaded):
    kind, path, result = loaded
    assert result.nobs == len(ROWS)
    df = pd.read_stata(path, convert_dates=False, convert_missing=False)
    assert list(df.columns) == ["id", "flag", "small", "integer", "big_long", "big_dbl",
                                "big_str", "amount", "ratio", "name", "s2045", "s2046", "day",
                                "stamp"]
    for i, row in enumerate(ROWS):
        got = df.iloc[i]
        for key in ("id", "small", "integer", "big_long", "big_dbl"):
            want = row[key]
            if want is None:
                assert math.isnan(got[key]), (key, i)
            else:
                assert int(got[key]) == want, (key, i, got[key])
        assert (math.isnan(got["flag"]) if row["flag"] is None else got["flag"] == int(row["flag"]))
        assert got["big_str"] == ("" if row["big_str"] is None else str(row["big_str"]))
        if row["amount"] is None:
            assert math.isnan(got["amount"])
        else:
            assert got["amount"] == float(row["amount"])
        if row["ratio"] is None:
            assert math.isnan(got["ratio"])
        else:
            assert got["ratio"] == row["ratio"]
        for key in ("name", "s2045", "s2046"):
            assert got[key] == (row[key] or ""), (key, i)
        if row["day"] is None:
            assert math.isnan(got["day"])
        else:
            assert got["day"] == days(row["day"])
        if row["stamp"] is None:
            assert math.isnan(got["stamp"])
        else:
            assert got["stamp"] == pytest.approx(ms(row["stamp"]), abs=0.5)


def test_round_trip_types_with_pyreadstat(loaded):
    rule, path, result = loaded
    df, meta = pyreadstat.read_dta(str(path), disable_datetime_conversion=True)
    types = meta.readstat_variable_types  # readstat: byte int8, int int16, long int32
    formats = meta.original_variable_types
    if rule == "declared":  # declaredtypes: from the SQL types, values still promote
        assert types["id"] == "double"  # int does not fit long -> double
        assert types["flag"] == "int8"  # bit -> byte
        assert types["small"] == "int32"  # smallint does not fit int -> long
        assert types["integer"] == "double"  # int does not fit long -> double
        assert types["day"] == "int32" and formats["day"] == "%td"  # date -> long
    else:  # from the values loaded (Stata's ranges)
        assert types["id"] == "int8"  # 1..5
        assert types["flag"] == "int8"  # 0/1
        assert types["small"] == "int32"  # 32,741 and -32,768 are beyond int
        assert types["integer"] == "double"  # -2^31 and 2,147,483,621 are beyond long
        assert types["day"] == "int16" and formats["day"] == "%td"  # -21,914..23,435 days
    assert types["big_long"] == "int32"  # bigint whose values fit long -> long
    assert types["big_dbl"] == "double"  # bigint within 2^53 -> double
    assert types["big_str"] == "string"  # bigint beyond 2^53 -> digits, never rounded
    assert types["amount"] == "double" and types["ratio"] == "double"  # 0.1: no float holds it
    assert types["stamp"] == "double" and formats["stamp"] == "%tc"
    assert formats["s2045"] == "%2045s"  # str2045
    assert formats["s2046"] == "%9s"  # strL
    assert formats["name"] == "%11s"  # longest value "Last, First" (日本語 is 9 bytes)
    assert meta.file_label.startswith("SYNTHETIC") and "types_t" in meta.file_label
    assert meta.column_names_to_labels["amount"] == "label of amount"
    assert df["s2046"][0] == S2046 and df["s2045"][0] == S2045
    col = {c.name: c for c in result.columns}
    assert col["big_str"].notes and "2^53" in col["big_str"].chars["leo_note"]


def test_pre_1960_and_out_of_range_dates(any_db, tmp_path):
    if any_db.kind == "sqlite":
        pytest.skip("SQLite has no date type to hold year 50 distinctly")
    eng = any_db.writer()
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE d (k INTEGER, day DATE)"))
        conn.execute(sa.text("INSERT INTO d VALUES (1, DATE '0050-06-01'), "
                             "(2, DATE '0100-01-01'), (3, DATE '1959-12-31'), (4, NULL)"))
    eng.dispose()
    engine = any_db.reader()
    table = light_table(engine, "d")
    outs = outputs_for(engine, "d")
    path = tmp_path / "d.dta"
    result = stream(sa.select(table).order_by(table.c.k), engine, outs, DtaWriter(path))
    df = pd.read_stata(path, convert_dates=False)
    assert math.isnan(df["day"][0])  # year < 100: outside %td -> missing
    assert df["day"][1] == -679_350 and df["day"][2] == -1 and math.isnan(df["day"][3])
    assert any("date range" in n for n in result.notes)


def test_empty_result_and_characteristics(tmp_path):
    eng = sa.create_engine(f"duckdb:///{tmp_path}/e.duckdb")
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE e (\"first name\" VARCHAR, \"if\" INTEGER, v DOUBLE)"))
    table = light_table(eng, "e")
    outs = outputs_for(eng, "e")
    path = tmp_path / "e.dta"
    res = stream(sa.select(table), eng, outs, DtaWriter(path),
                 meta=DatasetMeta(table="e", sql="SELECT * FROM e"))
    assert res.nobs == 0
    df, meta = pyreadstat.read_dta(str(path))
    assert list(df.columns) == ["first_name", "if_", "v"]
    assert len(df) == 0
    assert meta.file_label == "leostata: e"


def test_release_119_beyond_32767_variables(tmp_path):
    from leostata.stata_types import ResultColumn, Observed
    from leostata.catalog import SqlType
    cols = [ResultColumn(name=f"v{j}", source=f"v{j}", sql_type=SqlType("smallint", "int16"),
                         stata_type="long", format="%12.0g", family="int",
                         observed=Observed("int")) for j in range(32_768)]
    w = DtaWriter(tmp_path / "wide.dta", chars=False)
    w.begin(cols)
    batch = {c.name: np.ma.MaskedArray(np.array([1], np.int64), mask=[False]) for c in cols}
    for c in cols:
        c.observed.update(batch[c.name])
    w.write(batch)
    assert w.commit() == 1
    with open(tmp_path / "wide.dta", "rb") as fh:
        head = fh.read(60)
    assert b"<release>119</release>" in head
    df, meta = pyreadstat.read_dta(str(tmp_path / "wide.dta"), usecols=["v0", "v32767"])
    assert df["v32767"][0] == 1


def test_abort_leaves_no_file_and_keeps_existing(tmp_path):
    path = tmp_path / "keep.dta"
    path.write_bytes(b"old")
    eng = sa.create_engine("duckdb:///:memory:")

    class Boom(Exception):
        pass

    calls = {"n": 0}

    def poll():
        calls["n"] += 1
        if calls["n"] == 3:
            raise Boom()

    with pytest.raises(Boom):
        stream("SELECT range AS x FROM range(50000)", eng, None, DtaWriter(path), poll=poll,
               batch_rows=1000)
    assert path.read_bytes() == b"old"
    assert not (tmp_path / "keep.dta.part").exists()


def test_spilled_spool_gives_same_file(tmp_path):
    eng = sa.create_engine("duckdb:///:memory:")
    sql = ("SELECT range AS i, 'name' || range AS s, CASE WHEN range % 7 = 0 THEN NULL "
           "ELSE range * 0.5 END AS f, CASE WHEN range = 3 THEN repeat('x', 3000) ELSE '' END AS l "
           "FROM range(30000)")
    a, b = tmp_path / "a.dta", tmp_path / "b.dta"
    stream(sql, eng, None, DtaWriter(a), batch_rows=4096)
    stream(sql, eng, None, DtaWriter(b, spool_limit=1000), batch_rows=4096)
    da, db = pd.read_stata(a), pd.read_stata(b)
    pd.testing.assert_frame_equal(da, db)
    assert da["l"][3] == "x" * 3000 and da["s"][29999] == "name29999"


# --- bad destinations and file-system faults (issue 11) ----------------------------------------
#
# Every case: a Stata error with Stata's code (never an OSError), raised before
# the query where the path alone shows the problem, and the disk as it was (an
# existing output unchanged, no FILE.dta.part left, nothing written elsewhere).

import errno  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402

from leostata.writers import dta  # noqa: E402
from leostata.errors import LeostataError  # noqa: E402

ROWS_SQL = "SELECT range AS x, 'row ' || range AS s FROM range(50000)"


def mount_tmpfs(folder, *options: str):
    """Mount a fresh tmpfs on ``folder`` (created), or skip when this machine
    cannot (not root, no mount).  CI runs as root (scripts/test.sh, which sets
    LEOSTATA_REQUIRE_PG=1): there a failing mount is a test failure, so the
    real full and read-only file systems are always exercised in CI.  Returns
    a function that unmounts it."""
    os.makedirs(folder, exist_ok=True)
    ci = os.environ.get("LEOSTATA_REQUIRE_PG") == "1" and os.geteuid() == 0
    if os.geteuid() != 0 or shutil.which("mount") is None:
        if ci:
            pytest.fail("mount is needed for the file-system fault tests in CI")
        pytest.skip("mounting a tmpfs needs root")
    opts = ",".join(("size=64k",) + options)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        if ci:
            pytest.fail(f"mount -t tmpfs failed as root in CI: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    return lambda: subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.fixture
def tmpfs(tmp_path):
    """A 64 KiB tmpfs; ``tmpfs.remount_ro()`` makes it read-only."""
    folder = tmp_path / "fs"
    unmount = mount_tmpfs(folder)

    class Fs:
        path = folder

        @staticmethod
        def remount_ro():
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    yield Fs
    unmount()


def listing(folder):
    return sorted(os.listdir(folder))


def test_part_flags_are_exclusive_and_do_not_follow_links():
    flags = dta._part_flags()
    assert flags & os.O_CREAT and flags & os.O_EXCL
    if hasattr(os, "O_NOFOLLOW"):
        assert flags & os.O_NOFOLLOW


@pytest.mark.parametrize("case, rc, words", [
    ("missing folder", 601, "directory {tmp}/nodir/deeper not found"),
    ("a directory", 603, "is a directory"),
    ("a file in the path", 603, "file.txt is a file, not a directory"),
    ("read-only file", 608, "is read-only; cannot be modified or erased"),
    ("not a regular file", 603, "is not a regular file"),
    ("leftover part", 602, "keep.dta.part already exists"),
    ("empty name", 198, "invalid file specification"),
])
def test_bad_destination_is_refused_before_anything_runs(tmp_path, case, rc, words):
    (tmp_path / "file.txt").write_text("a file")
    keep = tmp_path / "keep.dta"
    keep.write_bytes(b"old")
    path = {"missing folder": tmp_path / "nodir" / "deeper" / "x.dta",
            "a directory": tmp_path,
            "a file in the path": tmp_path / "file.txt" / "sub" / "x.dta",
            "read-only file": keep,
            "not a regular file": tmp_path / "fifo.dta",
            "leftover part": keep,
            "empty name": ""}[case]
    if case == "read-only file":
        keep.chmod(0o444)  # root may write it; Stata's rule is the file's mode
    if case == "not a regular file":
        os.mkfifo(path)
    if case == "leftover part":
        (tmp_path / "keep.dta.part").write_bytes(b"left from a crash")
    before = listing(tmp_path)
    with pytest.raises(LeostataError) as info:
        DtaWriter(path)  # made before the query runs
    assert info.value.rc == rc
    assert words.format(tmp=tmp_path) in info.value.render()
    assert listing(tmp_path) == before and keep.read_bytes() == b"old"
    if case == "leftover part":  # not ours: never removed
        assert (tmp_path / "keep.dta.part").read_bytes() == b"left from a crash"


@pytest.mark.parametrize("dangling", [False, True], ids=["to-a-victim", "dangling"])
def test_a_planted_symlink_at_the_part_path_cannot_redirect_the_write(tmp_path, dangling):
    eng = sa.create_engine("duckdb:///:memory:")
    victim = tmp_path / "victim.txt"
    if not dangling:
        victim.write_bytes(b"precious")
    out = tmp_path / "out.dta"
    out.write_bytes(b"old")
    part = tmp_path / "out.dta.part"
    os.symlink(victim, part)
    with pytest.raises(LeostataError) as info:  # seen when the writer is made
        DtaWriter(out)
    assert info.value.rc == 602 and "symbolic link" in info.value.render()
    # planted after the check, before the query delivers: the exclusive open refuses it
    os.remove(part)
    writer = DtaWriter(out)
    os.symlink(victim, part)
    with pytest.raises(LeostataError) as info:
        stream(ROWS_SQL, eng, None, writer, batch_rows=4096)
    assert info.value.rc == 602
    assert os.path.islink(part)  # not ours: left alone
    assert out.read_bytes() == b"old"
    if dangling:
        assert not victim.exists()  # O_CREAT did not follow the link
    else:
        assert victim.read_bytes() == b"precious"


def _fault(monkeypatch, target, name, err):
    real = getattr(target, name)

    def failing(*args, **kwargs):
        raise OSError(err, os.strerror(err))

    monkeypatch.setattr(target, name, failing)
    return real


@pytest.mark.parametrize("where, err, rc", [
    ("write", errno.ENOSPC, 699),      # simulated full disk (the real one is below)
    ("write", errno.EDQUOT, 699),
    ("write", errno.EIO, 693),
    ("fsync", errno.EIO, 693),
    ("open", errno.EACCES, 603),       # simulated: root ignores permissions
    ("open", errno.EROFS, 603),
    ("replace", errno.EBUSY, 694),
])
def test_simulated_os_failures_are_stata_errors_and_leave_the_disk_alone(
        tmp_path, monkeypatch, where, err, rc):
    eng = sa.create_engine("duckdb:///:memory:")
    out = tmp_path / "out.dta"
    out.write_bytes(b"old")
    writer = DtaWriter(out)
    if where == "write":
        def failing_write(self, fh):
            fh.write(b"<stata_dta>" + b"x" * 100_000)
            raise OSError(err, os.strerror(err))
        monkeypatch.setattr(DtaWriter, "_write_file", failing_write)
    elif where == "open":
        real = os.open

        def failing_open(path, *args, **kwargs):
            if str(path).endswith(".part"):
                raise OSError(err, os.strerror(err))
            return real(path, *args, **kwargs)
        monkeypatch.setattr(dta.os, "open", failing_open)
    else:
        _fault(monkeypatch, dta.os, where, err)
    with pytest.raises(LeostataError) as info:
        stream(ROWS_SQL, eng, None, writer, batch_rows=4096)
    monkeypatch.undo()
    assert info.value.rc == rc
    assert "unchanged" in info.value.render()
    assert out.read_bytes() == b"old" and listing(tmp_path) == ["out.dta"]


def test_full_file_system_is_r699_and_leaves_the_old_file(tmpfs):
    eng = sa.create_engine("duckdb:///:memory:")
    out = tmpfs.path / "out.dta"
    out.write_bytes(b"old")
    with pytest.raises(LeostataError) as info:
        stream(ROWS_SQL, eng, None, DtaWriter(out), batch_rows=4096)
    assert info.value.rc == 699 and "insufficient disk space" in info.value.message
    assert out.read_bytes() == b"old" and listing(tmpfs.path) == ["out.dta"]
    # the spool spilling into the same (full) folder while the rows arrive
    with pytest.raises(LeostataError) as info:
        stream(ROWS_SQL, eng, None, DtaWriter(out, spool_limit=1000), batch_rows=4096)
    assert info.value.rc == 699
    assert out.read_bytes() == b"old" and listing(tmpfs.path) == ["out.dta"]
    # a small result still fits
    stream("SELECT 1 AS x", eng, None, DtaWriter(out))
    assert pd.read_stata(out)["x"].tolist() == [1] and listing(tmpfs.path) == ["out.dta"]


def test_read_only_file_system_is_refused_before_the_query(tmpfs):
    out = tmpfs.path / "out.dta"
    out.write_bytes(b"old")
    tmpfs.remount_ro()
    with pytest.raises(LeostataError) as info:
        DtaWriter(tmpfs.path / "new.dta")
    assert info.value.rc == 603 and "read-only file system" in info.value.render()
    with pytest.raises(LeostataError) as info:
        DtaWriter(out)  # an existing file there cannot be modified: r(608), as Stata
    assert info.value.rc == 608
    assert out.read_bytes() == b"old" and listing(tmpfs.path) == ["out.dta"]


def test_an_existing_output_is_replaced_on_success(tmp_path):
    # as before: --out replaces an existing file (there is no replace option)
    out = tmp_path / "out.dta"
    out.write_bytes(b"old")
    stream("SELECT 2 AS y", sa.create_engine("duckdb:///:memory:"), None, DtaWriter(out))
    assert pd.read_stata(out)["y"].tolist() == [2] and listing(tmp_path) == ["out.dta"]


# --- value labels ---------------------------------------------------------------------------

MERGE_TEXTS = {1: "Master only (1)", 2: "Using only (2)", 3: "Matched (3)",
               4: "Missing updated (4)", 5: "Nonmissing conflict (5)"}
LABEL_SQL = ("SELECT 1::TINYINT AS m, 0 AS a, -2147483647 AS b, 7 AS z, 0 AS a2 "
             "UNION ALL SELECT 3, 1, NULL, 8, 1 UNION ALL SELECT 2, 5, 2147483620, 9, 5 "
             "ORDER BY z")


def labelled_outputs():
    from leostata.stata_types import MERGE_VALUE_LABEL, ValueLabel
    yn = ValueLabel("yn", {1: "yes", 0: "no"})
    ends = ValueLabel("ends", {2_147_483_620: "top ✓", -2_147_483_647: "bottom é"})
    int32 = SqlType("integer", "int32")
    return [OutputColumn("m", "m", SqlType("tinyint", "int8"), stata_type="byte",
                         value_label=MERGE_VALUE_LABEL),
            OutputColumn("a", "a", int32, value_label=yn),
            OutputColumn("b", "b", int32, value_label=ends),
            OutputColumn("z", "z", int32),
            OutputColumn("a2", "a", int32, value_label=yn)]


@pytest.mark.parametrize("version", [118, 119])
def test_value_labels_read_back_with_pyreadstat_and_pandas(tmp_path, version):
    eng = sa.create_engine("duckdb:///:memory:")
    path = tmp_path / "labels.dta"
    stream(LABEL_SQL, eng, labelled_outputs(), DtaWriter(path, version=version))
    with open(path, "rb") as fh:
        assert b"<release>%d</release>" % version in fh.read(60)
    df, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    assert meta.variable_to_label == {"m": "_merge", "a": "yn", "b": "ends", "a2": "yn"}
    assert meta.value_labels == {"_merge": MERGE_TEXTS, "yn": {0: "no", 1: "yes"},
                                 "ends": {-2_147_483_647: "bottom é", 2_147_483_620: "top ✓"}}
    assert df["m"].tolist() == [1, 3, 2] and df["a"].tolist() == [0, 1, 5]
    assert meta.readstat_variable_types["m"] == "int8"
    shown = pd.read_stata(path)  # labels applied: unlabelled codes (5) stay numbers
    assert shown["m"].tolist() == ["Master only (1)", "Matched (3)", "Using only (2)"]
    raw = pd.read_stata(path, convert_categoricals=False)
    assert raw["b"].tolist()[0] == -2_147_483_647 and math.isnan(raw["b"].tolist()[1])
    with pd.io.stata.StataReader(path) as reader:
        assert reader.value_labels()["yn"] == {0: "no", 1: "yes"}


def test_value_labels_at_stata_limits(tmp_path):
    from leostata.stata_types import ValueLabel
    many = ValueLabel("many", {i - 40_000: f"code {i - 40_000}" for i in range(65_536)})
    long_text = ValueLabel("longtext", {1: "é" * 16_000})  # 32,000 bytes
    outs = [OutputColumn("x", "x", SqlType("integer", "int32"), value_label=many),
            OutputColumn("y", "y", SqlType("integer", "int32"), value_label=long_text)]
    path = tmp_path / "limits.dta"
    stream("SELECT 25535 AS x, 1 AS y", sa.create_engine("duckdb:///:memory:"), outs,
           DtaWriter(path))
    _, meta = pyreadstat.read_dta(str(path), apply_value_formats=False)
    assert len(meta.value_labels["many"]) == 65_536
    assert meta.value_labels["many"][-40_000] == "code -40000"
    assert meta.value_labels["many"][25_535] == "code 25535"
    assert meta.value_labels["longtext"] == {1: "é" * 16_000}


def test_no_value_labels_leave_the_section_empty(tmp_path):
    path = tmp_path / "plain.dta"
    stream("SELECT 1 AS x", sa.create_engine("duckdb:///:memory:"), None, DtaWriter(path))
    data = path.read_bytes()
    assert b"<value_labels></value_labels>" in data
    start = data.index(b"<value_label_names>") + len(b"<value_label_names>")
    assert data[start:start + 130] == b"\x00" * 129 + b"<"
    _, meta = pyreadstat.read_dta(str(path))
    assert meta.value_labels == {} and meta.variable_to_label == {}


def test_provenance_notes_are_characteristics_stata_notes_reads(tmp_path):
    eng = sa.create_engine(f"duckdb:///{tmp_path}/n.duckdb")
    with eng.begin() as conn:
        conn.execute(sa.text("CREATE TABLE n (flag SMALLINT, \"Last Name\" VARCHAR)"))
        conn.execute(sa.text("INSERT INTO n VALUES (1, 'a'), (0, 'b')"))
    table = light_table(eng, "n")
    outs = [OutputColumn("flag", "flag", SqlType("smallint", "int16"), "Tie flag (1/0)",
                         notes=("name as in the SRS extract; SQL type assumed",)),
            OutputColumn("Last Name", "Last Name", SqlType("varchar", "string"), "Surname")]
    path = tmp_path / "n.dta"
    stream(sa.select(table), eng, outs, DtaWriter(path), meta=DatasetMeta(table="n"))
    df, meta = pyreadstat.read_dta(str(path))
    assert meta.column_names_to_labels == {"flag": "Tie flag (1/0)", "Last_Name": "Surname"}
    assert meta.readstat_variable_types["flag"] == "int8"  # 0/1: byte
    blob = path.read_bytes()

    def char(var: str, name: str) -> bytes:
        """The value of characteristic var[name] in the .dta's <ch> records."""
        key = var.encode().ljust(129, b"\0") + name.encode().ljust(129, b"\0")
        at = blob.index(key) + len(key)
        return blob[at:blob.index(b"\0", at)]

    assert char("flag", "note0") == b"1"
    assert char("flag", "note1") == b"name as in the SRS extract; SQL type assumed"
    assert char("flag", "leo_provenance") == b"name as in the SRS extract; SQL type assumed"
    assert char("Last_Name", "note1") == b"SQL name Last Name: not a valid or unique Stata name"
    assert char("Last_Name", "leo_sqlname") == b"Last Name"


def marked_outputs(label=None):
    """One column per numeric storage type, each with a flag column that
    marks it ``.s`` (``OutputColumn.marks``), as the sdc option plans them."""
    from leostata.stata_types import SUPPRESSED
    int32, dbl = SqlType("integer", "int32"), SqlType("double", "float64")
    outs = []
    for name, stype in (("b", "byte"), ("i", "int"), ("l", "long"), ("f", "float"),
                        ("d", "double")):
        outs.append(OutputColumn(name, name, dbl if stype in ("float", "double") else int32,
                                 stata_type=stype, value_label=label))
    return outs + [OutputColumn(f"{o.name}_flag", f"{o.name}_flag", int32, stata_type="byte",
                                marks=(o.name, SUPPRESSED)) for o in outs]


# row 1: values; row 2: flagged (NULL -> .s); row 3: NULL unflagged (.)
MARKED_SQL = ("SELECT * FROM (VALUES (1, 7, 70000, 1.5, 2.25, 0, 0, 0, 0, 0), "
              "(NULL, NULL, NULL, NULL, NULL, 1, 1, 1, 1, 1), "
              "(NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0)) "
              "AS t(b, i, l, f, d, b_flag, i_flag, l_flag, f_flag, d_flag)")


def test_extended_missing_s_in_every_storage_type_reads_back_as_s(tmp_path):
    """Flagged cells are .s in the file (pandas' reader names each code), the
    flags are not variables, unflagged NULLs stay ., and the raw codes are
    the .dta format's: 101/32741/2147483621 + 19, and the float/double bits."""
    path = tmp_path / "marked.dta"
    result = stream(MARKED_SQL, sa.create_engine("duckdb:///:memory:"), marked_outputs(),
                    DtaWriter(path))
    assert [c.name for c in result.columns] == ["b", "i", "l", "f", "d"]
    df = pd.read_stata(path, convert_missing=True)
    assert list(df.columns) == ["b", "i", "l", "f", "d"]
    for name in df.columns:
        first, marked, plain = df[name].tolist()
        assert float(first) == {"b": 1, "i": 7, "l": 70000, "f": 1.5, "d": 2.25}[name]
        assert isinstance(marked, pd.io.stata.StataMissingValue) and marked.string == ".s"
        assert isinstance(plain, pd.io.stata.StataMissingValue) and plain.string == "."
    with pd.io.stata.StataReader(path) as reader:
        raw = reader.read(convert_missing=False, convert_categoricals=False)
    assert raw["b"].isna().tolist() == [False, True, True]
    data = path.read_bytes()
    block = data[data.index(b"<data>") + 6:data.index(b"</data>")]
    width = 1 + 2 + 4 + 4 + 8
    second = block[width:2 * width]
    assert second == struct.pack("<bhiIQ", 101 + 19, 32_741 + 19, 2_147_483_621 + 19,
                                 0x7F00_0000 + 19 * 0x800, 0x7FE0_0000_0000_0000 + (19 << 40))


def test_a_value_label_for_s_reads_back(tmp_path):
    """``.s`` "suppressed" in the value-label table is the long code of .s."""
    from leostata.stata_types import SUPPRESSED, ValueLabel
    label = ValueLabel("_sdc_s", {SUPPRESSED: "suppressed"})
    path = tmp_path / "labelled.dta"
    stream(MARKED_SQL, sa.create_engine("duckdb:///:memory:"), marked_outputs(label),
           DtaWriter(path))
    with pd.io.stata.StataReader(path) as reader:
        labels = reader.value_labels()
    assert labels == {"_sdc_s": {2_147_483_621 + 19: "suppressed"}}
    _, meta = pyreadstat.read_dta(str(path), apply_value_formats=False, user_missing=True)
    assert meta.variable_to_label == {n: "_sdc_s" for n in "bilfd"}
