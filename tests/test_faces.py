"""One delivery path: the same command through Stata (the bridge, on the sfi
double) and through the command line gives the same data and the same
message and return code, option by option (``commands.load`` /
``commands.query`` / ``commands.deliver``)."""

from __future__ import annotations

import re

import pyreadstat
import pytest

from leostata import cli
from leostata.session import SYNTHETIC_NOTE
from tests.ado_harness import stata, synth  # noqa: F401 (fixtures)
from tests.test_bridge_run import call, loc, variables

LOADS = [
    ("leo_earnings TaxYear Earnings if TaxYear == 201617 in 1/40", {"sort": "sort(Edukey TaxYear)"}),
    ("leo_earnings if TaxYear >= 201516", {"collapse": "collapse((p50) Earnings (count) n=Earnings)",
                                           "by": "by(TaxYear)"}),
    ("ks4_pupil KS4_GENDER KS4_FSM if KS4_FSM == 1", {"maxobs": "maxobs(100000)"}),
]


def stata_load(sfi, spec: str, options: dict) -> tuple[int, str]:
    values = {"spec": spec, "clear": "clear", **options}
    rc = call(sfi, "leoload", **values)
    return rc, sfi.transcript("err")


def cli_text(spec: str, options: dict) -> str:
    """The text after ``--``: what the bridge rebuilds from leoload's locals."""
    return f"{spec}, {' '.join(['clear', *options.values()])}"


@pytest.mark.parametrize("spec, options", LOADS)
def test_the_same_load_gives_the_same_data_through_both_faces(spec, options, stata, synth,
                                                               tmp_path):  # noqa: F811
    rc, err = stata_load(stata, spec, options)
    assert rc == 0, err
    out = tmp_path / "cli.dta"
    assert cli.main(["load", "--out", str(out), "--", cli_text(spec, options)]) == 0
    df, meta = pyreadstat.read_dta(str(out))
    got = variables(stata)
    assert list(got) == list(df.columns)
    assert loc(stata, "leo_N") == str(len(df))
    miss = stata.Missing.getValue()
    for name in df.columns:
        in_stata = [None if isinstance(v, float) and v >= miss else v
                    for v in got[name]["values"]]
        in_file = [None if v != v else v for v in df[name].tolist()]  # NaN -> None
        assert in_stata == in_file, name
        assert got[name]["type"] == meta.readstat_variable_types[name] or \
            (got[name]["type"], meta.readstat_variable_types[name]) in _SAME_TYPES, name


#: pyreadstat's names for Stata's storage types
_SAME_TYPES = {("byte", "int8"), ("int", "int16"), ("long", "int32"), ("float", "float"),
               ("double", "double")} | {(f"str{n}", "string") for n in range(1, 2046)}


REFUSALS = [
    # maxobs(): the CLI wrote every row before the one delivery path
    ("leo_earnings", {"maxobs": "maxobs(10)"}, 5105),
    ("leo_earnings if TaxYear > 201415", {"maxobs": "maxobs(10)"}, 5105),
    ("leo_earnings TaxYer", {}, 111),
    ("leo_earnings if TaxYear == 1", {"collapse": "collapse((mean) Earnings)",
                                       "by": "by(TaxYear)"}, 2000),
]


def _message(text: str) -> str:
    """The error as the user reads it, without the trailing r(#) line and the
    synthetic-database note (Stata shows it in the Results window, the
    command line on stderr with the error)."""
    lines = [line for line in text.strip().splitlines()
             if not re.fullmatch(r"r\(\d+\);", line) and line != SYNTHETIC_NOTE]
    return "\n".join(line.rstrip() for line in lines)


@pytest.mark.parametrize("spec, options, rc", REFUSALS)
def test_the_same_refusal_gives_the_same_message_and_rc_through_both_faces(
        spec, options, rc, stata, synth, tmp_path, capsys):  # noqa: F811
    got_rc, err = stata_load(stata, spec, options)
    capsys.readouterr()
    out = tmp_path / "cli.dta"
    assert cli.main(["load", "--out", str(out), "--", cli_text(spec, options)]) == 1
    cli_err = capsys.readouterr().err
    assert got_rc == rc and cli_err.strip().endswith(f"r({rc});")
    assert _message(re.sub(r"\{[^}]*\}", "", err)) == _message(cli_err)
    assert not out.exists()


def test_leoquery_maxobs_means_the_same_through_both_faces(stata, synth, tmp_path,
                                                           capsys):  # noqa: F811
    query = "SELECT TaxYear FROM leo_earnings"
    rc = call(stata, "leoquery", query=f'"{query}"', clear="clear", maxobs="5")
    assert rc == 5105
    assert "maxobs() is 5" in stata.transcript("err")
    # the command line has no maxobs() for raw SQL, but counts the same way through deliver
    from leostata import commands
    from leostata.errors import ResultTooLarge
    from leostata.session import open_session
    from leostata.writers.memory import MemoryWriter
    session = open_session()
    try:
        statement = commands.query_statement(query, session.catalog.dialect)
        with pytest.raises(ResultTooLarge, match="maxobs\\(\\) is 5"):
            commands.query(statement, session, MemoryWriter(), maxobs=5, say=print)
    finally:
        session.close()
