"""translate/casts: the loader's server-side casts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import mssql

from leostata.catalog import SqlType
from leostata.stata_types import OutputColumn
from leostata.translate.casts import server_casts


def test_server_casts_sql_and_safety():
    t = sa.table("t", sa.column("d"), sa.column("x"))
    outs = [OutputColumn("d", "d", SqlType("date", "date")),
            OutputColumn("x", "x", SqlType("decimal(9,2)", "decimal", precision=9, scale=2))]
    sel = sa.select(t).where(t.c.x > 1).order_by(t.c.d)
    sql = str(server_casts(sel, outs, "mssql").compile(dialect=mssql.dialect()))
    assert "datediff(day, '19600101', t.d)" in sql.lower()
    assert "CAST(t.x AS DOUBLE PRECISION)" in sql and "ORDER BY t.d" in sql
    days = sa.type_coerce(t.c.d, sa.Integer).label("d")  # already %td days upstream
    keep = sa.select(days, sa.cast(t.c.x, sa.Double).label("x"))
    assert server_casts(keep, outs, "mssql") is keep
