"""errors.py: one rc table, classes carry their codes, carets point right."""

import pytest

from leostata import errors


def test_every_error_class_has_a_documented_rc():
    classes = [c for c in vars(errors).values()
               if isinstance(c, type) and issubclass(c, errors.LeostataError)]
    assert len(classes) > 10
    for cls in classes:
        assert cls.rc in errors.RETURN_CODES, cls.__name__


@pytest.mark.parametrize("cls, rc", [
    (errors.StataSyntaxError, 198), (errors.NotFound, 111), (errors.DataInMemoryChanged, 4),
    (errors.NoObservations, 2000), (errors.DataInconsistency, 459), (errors.BreakPressed, 1),
])
def test_stata_codes_where_the_meaning_matches(cls, rc):
    assert cls("x").rc == rc


def test_private_codes_stay_in_the_documented_range():
    private = [rc for rc in errors.RETURN_CODES if rc >= 5000]
    assert private and all(5100 <= rc <= 5199 for rc in private)


def test_unknown_rc_is_refused():
    with pytest.raises(ValueError):
        errors.LeostataError("x", rc=12345)


def test_render_adds_the_hint_line():
    err = errors.NotFound("variable agee not found", hint="did you mean age?")
    assert err.render() == "variable agee not found\ndid you mean age?"


def test_caret_underlines_the_span():
    assert errors.caret("agee > 65", 0, 4).splitlines()[1] == "    ^^^^"
    assert errors.caret("x > 5", 2).splitlines()[1] == "      ^"
