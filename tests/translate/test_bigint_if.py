"""The rule for a bigint column beyond 2^53 in ``if`` (issue 14): the column
loads as a string (str16, digits kept exact), but ``if`` compares the
database's number - Stata, holding a string, would stop with r(109) "type
mismatch"; leostata documents the difference (help leoload, Functions;
translate/base and each dialect module).  Checked on DuckDB, SQLite and
PostgreSQL over ODBC against Python integers with Stata's rule for missing
(larger than every number)."""

from __future__ import annotations

import pytest
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table

from leostata.session import open_session
from tests.memory_load import load

BIG = [(1, 5), (2, 2 ** 53 + 1), (3, 2 ** 60 + 7), (4, -(2 ** 53) - 3), (5, None),
       (6, 9_007_199_254_740_000), (7, 2 ** 53 - 1)]


@pytest.fixture
def session(any_db, tmp_path, monkeypatch):
    monkeypatch.setenv("LEOSTATA_HOME", str(tmp_path))
    writer = any_db.writer()
    md = MetaData()
    big = Table("big", md, Column("id", Integer), Column("n", BigInteger))
    md.create_all(writer)
    with writer.begin() as conn:
        conn.execute(big.insert(), [{"id": i, "n": n} for i, n in BIG])
    writer.dispose()
    s = open_session(any_db.url)
    yield s
    s.close()


def number_rule(op, constant):
    """Ids kept by ``n op constant`` on the database's number (None: missing)."""
    test = {">": lambda a, b: a > b, "<": lambda a, b: a < b, "==": lambda a, b: a == b,
            "!=": lambda a, b: a != b}[op]
    missing_true = op in (">", "!=")
    return [i for i, n in BIG if (missing_true if n is None else test(n, constant))]


@pytest.mark.parametrize("op, constant", [(">", 9_007_199_254_740_000), ("<", 0),
                                          ("==", 5), ("!=", 5), (">", 2 ** 53 - 2)])
def test_if_compares_the_number_while_the_column_loads_as_digits(session, op, constant):
    rows = load(session, f"big id n if n {op} {constant}, sort(id)")
    assert rows.data["id"] == number_rule(op, constant)
    kept = dict(zip(rows.data["id"], rows.data["n"]))
    if 2 in kept:  # beyond 2^53: the exact digits, as a string (not a rounded double)
        assert kept[2] == str(2 ** 53 + 1)
    if 3 in kept:
        assert kept[3] == str(2 ** 60 + 7)
    if 2 in kept or 3 in kept:
        assert {c.name: c.stata_type for c in rows.columns}["n"].startswith("str")
