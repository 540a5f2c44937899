"""The LEO link graph (leostata.links): the shipped graphs, site files, and
path finding.

Expected key types, documented SQL types and the required paths come from
leo.md 1.3 and issue 13; the tables to cover come from synth.TABLES; path
finding is checked against an independent oracle (shortest walks counted with
adjacency-matrix powers) on random small graphs.
"""

from __future__ import annotations

import ast
import sys
from itertools import combinations
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from leostata import links, synth
from leostata.errors import FileNotFound, NotFound, StataSyntaxError, Untranslatable

#: leo.md 1.3 (VRF): the person keys and their SQL types.
DOCUMENTED_KEYS = {"EDUKEY": "varchar(14)", "AE_ID": "bigint", "PMR": "varchar(18)", "RECORDID": "int"}


@pytest.fixture(autouse=True)
def no_site_file(monkeypatch):
    monkeypatch.delenv(links.ENV_SITE_FILE, raising=False)


@pytest.fixture(params=[True, False], ids=["synthetic", "srs"])
def shipped(request):
    return links.load_graph(request.param)


def _chain(steps) -> list[str]:
    return [steps[0].from_key] + [s.to_key for s in steps] if steps else []


# --------------------------------------------------------------------------- shipped graphs


def test_shipped_graphs_parse_with_the_documented_keys(shipped):
    assert shipped.key_types == DOCUMENTED_KEYS
    assert len(shipped.lookups) == 3
    assert shipped.describe()[0].startswith("Link graph")


def test_required_paths(shipped):
    """Issue 13: PMR -> AE_ID -> EDUKEY for NPD, HESA and UCAS; RECORDID ->
    AE_ID -> EDUKEY for ILR."""
    names = {"synthetic": {"npd": "ks4_pupil", "hesa": "hesa_2016", "ucas": "ucas_applications",
                           "ilr": "ilr_aims", "leo": "leo_earnings"},
             "srs": {"npd": "npd_i2.p1.spring_census_2012", "hesa": "hesa_i2.p1.hesa_2016",
                     "ucas": "ucas_applications", "ilr": "LILR_i2.p1.aims",
                     "leo": "LEO_i2.p1.leo_earnings"}}["synthetic" if shipped.synthetic else "srs"]
    for family in ("npd", "hesa", "ucas", "ilr"):
        columns = ["PupilMatchingRefAnonymous_spr12"] if family == "npd" and not shipped.synthetic else None
        route = shipped.route(names[family], names["leo"], from_columns=columns)
        first = "RECORDID" if family == "ilr" else "PMR"
        assert _chain(route.steps) == [first, "AE_ID", "EDUKEY"], family
        assert route.to_key == "EDUKEY"
        assert shipped.family_of(names[family]) == family


def test_lookups_walk_both_ways(shipped):
    forward = shipped.path("PMR", "EDUKEY")
    backward = shipped.path("EDUKEY", "PMR")
    assert [s.lookup for s in backward] == [s.lookup for s in reversed(forward)]
    for there, back in zip(forward, reversed(backward)):
        assert (there.from_column, there.to_column) == (back.to_column, back.from_column)
        assert (there.from_key, there.to_key) == (back.to_key, back.from_key)
    assert shipped.path("AE_ID", "ae_id") == []


def _sql_type(column: sa.Column) -> str:
    kind = column.type
    if isinstance(kind, sa.BigInteger):
        return "bigint"
    if isinstance(kind, sa.SmallInteger):
        return "smallint"
    if isinstance(kind, sa.Integer):
        return "int"
    if isinstance(kind, sa.String) and not isinstance(kind, sa.CHAR):
        return f"varchar({kind.length})"
    return repr(kind)


KEY_WORDS = ("pupilmatchingref", "edukey", "recordid", "ae_id")


def test_synthetic_graph_covers_every_person_key_of_synth():
    graph = links.load_graph(True)
    person_tables = {name: spec for name, spec in synth.TABLES.items() if spec.person_key}
    assert len(person_tables) >= 12
    for name, spec in person_tables.items():
        assert graph.key_of(name, spec.person_key) is not None, name
        # every column that looks like a person key is in the graph
        for column in spec.table.columns:
            if any(w in column.name.lower() for w in KEY_WORDS):
                assert graph.key_of(name, column.name) is not None, (name, column.name)
    for year in synth.HESA_YEARS:
        view = synth.hesa_view_name(year)
        assert graph.key_of(view, synth.TABLES["hesa_student"].person_key) == "PMR"
        assert graph.family_of(view) == "hesa"


def test_synthetic_graph_names_real_columns_with_the_documented_types():
    graph = links.load_graph(True)
    checked = 0
    for name, spec in synth.TABLES.items():
        for column_name, key in graph.keys_of(name).items():
            if name not in graph.table(name).names:
                continue  # a catch-all pattern, not a statement about this table
            column = spec.table.columns.get(column_name)
            assert column is not None, (name, column_name)
            assert _sql_type(column) == DOCUMENTED_KEYS[key], (name, column_name)
            checked += 1
    assert checked >= 14
    for lookup in graph.lookups:
        assert lookup.name in synth.TABLES
        assert {c for c, _ in lookup.keys} <= set(synth.TABLES[lookup.name].table.columns.keys())
    assert graph.keys_of("leo_idbr_lookup") == {}
    assert graph.keys_of("ref_cah2") == {}


def test_synthetic_routes_join_the_synthetic_data(tmp_path):
    """Following each route as SQL on a small synthetic database links persons."""
    engine = sa.create_engine("duckdb:///" + str(tmp_path / "s.duckdb"))
    synth.build(engine, persons=400, seed=3)
    graph = links.load_graph(True)
    with engine.connect() as conn:
        for source in ("ks4_pupil", "school_census_spring", synth.hesa_view_name(2015), "ilr_learners",
                       "ilr_aims"):
            route = graph.route(source, "leo_earnings")
            sql = f'SELECT COUNT(DISTINCT s."{route.from_column}") FROM "{source}" s'
            previous = f's."{route.from_column}"'
            for i, step in enumerate(route.steps):
                sql += f' JOIN "{step.lookup}" l{i} ON l{i}."{step.from_column}" = {previous}'
                previous = f'l{i}."{step.to_column}"'
            sql += f' JOIN leo_earnings e ON e."{route.to_column}" = {previous}'
            linked = conn.execute(sa.text(sql)).scalar()
            total = conn.execute(sa.text(f'SELECT COUNT(DISTINCT "{route.from_column}") FROM "{source}"')).scalar()
            assert total > 0 and linked > total // 2, source
    engine.dispose()


def _shape(graph):
    families: dict[str, set] = {}
    for table in graph.tables:
        families.setdefault(table.family, set()).update(k for _, k in table.keys)
    lookups = sorted(tuple(sorted(k for _, k in t.keys)) for t in graph.lookups)
    paths = {}
    for f1, f2 in combinations(sorted(families), 2):
        for k1 in sorted(families[f1]):
            for k2 in sorted(families[f2]):
                paths[f1, f2, k1, k2] = _chain(graph.path(k1, k2))
    return graph.key_types, families, lookups, paths


def test_synthetic_and_srs_graphs_have_the_same_shape():
    synthetic, srs = _shape(links.load_graph(True)), _shape(links.load_graph(False))
    assert set(synthetic[1]) == {"link", "npd", "hesa", "ucas", "ilr", "leo"}
    assert synthetic == srs


# --------------------------------------------------------------------------- graphs from text

SMALL = """
[keys]
A = int
B = bigint
C = varchar(5)
D = int

[lookup ab]
a_col = A
b_col = B

[lookup bc]
B = B
C = C

[table t_*]
family = tee
acol = A

[table t_exact]
family = exact
ccol = C

[table census]
pmr_* = C
"""


def test_path_forward_reverse_and_same_key():
    graph = links.parse_graph(SMALL)
    steps = graph.path("A", "C")
    assert [(s.lookup, s.from_column, s.to_column, s.from_key, s.to_key) for s in steps] == [
        ("ab", "a_col", "b_col", "A", "B"), ("bc", "B", "C", "B", "C")]
    back = graph.path("c", "a")
    assert [(s.lookup, s.from_column, s.to_column) for s in back] == [("bc", "C", "B"), ("ab", "b_col", "a_col")]
    assert graph.path("B", "B") == []


def test_no_path_and_unknown_key_are_not_found():
    graph = links.parse_graph(SMALL)
    with pytest.raises(NotFound) as info:
        graph.path("A", "D")
    assert info.value.rc == 111 and "no link path from A to D" in info.value.message
    assert "ab (A <-> B)" in info.value.hint
    with pytest.raises(NotFound) as info:
        graph.path("A", "ZZ")
    assert "key type ZZ" in info.value.message


@pytest.mark.parametrize("extra", [
    "[lookup ab2]\nx = A\ny = B\n",                                   # two lookups A-B
    "[lookup ad]\nx = A\ny = D\n[lookup dc]\nx = D\ny = C\n",        # A-D-C beside A-B-C
])
def test_tie_is_refused(extra):
    graph = links.parse_graph(SMALL + extra)
    with pytest.raises(Untranslatable) as info:
        graph.path("A", "C")
    assert info.value.rc == 5104 and "ambiguous: 2 shortest paths" in info.value.message
    assert "ab " in info.value.hint or "ab," in info.value.hint
    assert "ambiguous" in "\n".join(graph.describe())


def test_table_matching_rules():
    graph = links.parse_graph(SMALL)
    assert graph.family_of("T_OTHER") == "tee"                      # case ignored
    assert graph.family_of("db.schema.t_other") == "tee"            # parts from the right
    assert graph.family_of("t_exact") == "exact"                    # exact beats pattern
    assert graph.key_of("t_exact", "acol") is None
    assert graph.key_of("t_x", "ACOL") == "A"
    assert graph.key_of("nothing", "acol") is None and graph.keys_of("nothing") == {}
    assert graph.key_of("census", "pmr_spr12") == "C"
    assert graph.keys_of("census", ["id", "pmr_spr12"]) == {"pmr_spr12": "C"}
    assert graph.keys_of("census") == {"pmr_*": "C"}


def test_equally_specific_patterns_are_refused():
    graph = links.parse_graph(SMALL + "[table *er]\nfamily = two\nacol = A\n")
    with pytest.raises(Untranslatable) as info:
        graph.family_of("t_other")
    assert "two sections" in info.value.message and "[table t_*]" in info.value.hint


def test_route_picks_the_shortest_pair_and_refuses_a_tie():
    graph = links.parse_graph(SMALL + "[table both]\nx = A\ny = B\n[table cee]\nz = C\n")
    route = graph.route("both", "cee")
    assert (route.from_column, [s.lookup for s in route.steps], route.to_column) == ("y", ["bc"], "z")
    tie = links.parse_graph(SMALL + "[table twice]\nx = B\ny = B\n[table cee]\nz = C\n")
    with pytest.raises(Untranslatable):
        tie.route("twice", "cee")
    with pytest.raises(NotFound) as info:
        graph.route("nothing", "cee")
    assert "carries no person key" in info.value.message


# --------------------------------------------------------------------------- site files


def _write(tmp_path, text: str) -> str:
    path = tmp_path / "site_links.ini"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_site_file_overrides_a_tables_key_column(tmp_path):
    site = _write(tmp_path, "[table ks4_pupil]\nfamily = npd\nKS4_PMR_LOCAL = PMR\n")
    graph = links.load_graph(True, site)
    assert graph.keys_of("ks4_pupil") == {"KS4_PMR_LOCAL": "PMR"}
    assert graph.key_of("ks4_pupil", "KS4_PupilMatchingRefAnonymous") is None
    assert graph.key_of("leo_earnings", "Edukey") == "EDUKEY"           # the rest kept
    assert graph.sources[-1] == site


def test_site_file_adds_a_lookup_and_a_key(tmp_path):
    base = links.load_graph(False)
    with pytest.raises(NotFound):
        base.path("UCASID", "EDUKEY")
    site = _write(tmp_path, "[keys]\nUCASID = varchar(20)\n\n[lookup proj.ucas_to_pmr]\n"
                            "UCAS_ID = UCASID\nPMR = PMR\n\n[table ucas_local]\nfamily = ucas\nUCAS_ID = UCASID\n")
    graph = links.load_graph(False, site)
    assert _chain(graph.path("UCASID", "EDUKEY")) == ["UCASID", "PMR", "AE_ID", "EDUKEY"]
    assert graph.path("UCASID", "EDUKEY")[0].lookup == "proj.ucas_to_pmr"
    assert graph.route("ucas_local", "leo_earnings").from_column == "UCAS_ID"


def test_site_file_from_the_environment_remove_and_replace(tmp_path, monkeypatch):
    site = _write(tmp_path, "[table LEO.Earnings]\nremove = yes\n")
    monkeypatch.setenv(links.ENV_SITE_FILE, site)
    graph = links.load_graph(False)
    assert graph.table("leo_earnings").name == "LEO.*"                # falls to the catch-all
    replace = _write(tmp_path, "[graph]\nreplace = yes\n[keys]\nK = int\n[table only]\nk = K\n")
    alone = links.load_graph(False, replace)
    assert alone.key_types == {"K": "int"} and alone.lookups == () and alone.sources == (replace,)
    with pytest.raises(FileNotFound) as info:
        links.load_graph(True, str(tmp_path / "missing.ini"))
    assert info.value.rc == 601 and "missing.ini" in info.value.message


@pytest.mark.parametrize("text, where, words", [
    ("EDUKEY = varchar(14)\n", "line 1", "before the first [section]"),
    ("[keys]\nK = int\nthis line has no equals\n", "line 3", "cannot read"),
    ("[keys]\nK = int\n[keys]\nJ = int\n", "line 3", "appears twice"),
    ("[keys]\nK = int\nK = bigint\n", "line 3", "appears twice"),
    ("[keys]\nK = int\n\n[table x]\ncol = NOPE\n", "section [table x] (line 4)", "unknown key type NOPE"),
    ("[keys]\nK = int\nJ = int\n[lookup l]\na = K\nb = J\nc = K\n", "section [lookup l] (line 4)",
     "exactly two key columns"),
    ("[keys]\nK = int\n[lookup l]\na = K\nb = K\n", "section [lookup l] (line 3)", "different key types"),
    ("[keys]\nK = int\n[tables x]\na = K\n", "section [tables x] (line 3)", "unknown section"),
    ("[keys]\nK = a number\n", "section [keys] (line 1)", "not an SQL type"),
    ("[keys]\nK = int\n[table x y]\na = K\n", "section [table x y] (line 3)", "not a table name"),
    ("[keys]\nK = int\n[lookup l_*]\na = K\n", "section [lookup l_*] (line 3)", "not a pattern"),
    ("[keys]\nK = int\n[table nosuch]\nremove = yes\n", "section [table nosuch] (line 3)", "no section nosuch"),
    ("[graph]\nreplace = perhaps\n", "section [graph] (line 1)", "not yes or no"),
    ("[keys]\nK = int\n[table x]\na = K\n[table X]\nb = K\n", "section [table X] (line 5)", "names ignore case"),
])
def test_malformed_site_file_names_file_and_place(tmp_path, text, where, words):
    site = _write(tmp_path, text)
    with pytest.raises(StataSyntaxError) as info:
        links.load_graph(True, site)
    assert info.value.rc == 198
    assert info.value.message.startswith(f"link graph file {site}, {where}: "), info.value.message
    assert words in info.value.message


def test_two_sections_naming_one_table_are_refused(tmp_path):
    site = _write(tmp_path, "[table my_ks4]\nalso = ks4_pupil\nfamily = npd\nPMR = PMR\n")
    with pytest.raises(StataSyntaxError) as info:
        links.load_graph(True, site)
    assert "ks4_pupil is named by two sections" in info.value.message
    assert site in info.value.hint and "links_synthetic.ini" in info.value.hint


# --------------------------------------------------------------------------- random graphs


def _oracle(n: int, edges: list[tuple[int, int]], a: int, b: int) -> tuple[int | None, int]:
    """Shortest distance from a to b and the number of shortest walks, by
    powers of the (multi)graph's adjacency matrix."""
    adjacency = [[0] * n for _ in range(n)]
    for x, y in edges:
        adjacency[x][y] += 1
        adjacency[y][x] += 1
    power = [[int(i == j) for j in range(n)] for i in range(n)]
    for d in range(n):
        if power[a][b]:
            return d, power[a][b]
        power = [[sum(power[i][k] * adjacency[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    return None, 0


@st.composite
def small_graphs(draw):
    n = draw(st.integers(2, 6))
    pairs = [(x, y) for x in range(n) for y in range(n) if x < y]
    edges = draw(st.lists(st.sampled_from(pairs), max_size=8))
    edges = [(y, x) if draw(st.booleans()) else (x, y) for x, y in edges]
    a, b = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
    return n, edges, a, b


@settings(max_examples=300, deadline=None)
@given(small_graphs())
def test_paths_in_random_graphs_are_shortest_valid_chains(case):
    n, edges, a, b = case
    text = "[keys]\n" + "".join(f"K{i} = int\n" for i in range(n))
    for e, (x, y) in enumerate(edges):
        text += f"[lookup lk{e}]\nc{e}_{x} = K{x}\nc{e}_{y} = K{y}\n"
    graph = links.parse_graph(text)
    distance, walks = _oracle(n, edges, a, b)
    if distance is None:
        with pytest.raises(NotFound):
            graph.path(f"K{a}", f"K{b}")
        return
    if walks > 1:
        with pytest.raises(Untranslatable) as info:
            graph.path(f"K{a}", f"K{b}")
        assert f"{walks} shortest paths" in info.value.message
        return
    steps = graph.path(f"K{a}", f"K{b}")
    assert len(steps) == distance
    here = f"K{a}"
    for step in steps:
        e = int(step.lookup[2:])
        x, y = edges[e]
        assert {step.from_key, step.to_key} == {f"K{x}", f"K{y}"} and step.from_key == here
        assert step.from_column == f"c{e}_{step.from_key[1:]}" and step.to_column == f"c{e}_{step.to_key[1:]}"
        here = step.to_key
    assert here == f"K{b}"


# --------------------------------------------------------------------------- constants and layering


def test_many_to_many_rules_are_documented():
    assert links.RULES == ("refuse", "drop", "all")
    assert tuple(links.RULE_HELP) == links.RULES
    for rule, text in links.RULE_HELP.items():
        assert text.startswith(rule + ": ")
    assert "how many" in links.RULE_HELP["refuse"] and "counted" in links.RULE_HELP["drop"]
    assert "multiply" in links.RULE_HELP["all"]


def test_links_imports_only_the_standard_library_and_errors():
    tree = ast.parse(Path(links.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(("." * node.level) + (node.module or ""))
    local = {m for m in imported if m.startswith(".")}
    assert local == {".errors"}
    assert {m.split(".")[0] for m in imported - local} <= set(sys.stdlib_module_names)
