"""The error messages users see most, as golden text (message, caret, hint
and the ``r(#);`` line), through the command line on a small synthetic
database, so a change of wording is a reviewed diff like the golden SQL.

The goldens live in ``tests/golden/errors/<case>.txt``.  After a deliberate
change, regenerate them and review the diff (refused under CI):

    LEOSTATA_UPDATE_GOLDEN=1 python -m pytest tests/test_error_messages.py
"""

from __future__ import annotations

import re

import pytest

from leostata import cli
from tests.ado_harness import synth  # noqa: F401 (fixture)
from tests.golden_files import Goldens

CASES = {
    # leoload: names
    "unknown_table": ("load", "leo_earnigs TaxYear"),
    "unknown_variable": ("load", "leo_earnings TaxYer"),
    "ambiguous_abbreviation": ("load", "leo_earnings TaxYear if E > 1"),
    # leoload: syntax and types
    "unknown_option": ("load", "leo_earnings TaxYear, colapse((mean) Earnings)"),
    "unbalanced_parenthesis": ("load", "leo_earnings TaxYear if (TaxYear > 201516"),
    "string_compared_with_number": ("load", 'leo_earnings TaxYear if TaxYear == "2016"'),
    "unknown_function": ("load", "leo_earnings TaxYear if foo(TaxYear) > 1"),
    "untranslatable_function": ("load", 'leo_earnings TaxYear if regexm(Main_Section, "^E")'),
    "in_out_of_range": ("load", "leo_earnings TaxYear in 1/99999999, sort(Edukey TaxYear)"),
    # collapse
    "collapse_unknown_statistic": ("load", "leo_earnings, collapse((median7) Earnings) by(TaxYear)"),
    "collapse_string_mean": ("load", "leo_earnings, collapse((mean) Main_Section) by(TaxYear)"),
    "collapse_no_observations": ("load", "leo_earnings if TaxYear == 1, collapse((mean) Earnings) "
                                         "by(TaxYear)"),
    # leoquery
    "query_not_a_select": ("query", "DELETE FROM leo_earnings"),
    "query_two_statements": ("query", "SELECT 1; DROP TABLE leo_earnings"),
    "query_select_into": ("query", "SELECT * INTO pwned FROM leo_earnings"),
    "query_file_function": ("query", "SELECT * FROM read_csv('/etc/passwd')"),
    "query_function_not_allowed": ("query", "SELECT current_setting('threads')"),
    "query_unreadable": ("query", "SELECT FROM WHERE"),
}

GOLDENS = Goldens("errors", {f"{case}.txt" for case in CASES})


def run(capsys, url: str, command: str, text: str) -> str:
    """The text a user sees on stderr for a failing command (the URL masked
    to a fixed placeholder and temporary paths removed, so the golden holds
    only the message)."""
    assert cli.main([command, "--url", url, "--", text]) == 1
    err = capsys.readouterr().err
    err = err.replace(url, "<URL>")
    return re.sub(r"/\S*/synthetic-\d+-\d+\.duckdb", "<synthetic>", err)


@pytest.mark.parametrize("case", sorted(CASES))
def test_error_text_is_the_golden_one(case, synth, capsys, monkeypatch):  # noqa: F811
    home, url = synth
    monkeypatch.setenv("LEOSTATA_HOME", str(home))
    command, text = CASES[case]
    got = f"$ leostata {command} -- '{text}'\n" + run(capsys, url, command, text)
    GOLDENS.check(f"{case}.txt", got)


def test_every_golden_has_its_case():
    """A golden whose case was removed is stale, not a silent pass."""
    assert sorted(p.stem for p in GOLDENS.folder.glob("*.txt")) == sorted(CASES)
