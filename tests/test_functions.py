"""functions: the one table of Stata functions, and everything read from it
(typing in plan, handlers in translate, refusals per dialect, the help)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leostata import functions
from leostata.errors import InternalError, UnknownFunction, Untranslatable
from leostata.expr import parse
from leostata.plan import check_expression
from leostata.translate import SPECS, translator_for
from leostata.translate.base import HANDLERS, function, help_notes
from tests.translate.leo_table import leo_table

HELP = Path(__file__).resolve().parent.parent / "ado" / "leoload.sthlp"


def test_every_translated_function_has_a_handler_and_every_handler_an_entry():
    translated = {n for n, f in functions.FUNCTIONS.items() if not f.refused}
    assert set(HANDLERS) == translated


def test_a_handler_for_a_function_the_table_does_not_translate_fails_at_import():
    with pytest.raises(InternalError, match="regexm"):
        function("regexm")(lambda tr, node, args: None)
    with pytest.raises(InternalError, match="nosuch"):
        function("nosuch")(lambda tr, node, args: None)
    assert "regexm" not in HANDLERS and "nosuch" not in HANDLERS


def test_dialect_refusals_name_only_known_translated_functions():
    for spec in SPECS.values():
        for name in spec.unsupported:
            assert name in functions.FUNCTIONS and not functions.FUNCTIONS[name].refused, name


def test_aliases_point_at_entries():
    for alias, name in functions.ALIASES.items():
        assert alias not in functions.FUNCTIONS and name in functions.FUNCTIONS
        assert functions.lookup(alias) is functions.FUNCTIONS[name]


def test_usage_names_the_function_and_groups_are_known():
    for name, f in functions.FUNCTIONS.items():
        assert f.usage.startswith(name + "(") and f.group in functions.GROUPS and f.summary


@pytest.mark.parametrize("name", sorted(n for n, f in functions.FUNCTIONS.items() if f.refused))
def test_a_refused_function_is_typed_then_refused_with_its_reason(name):
    f = functions.FUNCTIONS[name]
    sig = f.signature
    args = ["1" if t in ("num", "any") else '"a"' for t in sig.args[:sig.minimum]]
    typed = check_expression(parse(f"{name}({', '.join(args)})"), leo_table())
    with pytest.raises(Untranslatable) as err:
        translator_for("duckdb").value(typed)
    assert f.refused in err.value.render() and err.value.rc == 5104


def test_a_name_not_in_the_table_is_unknown():
    with pytest.raises(UnknownFunction) as err:
        check_expression(parse("nosuchfn(1) > 0"), leo_table())
    assert err.value.rc == 133


def test_the_help_file_lists_exactly_the_table():
    text = HELP.read_text(encoding="utf-8")
    start = text.index(functions.HELP_BEGIN)
    end = text.index(functions.HELP_END) + len(functions.HELP_END)
    assert text[start:end] == functions.help_smcl(help_notes(SPECS.values())), (
        "help leoload's Functions section differs from leostata.functions and the dialects; "
        f"regenerate it: {functions.REGENERATE}")


def test_the_help_table_says_where_a_function_needs_a_newer_sql_server():
    section = functions.help_smcl(help_notes(SPECS.values())).splitlines()
    for name in ("strlen", "strpos", "substr"):
        line = next(x for x in section if x.startswith(f"{{synopt:{{cmd:{name}("))
        assert line.endswith(f"; SQL Server 2019 or later (on 2016 and 2017 use u{name}()){{p_end}}")
    assert not any("SQL Server 2019" in x for x in section if x.startswith("{synopt:{cmd:ustrlen("))


def test_every_function_appears_in_the_help():
    section = functions.help_smcl()
    for name, f in functions.FUNCTIONS.items():
        assert (f"{{cmd:{f.usage}}}" if not f.refused else f"{{cmd:{name}()}}") in section
