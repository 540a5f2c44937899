"""config.py: precedence, the config file, and secrets never shown."""

import pytest

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
