"""``leoquery``'s read-only check: the user's SQL parsed for its dialect, kept
only if every node of its tree is on an allow-list, and sent as regenerated
from that tree.

Takes the SQL text a user typed and the target dialect (``mssql``,
``postgresql``, ``sqlite``, ``duckdb``: SQLAlchemy's names); returns the one
statement to send, or raises ``StatementRefused`` (r(5103)) naming what was
refused.  Nothing here connects to a database.

Why an allow-list over a parse tree, and not a list of forbidden words: a
checker that reads the text differently from the server (``[`` is a quoted
name on SQL Server and an array bracket on PostgreSQL) skips text the server
runs.  Here sqlglot reads the text in the target dialect, the tree is checked
node by node against what a query may contain, and the server receives the
text sqlglot *generates* from the checked tree (without comments), so the
server never runs a different reading of the characters that were checked.
The generated text is parsed and checked again, and must regenerate to itself.

Accepted: exactly one query expression (SELECT, WITH ... SELECT, UNION /
INTERSECT / EXCEPT, a parenthesised query), reading plain tables or views by
name, with expressions built from columns, literals, operators, CASE, CAST,
window specifications and the functions in ``FUNCTIONS`` (pure scalar,
aggregate and window functions; per dialect, a few that sqlglot does not
model, in ``NAMED_FUNCTIONS``).  Refused, among everything else: INTO, locking
(``FOR UPDATE``, ``WITH (TABLOCKX)``), hints and query options, variables and
parameters, sequences (``NEXT VALUE FOR``), table-valued functions and file
reads (``read_csv``, ``generate_series``, ``OPENROWSET``), any function not on
the list (``dblink_exec``, ``pg_terminate_backend``, ``sys.fn_*``), unquoted
names outside ASCII, on SQL Server unbracketed reserved words used as names
(sqlglot reads ``SELECT 1 DELETE FROM t`` as an alias where SQL Server sees a
second statement), and table names that could name a file.

The driver adds a second line of defence (``connection.read_only_query``),
so a gap here is still not a write.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from .errors import StatementRefused

#: leostata's dialect names (SQLAlchemy's) -> sqlglot's.
SQLGLOT_DIALECTS = {"mssql": "tsql", "postgresql": "postgres", "sqlite": "sqlite",
                    "duckdb": "duckdb"}

#: The shape of a query: tree nodes that read and compute, nothing else.
STRUCTURE = (
    "Select", "Union", "Intersect", "Except", "Subquery", "With", "CTE", "TableAlias",
    "Alias", "Aliases", "Column", "Identifier", "Star", "Table", "From", "Join", "Where",
    "Group", "Having", "Qualify", "Order", "Ordered", "Limit", "Offset", "Fetch",
    "Distinct", "Literal", "National", "Boolean", "Null", "Paren", "Tuple", "In",
    "Between", "Like", "ILike", "Escape", "Is", "Not", "And", "Or", "Xor", "EQ", "NEQ",
    "NullSafeEQ", "NullSafeNEQ", "GT", "GTE", "LT", "LTE", "Add", "Sub", "Mul", "Div",
    "IntDiv", "Mod", "Neg", "DPipe", "BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot",
    "Case", "If", "Cast", "TryCast", "DataType", "DataTypeParam", "Window", "WindowSpec",
    "Interval", "Var", "Collate", "Exists", "Any", "All", "Filter", "WithinGroup",
    "Array", "Bracket", "Values",
)

#: Functions that only compute a value from their arguments (sqlglot classes).
FUNCTIONS = (
    # aggregate and window
    "Count", "Sum", "Avg", "Min", "Max", "Stddev", "StddevPop", "StddevSamp", "Variance",
    "VariancePop", "Median", "Mode", "PercentileCont", "PercentileDisc", "GroupConcat",
    "RowNumber", "Rank", "DenseRank", "Ntile", "Lag", "Lead", "FirstValue", "LastValue",
    "NthValue", "PercentRank", "CumeDist",
    # numbers
    "Abs", "Ceil", "Floor", "Round", "Sqrt", "Exp", "Ln", "Log", "Pow", "Sign",
    # strings
    "Lower", "Upper", "Length", "Substring", "Trim", "Concat", "ConcatWs", "Replace",
    "Left", "Right", "StrPosition", "Pad", "Repeat", "Reverse", "Space", "Initcap",
    "Ascii", "Chr", "Unicode", "Soundex", "SplitPart", "RegexpReplace", "RegexpLike",
    # missing values and choices
    "Coalesce", "Nullif", "Greatest", "Least",
    # dates
    "CurrentDate", "CurrentTimestamp", "Date", "Datetime", "DateAdd", "DateDiff",
    "DateTrunc", "TimestampTrunc", "DateFromParts", "LastDay", "Extract", "Year", "Month",
    "Day", "TimeToStr", "ToChar", "StrToDate", "NumberToStr", "Convert", "LastDay",
    "DayOfWeek", "DayOfYear", "Week", "Quarter", "TimeToUnix",
    # more numbers and strings
    "Cbrt", "Trunc", "WidthBucket", "IsInf", "IsNan", "ToNumber", "Translate", "Stuff",
    "Typeof",
)

#: Functions sqlglot does not model (``exp.Anonymous``), allowed by name per dialect.
NAMED_FUNCTIONS: dict[str, frozenset[str]] = {
    "mssql": frozenset({"datalength", "patindex", "choose", "stdevp", "var", "varp", "str",
                        "isnumeric", "nchar", "difference", "quotename"}),
    "postgresql": frozenset({"age", "octet_length", "make_date"}),
    "duckdb": frozenset({"date_part", "datepart"}),
    "sqlite": frozenset({"datetime", "julianday", "printf"}),
}

#: SQL Server's reserved keywords (Microsoft's "Reserved Keywords (Transact-SQL)"):
#: never a name unless bracketed.  sqlglot reads ``SELECT 1 DELETE FROM t`` as a
#: column alias named DELETE, where SQL Server sees two statements.
TSQL_RESERVED = frozenset("""
ADD ALL ALTER AND ANY AS ASC AUTHORIZATION BACKUP BEGIN BETWEEN BREAK BROWSE BULK BY CASCADE
CASE CHECK CHECKPOINT CLOSE CLUSTERED COALESCE COLLATE COLUMN COMMIT COMPUTE CONSTRAINT
CONTAINS CONTAINSTABLE CONTINUE CONVERT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME
CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DBCC DEALLOCATE DECLARE DEFAULT DELETE DENY
DESC DISK DISTINCT DISTRIBUTED DOUBLE DROP DUMP ELSE END ERRLVL ESCAPE EXCEPT EXEC EXECUTE
EXISTS EXIT EXTERNAL FETCH FILE FILLFACTOR FOR FOREIGN FREETEXT FREETEXTTABLE FROM FULL
FUNCTION GOTO GRANT GROUP HAVING HOLDLOCK IDENTITY IDENTITY_INSERT IDENTITYCOL IF IN INDEX
INNER INSERT INTERSECT INTO IS JOIN KEY KILL LEFT LIKE LINENO LOAD MERGE NATIONAL NOCHECK
NONCLUSTERED NOT NULL NULLIF OF OFF OFFSETS ON OPEN OPENDATASOURCE OPENQUERY OPENROWSET OPENXML
OPTION OR ORDER OUTER OVER PERCENT PIVOT PLAN PRECISION PRIMARY PRINT PROC PROCEDURE PUBLIC
RAISERROR READ READTEXT RECONFIGURE REFERENCES REPLICATION RESTORE RESTRICT RETURN REVERT
REVOKE RIGHT ROLLBACK ROWCOUNT ROWGUIDCOL RULE SAVE SCHEMA SECURITYAUDIT SELECT
SEMANTICKEYPHRASETABLE SEMANTICSIMILARITYDETAILSTABLE SEMANTICSIMILARITYTABLE SESSION_USER SET
SETUSER SHUTDOWN SOME STATISTICS SYSTEM_USER TABLE TABLESAMPLE TEXTSIZE THEN TO TOP TRAN
TRANSACTION TRIGGER TRUNCATE TRY_CONVERT TSEQUAL UNION UNIQUE UNPIVOT UPDATE UPDATETEXT USE USER
VALUES VARYING VIEW WAITFOR WHEN WHERE WHILE WITH WRITETEXT
""".split())

_ALLOWED = tuple(c for c in (getattr(exp, n, None) for n in STRUCTURE + FUNCTIONS) if c)
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*\Z")
_TABLE_NAME = re.compile(r"[A-Za-z0-9_ $-]+\Z")
_QUERY_ROOTS = (exp.Select, exp.SetOperation, exp.Subquery)


def check_query(text: str, dialect: str) -> str:
    """The statement to send for ``text`` on ``dialect``, or ``StatementRefused``."""
    read = SQLGLOT_DIALECTS.get(dialect)
    if read is None:
        raise StatementRefused(f"leoquery cannot check SQL for database {dialect!r}")
    _check_characters(text)
    tree = _one_query(text, read, dialect)
    _check_tree(tree, dialect, read)
    sql = tree.sql(dialect=read, comments=False)
    sent = _one_query(sql, read, dialect)  # the text sent is checked as read again
    _check_tree(sent, dialect, read)
    if sent.sql(dialect=read, comments=False) != sql:
        raise StatementRefused("leoquery cannot send this statement unchanged",
                               hint="simplify the query (it does not survive a parse and "
                                    "regeneration as the same text)")
    return sql


def _check_characters(text: str) -> None:
    if not text.strip().rstrip(";").strip():
        raise StatementRefused("empty query")
    for ch in text:
        if ch == "\x00":
            raise StatementRefused("the query contains a NUL character")
        if "\ud800" <= ch <= "\udfff":
            raise StatementRefused("the query contains an invalid character (a lone "
                                   "surrogate, not Unicode text)")
        if ch < " " and ch not in "\t\n\r":
            raise StatementRefused(f"the query contains the control character "
                                   f"U+{ord(ch):04X}", hint="remove it")


def _one_query(text: str, read: str, dialect: str) -> exp.Expression:
    try:
        statements = [s for s in sqlglot.parse(text, read=read)
                      if s is not None and not isinstance(s, exp.Semicolon)]
    except SqlglotError as exc:
        raise StatementRefused(f"leoquery could not read this as one {dialect} query",
                               hint=_parse_reason(exc)) from None
    if len(statements) != 1:
        raise StatementRefused("only one statement may be sent",
                               hint="remove the ; between statements")
    tree = statements[0]
    if not isinstance(tree, _QUERY_ROOTS):
        raise StatementRefused(f"only SELECT statements are sent to the server; this is "
                               f"{_describe(tree)}")
    return tree


def _parse_reason(exc: SqlglotError) -> str:
    """sqlglot's first complaint, without its token dumps and terminal colours."""
    errors = getattr(exc, "errors", None) or [{}]
    first = errors[0]
    text = first.get("description") or str(exc).splitlines()[0]
    text = re.sub(r"<Token token_type: [^,]*, text: ('?)([^,]*?)\1, [^>]*>", r"\2", text)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    where = f" (line {first['line']}, column {first['col']})" if first.get("line") else ""
    return text[:200] + where


def _check_tree(tree: exp.Expression, dialect: str, read: str) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Anonymous):
            _check_named_function(node, dialect)
        elif not isinstance(node, _ALLOWED):
            raise StatementRefused(f"statement refused: {_describe(node)} is not allowed in a "
                                   "read-only query", hint=_clause(node, read))
        elif isinstance(node, exp.Table):
            _check_table(node)
        elif isinstance(node, exp.Identifier) and not node.quoted:
            _check_plain_name(node.name, dialect)
        if isinstance(node, exp.Select) and node.args.get("into"):
            raise StatementRefused("statement refused: SELECT ... INTO writes a table")


def _check_plain_name(name: str, dialect: str) -> None:
    if not _PLAIN_NAME.match(name):
        raise StatementRefused(f"name {name!r} must be quoted",
                               hint="unquoted names are plain ASCII letters, digits and _")
    if dialect == "mssql" and name.upper() in TSQL_RESERVED:
        raise StatementRefused(f"{name.upper()} is a reserved word in T-SQL and cannot be a "
                               "name here", hint=f"write [{name}] if it is a name; SQL Server "
                                                 "would read it as the start of another "
                                                 "statement or clause")


def _check_named_function(node: exp.Anonymous, dialect: str) -> None:
    name = node.name
    quoted = isinstance(node.this, exp.Identifier) and node.this.quoted
    if quoted or name.lower() not in NAMED_FUNCTIONS.get(dialect, frozenset()):
        raise StatementRefused(f"statement refused: function {name}() is not allowed in "
                               "leoquery", hint="leoquery allows plain scalar, aggregate and "
                                                "window functions; see help leoquery")


def _check_table(node: exp.Table) -> None:
    if not isinstance(node.this, exp.Identifier):
        raise StatementRefused(f"statement refused: {_describe(node.this)} in FROM is not a "
                               "table", hint="leoquery reads tables and views by name only")
    for part in node.parts:
        if not isinstance(part, exp.Identifier) or not _TABLE_NAME.match(part.name):
            raise StatementRefused(f"statement refused: table name {part.sql()!r} is not a "
                                   "plain name", hint="letters, digits, _, $, - and spaces")


_FRIENDLY = {
    "ByteString": "an E'...' escape string (write a plain '...' string)",
    "RawString": "a $$ dollar-quoted string (write a plain '...' string)",
    "Lock": "FOR UPDATE / FOR SHARE locking",
    "WithTableHint": "a table hint WITH (...)",
    "Parameter": "a variable or parameter",
    "SessionParameter": "a session variable",
    "Placeholder": "a parameter placeholder",
    "Into": "INTO",
}


def _describe(node) -> str:
    if type(node).__name__ in _FRIENDLY:
        return _FRIENDLY[type(node).__name__]
    if isinstance(node, exp.Anonymous):
        return f"function {node.name}()"
    if isinstance(node, exp.Func):
        return f"function {node.sql_name().lower()}()"
    if isinstance(node, exp.Command):
        return f"a {str(node.this).upper()} command"
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", type(node).__name__).upper()
    return words


def _clause(node, read: str) -> str | None:
    try:
        text = node.sql(dialect=read, unsupported_level=ErrorLevel.IGNORE)[:80]
    except SqlglotError:  # some nodes cannot print alone
        return None
    return f"at: {text}" if text.strip() else None
