"""``bridge.run``: the ado-files' entry point, per command, against the sfi
double and a small synthetic database.

Locals are set by hand here, as each ado's ``syntax`` would set them
(tests/test_ado.py derives them from the ado-files themselves).  Checked:
data land in Stata (compared with the CLI's path through ``stream``), result
locals, error paths (``_leo_rc`` set, message printed, memory untouched),
unexpected exceptions (rc 5199, secrets masked, traceback only with debug),
the version handshake, and leoset's session setting (never shown unmasked).
"""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from leostata import __version__, bridge, commands, config
from leostata.errors import RETURN_CODES
from leostata.stream import stream
from leostata.writers.memory import MemoryWriter
from tests.ado_harness import stata, synth  # noqa: F401 (fixtures)

SECRET = "s3cr3t-pw"


def call(sfi, command: str, *, reads: list | None = None, **values) -> int:
    """Run ``command`` as its ado would: fresh locals, the ado's version,
    ``values`` as syntax set them; returns ``_leo_rc``.  ``reads`` collects
    the names the bridge reads with ``Macro.getLocal``."""
    for name in sfi.local_macros():
        sfi.Macro.setLocal(name, "")
    sfi.Macro.setLocal("_leo_version", __version__)
    for name, value in values.items():
        sfi.Macro.setLocal(name, value)
    original = sfi.Macro.getLocal
    if reads is not None:
        sfi.Macro.getLocal = staticmethod(lambda name: reads.append(name) or original(name))
    try:
        bridge.run(command)
    finally:
        sfi.Macro.getLocal = original
    return int(sfi.Macro.getLocal("_leo_rc"))


def loc(sfi, name: str) -> str:
    return sfi.Macro.getLocal(name)


def variables(sfi, frame: str = "default") -> dict:
    data = sfi.snapshot()["frames"][frame]
    return {v["name"]: v for v in data["vars"]}


def cli_result(text: str) -> MemoryWriter:
    """The same command through the CLI's path (commands + stream)."""
    from leostata.session import open_session
    session = open_session()
    try:
        job = commands.prepare_load(text, session)
        writer = MemoryWriter()
        stream(job.statement, session.engine, job.plan.outputs, writer, meta=job.meta(),
               require_rows=job.require_rows)
        return writer
    finally:
        session.close()


def as_python(values: list, sfi) -> list:
    miss = sfi.Missing.getValue()
    return [None if isinstance(v, float) and v >= miss else v for v in values]


def put_changed_data(sfi):
    sfi.Data.addVarDouble("old")
    sfi.Data.addObs(2)
    sfi.Data.store("old", None, [1.5, 2.5])
    sfi._set_changed(1)


def engine(synth):
    from leostata.connection import engine_for  # DuckDB wants one configuration per file
    return engine_for(synth[1])


# --- leoload ---------------------------------------------------------------------------------


def test_leoload_data_land_as_the_cli_loads_them(stata):
    spec = "ks4_pupil KS4_PupilMatchingRefAnonymous KS4_GENDER KS4_FSM KS4_IDACI if KS4_FSM == 1"
    assert call(stata, "leoload", spec=spec, clear="clear") == 0
    expected = cli_result(spec)
    got = variables(stata)
    assert list(got) == [c.name for c in expected.columns]
    for c in expected.columns:
        assert as_python(got[c.name]["values"], stata) == expected.data[c.name], c.name
        assert got[c.name]["type"] == c.stata_type
    n = expected.nobs
    assert n > 0 and loc(stata, "leo_N") == str(n) and loc(stata, "leo_k") == "4"
    assert loc(stata, "leo_table") == "ks4_pupil" and loc(stata, "leo_dialect") == "duckdb"
    assert loc(stata, "leo_sql").startswith("SELECT") and loc(stata, "leo_synthetic") == "1"
    assert loc(stata, "leo_frame") == "default"
    out = stata.transcript("out")
    assert f"({n:,} observations, 4 variables from ks4_pupil)" in out
    assert "SYNTHETIC" in out and stata.transcript("err") == ""
    assert stata.dataset_label().startswith("SYNTHETIC")


def test_leoload_collapse_gives_statas_median(stata, synth):
    assert call(stata, "leoload", spec="leo_earnings if TaxYear >= 201516",
                collapse="collapse((p50) Earnings (count) n=Earnings)", by="by(TaxYear)") == 0
    got = variables(stata)
    with engine(synth).connect() as conn:
        raw = pd.read_sql('SELECT "TaxYear", "Earnings" FROM leo_earnings '
                          'WHERE "TaxYear" >= 201516 AND "Earnings" IS NOT NULL', conn)
    want = raw.groupby("TaxYear")["Earnings"].agg(["median", "count"]).reset_index()
    assert got["TaxYear"]["values"] == want["TaxYear"].tolist()
    assert got["Earnings"]["values"] == want["median"].astype(float).tolist()
    assert got["n"]["values"] == want["count"].tolist()
    assert loc(stata, "leo_N") == str(len(want)) and loc(stata, "leo_k") == "3"


def test_options_are_rebuilt_from_what_syntax_returns():
    args = {name: "" for name in bridge.ADO_LOCALS["leoload"]}
    args.update(spec='t a b if s == "x, y" in 1/5', clear="clear",
                collapse="collapse((p50) b)", by="by(a)", showsql="showsql")
    assert bridge.load_command_text(args) == \
        't a b if s == "x, y" in 1/5, clear collapse((p50) b) by(a) showsql'
    args.update(clear="", collapse="", by="", showsql="")
    assert bridge.load_command_text(args) == 't a b if s == "x, y" in 1/5'


def test_data_in_memory_are_never_lost(stata):
    put_changed_data(stata)
    before = stata.snapshot()
    assert call(stata, "leoload", spec="ref_cah2") == 4
    assert stata.snapshot() == before
    assert "no; data in memory would be lost" in stata.transcript("err")
    assert loc(stata, "leo_N") == ""


def test_frame_option(stata):
    put_changed_data(stata)
    before = stata.snapshot()["frames"]["default"]
    assert call(stata, "leoload", spec="ref_cah2", frame="frame(cah)") == 0
    snap = stata.snapshot()
    assert snap["cwf"] == "default" and snap["frames"]["default"] == before
    assert snap["frames"]["cah"]["nobs"] == int(loc(stata, "leo_N")) > 0
    assert loc(stata, "leo_frame") == "cah"
    again = stata.snapshot()
    assert call(stata, "leoload", spec="ref_cah2 code", frame="frame(cah)") == 110
    assert stata.snapshot() == again
    assert "frame cah already defined" in stata.transcript("err")
    assert call(stata, "leoload", spec="ref_cah2 code", frame="frame(cah, replace)") == 0
    assert [v["name"] for v in stata.snapshot()["frames"]["cah"]["vars"]] == ["code"]


def test_sqlonly_count_and_showsql(stata, synth):
    before = stata.snapshot()
    assert call(stata, "leoload", spec="ks4_pupil if KS4_FSM == 1", sqlonly="sqlonly") == 0
    assert stata.snapshot() == before
    sql = loc(stata, "leo_sql")
    assert sql.startswith("SELECT") and sql in stata.transcript("out")
    assert loc(stata, "leo_N") == "" and loc(stata, "leo_table") == "ks4_pupil"

    assert call(stata, "leoload", spec="ks4_pupil if KS4_FSM == 1", count="count") == 0
    assert stata.snapshot() == before
    with engine(synth).connect() as conn:
        n = conn.execute(sa.text('SELECT COUNT(*) FROM ks4_pupil WHERE "KS4_FSM" = 1')).scalar()
    assert loc(stata, "leo_N") == str(n) and loc(stata, "leo_k") == ""

    assert call(stata, "leoload", spec="ref_cah2", showsql="showsql") == 0
    assert loc(stata, "leo_sql") in stata.transcript("out")
    assert stata.snapshot()["frames"]["default"]["nobs"] == int(loc(stata, "leo_N"))


def test_sqlshow_is_showsql_in_leoload_and_leoquery(stata, synth):
    """odbc's spelling: the statement is shown, then run (leoload and leoquery)."""
    assert call(stata, "leoload", spec="ref_cah2", sqlshow="sqlshow", clear="clear") == 0
    out = stata.transcript("out")
    assert loc(stata, "leo_sql").startswith("SELECT") and loc(stata, "leo_sql") in out
    assert stata.snapshot()["frames"]["default"]["nobs"] == int(loc(stata, "leo_N")) > 0
    sent = "SELECT code FROM ref_cah2"
    for flag in ("showsql", "sqlshow", None):
        shown = stata.transcript("out").count(sent)
        query = '"SELECT  code FROM ref_cah2"'  # shown as sent: regenerated by the check
        extra = {flag: flag} if flag else {}
        assert call(stata, "leoquery", query=query, clear="clear", **extra) == 0
        assert stata.transcript("out").count(sent) == shown + (1 if flag else 0), flag
        assert int(loc(stata, "leo_N")) > 0


def test_leoquery_has_leoloads_default_size_guard(stata, monkeypatch):
    """No maxobs(): the default limit applies (lowered here), force skips it."""
    from leostata import guard
    monkeypatch.setattr(guard, "DEFAULT_MAXOBS", 5)
    query = '"SELECT code FROM ref_cah2"'
    put_changed_data(stata)
    before = stata.snapshot()
    assert call(stata, "leoquery", query=query, clear="clear") == 5105
    assert stata.snapshot() == before
    assert "maxobs() is 5" in stata.transcript("err")
    assert call(stata, "leoquery", query=query, clear="clear", force="force") == 0
    assert int(loc(stata, "leo_N")) > 5
    assert call(stata, "leoquery", query=query, clear="clear", maxobs="100000") == 0


@pytest.mark.parametrize("values, rc, message", [
    ({"spec": "nosuchtable"}, 111, "nosuchtable"),
    ({"spec": "ks4_pupil nosuchvar"}, 111, "variable nosuchvar not found"),
    ({"spec": "ks4_pupil if KS4_GENDER == 1"}, 109, "compares two numbers or two strings"),
    ({"spec": 'ks4_pupil if regexm(KS4_ETHNIC, "^W")'}, 5104, "regexm() cannot be translated"),
    ({"spec": "ks4_pupil", "options": "sdc"}, 198, "option sdc not available"),
    ({"spec": "leo_earnings if TaxYear > 999999", "collapse": "collapse((mean) Earnings)"},
     2000, "no observations"),
    ({"spec": "leo_earnings", "maxobs": "maxobs(10)"}, 5105, "result too large"),
    ({"spec": "leo_earnings if TaxYear >= 201516", "maxobs": "maxobs(10)"}, 5105,
     "result too large"),
    ({"spec": "ks4_pupil", "sample": "sample(0)"}, 198, "sample()"),
])
def test_leoload_errors_leave_memory_as_it_was(stata, values, rc, message):
    put_changed_data(stata)
    before = stata.snapshot()
    assert call(stata, "leoload", clear="clear", **values) == rc
    assert stata.snapshot() == before
    assert message in stata.transcript("err")
    assert "Traceback" not in stata.transcript()
    assert rc in RETURN_CODES


def test_break_leaves_memory_as_it_was(stata):
    put_changed_data(stata)
    before = stata.snapshot()
    stata._arm_break(0)
    assert call(stata, "leoload", spec="leo_earnings", clear="clear") == 1
    assert stata.snapshot() == before
    assert "Break" in stata.transcript("err")


def test_unexpected_errors_are_5199_masked_and_short(stata, monkeypatch):
    def boom(text, session):
        raise RuntimeError(f"driver said mssql+pyodbc://user:{SECRET}@server/db")
    monkeypatch.setattr(commands, "prepare_load", boom)
    assert call(stata, "leoload", spec="ks4_pupil") == 5199
    err = stata.transcript("err")
    assert "internal error" in err and "RuntimeError" in err and "debug" in err
    assert SECRET not in stata.transcript() and "Traceback" not in err
    assert call(stata, "leoload", spec="ks4_pupil", debug="debug") == 5199
    assert "Traceback" in stata.transcript("err") and SECRET not in stata.transcript()


@pytest.mark.parametrize("version", ["0.0.1", ""])
def test_version_handshake(stata, version):
    for name in stata.local_macros():
        stata.Macro.setLocal(name, "")
    stata.Macro.setLocal("_leo_version", version)
    stata.Macro.setLocal("spec", "ref_cah2")
    bridge.run("leoload")
    assert loc(stata, "_leo_rc") == "5100"
    assert __version__ in stata.transcript("err")
    assert bridge._state.session is None  # refused before connecting


def test_unknown_command_still_sets_rc(stata):
    bridge.run("leofoo")
    assert loc(stata, "_leo_rc") == "5199"


@pytest.mark.parametrize("command, values", [
    ("leoload", {"spec": "ref_cah2", "clear": "clear"}),
    ("leoquery", {"query": '"SELECT 1 AS one"', "clear": "clear"}),
    ("leodescribe", {"spec": "ref_cah2"}),
    ("leoset", {"subcmd": "show"}),
    ("leoset", {"subcmd": "dsn", "name": "LEO"}),
])
def test_bridge_reads_exactly_the_declared_locals(stata, command, values):
    reads = []
    assert call(stata, command, reads=reads, **values) == 0
    expected = set(bridge.ADO_LOCALS[command]) | set(bridge.COMMON_LOCALS)
    if command == "leoset":
        expected |= set(bridge.LEOSET_LOCALS[values["subcmd"]])
    assert set(reads) == expected


def test_results_are_only_declared_ones(stata):
    for command, values in [("leoload", {"spec": "ref_cah2", "clear": "clear"}),
                            ("leoload", {"spec": "ref_cah2", "count": "count"}),
                            ("leoquery", {"query": '"SELECT 1 AS one"', "clear": "clear"}),
                            ("leodescribe", {}), ("leodescribe", {"spec": "ks4_pupil",
                                                                  "values": "KS4_GENDER"}),
                            ("leoset", {"subcmd": "show"})]:
        assert call(stata, command, **values) == 0
        scalars, macros = bridge.RESULTS[command]
        set_ = {k[4:] for k, v in stata.local_macros().items() if k.startswith("leo_") and v}
        assert set_ <= set(scalars) | set(macros), (command, set_)


# --- leoquery --------------------------------------------------------------------------------


def test_leoquery_loads_a_select(stata):
    query = '`"SELECT "code", "name" FROM ref_cah2 WHERE "code" <> \'x\' ORDER BY "code""\''
    assert call(stata, "leoquery", query=query, frame="q") == 0
    snap = stata.snapshot()
    assert snap["cwf"] == "default" and snap["frames"]["q"]["nobs"] == int(loc(stata, "leo_N"))
    assert [v["name"] for v in snap["frames"]["q"]["vars"]] == ["code", "name"]
    assert loc(stata, "leo_sql") == 'SELECT "code", "name" FROM ref_cah2 WHERE "code" <> \'x\' ' \
                                    'ORDER BY "code"'
    assert loc(stata, "leo_frame") == "q" and loc(stata, "leo_synthetic") == "1"


@pytest.mark.parametrize("values, rc", [
    ({"query": '"DELETE FROM ref_cah2"'}, 5103),
    ({"query": '"SELECT 1; SELECT 2"'}, 5103),
    ({"query": '"SELECT * FROM leo_earnings"', "maxobs": "10", "clear": "clear"}, 5105),
    ({"query": '"SELECT * FROM nosuch"', "clear": "clear"}, 5102),
    ({"query": '"SELECT 1 AS one"', "frame": "1bad"}, 198),
    ({"query": '"SELECT 1 AS one"'}, 4),
])
def test_leoquery_refusals(stata, values, rc):
    put_changed_data(stata)
    before = stata.snapshot()
    assert call(stata, "leoquery", **values) == rc
    assert stata.snapshot() == before
    if rc in (5103, 198, 4):
        assert bridge._state.session is None  # refused before connecting


# --- leodescribe -----------------------------------------------------------------------------


def test_leodescribe_lists_tables_with_links(stata):
    assert call(stata, "leodescribe") == 0
    out = stata.transcript("out")
    assert "{stata leodescribe leo_earnings:leo_earnings}" in out
    tables = loc(stata, "leo_tables").split()
    assert "ks4_pupil" in tables and loc(stata, "leo_ntables") == str(len(tables))
    assert loc(stata, "leo_N") == loc(stata, "leo_k") == ""  # no table described
    assert loc(stata, "leo_synthetic") == "1"


def test_leodescribe_table_varlist_search_values(stata):
    assert call(stata, "leodescribe", spec="ks4_pupil KS4_FSM*") == 0
    assert loc(stata, "leo_table") == "ks4_pupil"
    table = bridge._state.session.catalog.table("ks4_pupil")
    # as describe: r(N) observations and r(k) variables of the table, r(varlist) those shown
    assert loc(stata, "leo_varlist") == "KS4_FSM KS4_FSM6"
    assert loc(stata, "leo_k") == str(len(table.columns))
    assert loc(stata, "leo_N") == str(table.approx_rows)
    assert "{stata leodescribe ks4_pupil, values(KS4_FSM):KS4_FSM}" in stata.transcript("out")
    assert call(stata, "leodescribe", search="earnings") == 0
    assert "Earnings" in loc(stata, "leo_varlist").split() and loc(stata, "leo_N") == ""
    assert "leo_earnings" in loc(stata, "leo_tables").split()
    assert call(stata, "leodescribe", spec="ks4_pupil", values="KS4_ETHNIC") == 0
    assert loc(stata, "leo_varlist") == "KS4_ETHNIC" and int(loc(stata, "leo_r")) > 0
    assert loc(stata, "leo_N") == loc(stata, "leo_k") == ""
    assert int(loc(stata, "leo_suppressed")) > 0 and "<10" in stata.transcript("out")


@pytest.mark.parametrize("values, rc", [
    ({"spec": "ks4_pupil", "search": "fsm"}, 198),
    ({"values": "KS4_FSM"}, 198),
    ({"spec": "ks4_pupil KS4_FSM", "values": "KS4_FSM"}, 198),
    ({"spec": "nosuch"}, 111),
    ({"spec": "ks4_pupil nosuchvar"}, 111),
])
def test_leodescribe_errors(stata, values, rc):
    assert call(stata, "leodescribe", **values) == rc
    assert stata.transcript("err")


# --- leoset ----------------------------------------------------------------------------------


def test_leoset_show_is_masked(stata, monkeypatch):
    monkeypatch.setenv("LEOSTATA_URL", f"postgresql://user:{SECRET}@host/db")
    assert call(stata, "leoset", subcmd="show") == 0
    assert loc(stata, "leo_url") == "postgresql://user:***@host/db"
    assert loc(stata, "leo_source") == "environment" and loc(stata, "leo_dialect") == "postgresql"
    assert loc(stata, "leo_synthetic") == "0"
    assert SECRET not in stata.transcript()
    assert loc(stata, "leo_config") == str(config.config_file())


def test_leoset_url_lives_in_the_session_and_is_never_shown(stata, monkeypatch):
    def no_globals(*args, **kwargs):
        pytest.fail("the setting must not go into a Stata global (macro list shows it)")
    monkeypatch.setattr(stata.Macro, "setGlobal", staticmethod(no_globals))
    assert call(stata, "leoset", subcmd="url", name=f'"postgresql://user:{SECRET}@host/db"') == 0
    assert bridge._state.url == f"postgresql://user:{SECRET}@host/db"
    assert loc(stata, "leo_source") == "option"
    assert SECRET not in stata.transcript()
    assert all(SECRET not in v for k, v in stata.local_macros().items() if k.startswith("leo_"))
    assert not config.config_file().exists()  # not permanently
    assert call(stata, "leoset", subcmd="show") == 0  # a later leoset shows it, masked
    assert loc(stata, "leo_url") == "postgresql://user:***@host/db"


def test_leoset_dsn_and_server_build_urls(stata):
    assert call(stata, "leoset", subcmd="dsn", name='"LEO Extract"', schema="leo") == 0
    url = sa.engine.make_url(bridge._state.url)
    assert url.drivername == "mssql+pyodbc" and url.host == "LEO Extract" and not url.database
    assert bridge._state.schema == "leo" and loc(stata, "leo_schema") == "leo"
    assert call(stata, "leoset", subcmd="server", name="SRV\\INST", database="LEO DB") == 0
    url = sa.engine.make_url(bridge._state.url)
    assert (url.host, url.database) == ("SRV\\INST", "LEO DB")
    assert dict(url.query) == {"driver": bridge.DEFAULT_ODBC_DRIVER, "Trusted_Connection": "yes"}
    assert call(stata, "leoset", subcmd="server", name="S", database="D",
                driver="ODBC Driver 18 for SQL Server", permanently="permanently") == 0
    assert sa.engine.make_url(bridge._state.url).query["driver"] == "ODBC Driver 18 for SQL Server"
    saved = config.read_config()
    assert saved["url"] == bridge._state.url
    assert "setting saved in" in stata.transcript("out")


def test_leoset_overrides_the_environment_and_reconnects(stata, synth):
    assert call(stata, "leodescribe") == 0
    first = bridge._state.session
    assert call(stata, "leodescribe", spec="ref_cah2") == 0
    assert bridge._state.session is first  # reused while the setting is the same
    assert call(stata, "leoset", subcmd="url", name=f'"{synth[1]}"') == 0
    assert bridge._state.session is None
    assert call(stata, "leodescribe", spec="ref_cah2") == 0
    assert bridge._state.session is not first
    assert bridge._state.session.setting.source == "option"


def test_leoset_synthetic(stata):
    assert call(stata, "leoset", subcmd="synthetic", persons="300", seed="1",
                permanently="permanently") == 0
    assert bridge._state.url == config.synthetic_url(300, 1)
    assert loc(stata, "leo_synthetic") == "1"
    assert config.read_config()["url"] == config.synthetic_url(300, 1)


def test_leoset_test_reports_the_server(stata):
    assert call(stata, "leoset", subcmd="test") == 0
    out = stata.transcript("out")
    assert "leostata doctor" in out and "duckdb" in out
    assert loc(stata, "leo_dialect") == "duckdb"


def test_leoset_metadata(stata, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("table,variable,description\nref_cah2,code,The subject code\n",
                    encoding="utf-8")
    assert call(stata, "leoset", subcmd="metadata", name=f'"{meta}"') == 0
    assert config.metadata_files() == (str(meta),)
    assert "1 variable descriptions registered" in stata.transcript("out")
    assert loc(stata, "leo_metadata") == str(meta)
    assert call(stata, "leoset", subcmd="metadata", name=f'"{tmp_path}/none.csv"') == 601


@pytest.mark.parametrize("values, rc", [
    ({"subcmd": "bogus"}, 198),
    ({"subcmd": "url", "name": '"not a url"'}, 198),
    ({"subcmd": "dsn"}, 198),
])
def test_leoset_errors(stata, values, rc):
    assert call(stata, "leoset", **values) == rc
    assert bridge._state.url is None


@pytest.mark.parametrize("failing", ["rename", "changeToCWF", "drop"])
def test_a_failing_frame_call_in_the_swap_is_rc_5199_and_memory_as_it_was(
        stata, monkeypatch, failing):
    # the last sfi calls of leoload (the frame swap) fail: the ado gets an rc,
    # the user a message and their default frame, current, with its data
    put_changed_data(stata)
    before = stata.snapshot()
    real = getattr(stata.Frame, failing)
    calls = {"n": 0}
    last = {"rename": 2, "changeToCWF": 3, "drop": 1}[failing]

    def fails_in_the_swap(self, *args):
        calls["n"] += 1
        if calls["n"] == last:
            raise stata.FrameError(f"injected failure of Frame.{failing}")
        return real(self, *args)

    monkeypatch.setattr(stata.Frame, failing, fails_in_the_swap)
    assert call(stata, "leoload", spec="ref_cah2", clear="clear") == 5199
    monkeypatch.undo()
    assert stata.snapshot() == before and stata.snapshot()["cwf"] == "default"
    assert f"injected failure of Frame.{failing}" in stata.transcript("err")
    assert "Traceback" not in stata.transcript()
