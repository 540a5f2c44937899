"""config.py: precedence, the config file, and secrets never shown."""

from urllib.parse import quote, quote_plus

import pytest
import sqlalchemy as sa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from leostata import config


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv(config.ENV_HOME, str(tmp_path))
    monkeypatch.delenv(config.ENV_URL, raising=False)
    return tmp_path


def test_default_is_the_synthetic_database(isolated_home):
    setting = config.resolve()
    assert setting.source == "synthetic" and setting.synthetic
    assert setting.url == "duckdb:///" + (isolated_home / "synthetic-20000-1.duckdb").as_posix()


def test_precedence_option_then_environment_then_file(monkeypatch):
    config.write_config("sqlite:///from_file.sqlite", schema="p1234")
    assert config.resolve().source == "config file"
    assert config.resolve().schema == "p1234"
    monkeypatch.setenv(config.ENV_URL, "sqlite:///from_env.sqlite")
    assert config.resolve().url == "sqlite:///from_env.sqlite"
    assert config.resolve("sqlite:///opt.sqlite").source == "option"


def test_config_file_is_private_to_the_user(isolated_home):
    path = config.write_config("mssql+pyodbc://@SRS_LEO")
    assert path.parent == isolated_home
    assert oct(path.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("url, secret", [
    ("postgresql://leo:s3cr%40t@localhost/db", "s3cr"),
    ("mssql+pyodbc://u@h/d?driver=x&password=abc123&x=1", "abc123"),
    ("mssql+pyodbc:///?odbc_connect=DRIVER%3D%7BODBC%7D%3BUID%3Dx%3BPWD%3D%7Btop%3Bsecret%7D%3BDATABASE%3Dd",
     "top"),
    ("DRIVER={x};PWD={a;b};UID=u", "a;b"),
    ("DRIVER={x};Pwd=hunter2", "hunter2"),
    ("x://h/?ACCESSTOKEN=tok9", "tok9"),
    ("DRIVER={x}; pwd = spaced1 ;UID=u", "spaced1"),
    ("x:///?odbc_connect=DRIVER%3D%7Bx%7D%3BUID%3Du%3B+PWD+%3D+spaced2%3BDB%3Dd", "spaced2"),
])
def test_mask_url_hides_every_credential(url, secret):
    masked = config.mask_url(url)
    assert secret not in masked and "***" in masked


def test_mask_url_keeps_what_is_not_secret():
    assert config.mask_url("mssql+pyodbc://@SRS_LEO") == "mssql+pyodbc://@SRS_LEO"
    assert "DATABASE%3Dd" in config.mask_url("x:///?odbc_connect=PWD%3Dp%3BDATABASE%3Dd")


def test_setting_shows_a_masked_url():
    assert config.Setting("postgresql://a:b@h/d", "option").shown == "postgresql://a:***@h/d"


# --- secrets, whatever they contain ------------------------------------------------------

#: Every character that means something in a URL, an ODBC string, a query string or a
#: Python/JSON repr, plus letters, digits and a few non-ASCII characters.
HOSTILE = "@/:;{}%+= &?#'\"\\[]()<>,.!$^*|~`-_\t" + "aZ09" + "éü€"
#: A prefix no other part of the test texts contains, so that "the password does not
#: appear in the output" cannot pass or fail by coincidence.
PREFIX = "Qx7"


def passwords(alphabet=HOSTILE):
    return st.text(alphabet=alphabet, min_size=0, max_size=24).map(lambda s: PREFIX + s)


def odbc_value(password: str) -> str:
    """``password`` as an ODBC value: in braces (``}}`` for ``}``) when it needs them."""
    return "{" + password.replace("}", "}}") + "}"


def assert_hidden(masked: str, *forms: str):
    for form in forms:
        assert form not in masked, (form, masked)
    assert PREFIX not in masked, masked
    assert "***" in masked


@pytest.mark.parametrize("url, shown", [
    ("mssql+pyodbc://pwuser:Wr0ng/Horse@host/db", "mssql+pyodbc://pwuser:***@host/db"),
    ("postgresql://u:a@b@host:5432/db", "postgresql://u:***@host:5432/db"),  # a raw @
    ("postgresql://u:a:b/c?d@host/db", "postgresql://u:***@host/db"),
    ("mssql+pyodbc://user@server:pw@server.example/db", "mssql+pyodbc://user@server:***@server.example/db"),
    ("postgresql://u:s3cr%40t%2Fx@h/d", "postgresql://u:***@h/d"),
    ("DRIVER={x};PWD={a}}b;c};UID=u", "DRIVER={x};PWD=***;UID=u"),
    ("DRIVER={x};PWD={a}b;c};UID=u", "DRIVER={x};PWD=***;c};UID=u"),  # badly escaped: up to ;
    ("DRIVER={x};password = hunter 2 ;UID=u", "DRIVER={x};password = ***;UID=u"),
    ("DRIVER={x};PassWord=p;UID=u", "DRIVER={x};PassWord=***;UID=u"),
    ("postgresql://u@h/d?sslmode=require&sslpassword=k3y&x=1",
     "postgresql://u@h/d?sslmode=require&sslpassword=***&x=1"),
    ("x:///?odbc_connect=DRIVER%3D%7Bx%7D%3BPWD%3D%7Ba%7D%7Db%3Bc%7D%3BUID%3Du",
     "x:///?odbc_connect=DRIVER%3D%7Bx%7D%3BPWD%3D***%3BUID%3Du"),
    ("x:///?odbc_connect=DRIVER%253D%257Bx%257D%253BPWD%253Dtw1ce%253BUID%253Du",
     "x:///?odbc_connect=DRIVER%253D%257Bx%257D%253BPWD%253D***%253BUID%253Du"),
    ("{'host': 'h', 'password': 'p\\'w', 'port': 1}", "{'host': 'h', 'password': ***, 'port': 1}"),
    ("mssql://u:cut-before-the-at", "mssql://u:***"),  # a message cut short
])
def test_mask_url_examples(url, shown):
    assert config.mask_url(url) == shown


@pytest.mark.parametrize("text", [
    "postgresql://h:5432/db", "postgresql://[::1]:5432/db", "duckdb:///C:/data/x.duckdb",
    "sqlite:///:memory:", "mssql+pyodbc://@SRS_LEO", "https://sqlalche.me/e/20/e3q8",
    "DRIVER={ODBC Driver 17 for SQL Server};SERVER=s;Trusted_Connection=yes",
    "column \"x\" does not exist",
])
def test_mask_url_leaves_texts_without_secrets_alone(text):
    assert config.mask_url(text) == text


@settings(max_examples=300, deadline=None)
@given(password=passwords(), user=st.sampled_from(["pwuser", "u", "user@server", ""]))
@example(password=PREFIX + "Wr0ng/Horse", user="pwuser")
@example(password=PREFIX + "a@b:c/d?e#f", user="pwuser")
def test_url_password_is_masked_raw_or_encoded(password, user):
    for typed in (password, quote(password, safe=""), quote_plus(password)):
        url = f"mssql+pyodbc://{user}:{typed}@host.example:1433/db?driver=ODBC+Driver+17"
        masked = config.mask_url(url)
        assert_hidden(masked, password, typed)
        assert masked == f"mssql+pyodbc://{user}:***@host.example:1433/db?driver=ODBC+Driver+17"


@settings(max_examples=300, deadline=None)
@given(password=passwords())
def test_sqlalchemy_urls_and_the_odbc_strings_built_from_them_are_masked(password):
    """The URL SQLAlchemy renders and the connection string its pyodbc dialect hands
    to the driver (which pyodbc errors can echo) both hide the password."""
    url = sa.engine.URL.create("mssql+pyodbc", username="pwuser", password=password,
                               host="host", database="db",
                               query={"driver": "ODBC Driver 17 for SQL Server"})
    rendered = url.render_as_string(hide_password=False)
    assert_hidden(config.mask_url(rendered), password)
    (conn_str,), _ = url.get_dialect()().create_connect_args(url)
    masked = config.mask_url(conn_str)
    assert_hidden(masked, password)
    start = "DRIVER={ODBC Driver 17 for SQL Server};Server=host;Database=db;UID=pwuser;PWD="
    assert masked == start + "***"
    error = f"('08001', '[08001] [unixODBC] could not connect using {conn_str} (0)')"
    masked = config.mask_url(error)
    assert_hidden(masked, password)
    assert masked == f"('08001', '[08001] [unixODBC] could not connect using {start}***"


@settings(max_examples=300, deadline=None)
@given(password=passwords(), key=st.sampled_from(["PWD", "pwd", "Password", "PASSWORD",
                                                   "sslpassword", "AccessToken"]),
       space=st.sampled_from(["", " ", "  "]))
def test_odbc_passwords_in_braces_plain_and_url_encoded(password, key, space):
    braced = odbc_value(password)
    head = f"DRIVER={{ODBC Driver 17}};SERVER=h;UID=u;{key}{space}={space}"
    masked = config.mask_url(head + braced + ";DATABASE=d")
    assert_hidden(masked, password, braced)
    assert masked == head + "***;DATABASE=d"
    for encode in (quote_plus, lambda s: quote(s, safe="")):
        url = "mssql+pyodbc:///?odbc_connect=" + encode(head + braced + ";DATABASE=d")
        masked = config.mask_url(url)
        assert_hidden(masked, password, braced, encode(password), encode(braced))
        assert masked == ("mssql+pyodbc:///?odbc_connect=" + encode(head) + "***"
                          + encode(";DATABASE=d"))


@settings(max_examples=200, deadline=None)
@given(password=passwords(HOSTILE.replace(";", "").replace("{", "")))
def test_plain_odbc_values_are_masked_to_the_semicolon(password):
    conn = f"DRIVER={{x}};UID=u;PWD={password};DATABASE=d"
    masked = config.mask_url(conn)
    assert_hidden(masked, password)
    assert masked == "DRIVER={x};UID=u;PWD=***;DATABASE=d"


@settings(max_examples=200, deadline=None)
@given(password=passwords())
def test_query_parameters_are_masked(password):
    url = f"postgresql://u@h/d?sslmode=require&sslpassword={quote_plus(password)}&x=1"
    masked = config.mask_url(url)
    assert_hidden(masked, password, quote_plus(password))
    assert masked == "postgresql://u@h/d?sslmode=require&sslpassword=***&x=1"


def test_setting_repr_hides_the_password():
    setting = config.Setting("postgresql://pwuser:Wr0ng/Horse@h/d", "option")
    assert "Wr0ng" not in repr(setting) and "Horse" not in repr(setting)
    assert "pwuser:***@h/d" in repr(setting)


@settings(max_examples=100, deadline=None)
@given(password=passwords())
def test_messages_cut_short_do_not_show_part_of_a_password(password):
    """Error messages are cut (to 300 characters) before they are masked: wherever
    the cut falls, no part of the password is shown."""
    assert "Q" not in HOSTILE  # so "Q" (the start of PREFIX) marks the password
    texts = [f"could not connect to mssql+pyodbc://pwuser:{password}@host/db",
             f"could not connect to mssql+pyodbc://pwuser:{quote(password, safe='')}@host/db",
             f"[08001] DRIVER={{ODBC Driver 17}};UID=u;PWD={odbc_value(password)};DATABASE=d",
             "x:///?odbc_connect=" + quote_plus(f"UID=u;PWD={odbc_value(password)};DB=d")]
    for text in texts:
        for cut in range(len(text) + 1):
            assert "Q" not in config.mask_url(text[:cut]), text[:cut]


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(list(HOSTILE) + [
    "PWD", "password", "://", "u:", "%3D", "%3B", "%7B", "%7D", "%40", "%25", "odbc_connect=",
    "\n", "Q"]), max_size=40).map("".join) | st.text(max_size=40))
def test_secret_spans_never_fail_on_any_text(text):
    """mask_url runs on error paths: reading any text must work (it does not fall
    back to masking everything) and give sorted, disjoint spans inside the text."""
    spans = config.secret_spans(text)
    last = 0
    for a, b in spans:
        assert last <= a < b <= len(text)
        last = b
