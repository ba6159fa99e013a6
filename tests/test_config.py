"""load_settings: packaged defaults < FEEDSERVER_CONFIG TOML < FEEDSERVER_* env vars."""
import pytest

from feedserver.config import UnknownSetting, load_settings


def write_toml(tmp_path, text):
    path = tmp_path / "layer.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_defaults_without_environment():
    settings = load_settings(environ={})
    assert settings["PAGE_SIZE"] == 10
    assert settings["FEED_FAST_PATH"] is True
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert settings["WEBSUB_POLL_SECONDS"] == 0.25
    assert settings["SITE_NAME"] == "경기도 보도자료"
    assert settings["WEBSUB_HUBS"] == []


def test_environ_none_reads_os_environ(monkeypatch):
    monkeypatch.setenv("FEEDSERVER_PAGE_SIZE", "13")
    assert load_settings()["PAGE_SIZE"] == 13


def test_toml_layer_overrides_defaults(tmp_path):
    layer = write_toml(tmp_path, 'PAGE_SIZE = 25\nSITE_NAME = "보도"\nFEED_FAST_PATH = false\n')
    settings = load_settings(environ={"FEEDSERVER_CONFIG": layer})
    assert settings["PAGE_SIZE"] == 25
    assert settings["SITE_NAME"] == "보도"
    assert settings["FEED_FAST_PATH"] is False
    assert settings["FEED_ITEMS"] == 20  # untouched defaults remain


def test_env_overrides_toml_and_defaults(tmp_path):
    layer = write_toml(tmp_path, "PAGE_SIZE = 25\nFEED_ITEMS = 30\n")
    settings = load_settings(environ={"FEEDSERVER_CONFIG": layer, "FEEDSERVER_PAGE_SIZE": "40",
                                      "FEEDSERVER_FEED_MAX_AGE": "60"})
    assert settings["PAGE_SIZE"] == 40       # env over TOML
    assert settings["FEED_ITEMS"] == 30      # TOML over default
    assert settings["FEED_MAX_AGE"] == 60    # env over default


def test_empty_config_variable_means_no_layer():
    assert load_settings(environ={"FEEDSERVER_CONFIG": ""})["PAGE_SIZE"] == 10


def test_missing_toml_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_settings(environ={"FEEDSERVER_CONFIG": str(tmp_path / "absent.toml")})


@pytest.mark.parametrize("raw, expected", [
    ("1", True), ("true", True), ("YES", True), ("On", True),
    ("0", False), ("false", False), ("no", False), ("OFF", False), ("", False),
])
def test_bool_coercion(raw, expected):
    assert load_settings(environ={"FEEDSERVER_FEED_FAST_PATH": raw})["FEED_FAST_PATH"] is expected


def test_bad_boolean_raises():
    with pytest.raises(ValueError, match="not a boolean"):
        load_settings(environ={"FEEDSERVER_FEED_FAST_PATH": "maybe"})


def test_int_coercion():
    settings = load_settings(environ={"FEEDSERVER_PAGE_SIZE": "42"})
    assert settings["PAGE_SIZE"] == 42 and type(settings["PAGE_SIZE"]) is int


def test_bad_int_raises():
    with pytest.raises(ValueError):
        load_settings(environ={"FEEDSERVER_PAGE_SIZE": "2.5"})


def test_float_coercion():
    settings = load_settings(environ={"FEEDSERVER_WEBSUB_POLL_SECONDS": "2"})
    assert settings["WEBSUB_POLL_SECONDS"] == 2.0 and type(settings["WEBSUB_POLL_SECONDS"]) is float


def test_string_setting_kept_verbatim():
    url = "sqlite:////var/lib/feedserver/x.sqlite3"
    assert load_settings(environ={"FEEDSERVER_DATABASE_URL": url})["DATABASE_URL"] == url


def test_coercion_follows_toml_layer_type(tmp_path):
    """The env value is coerced to the type of the value it replaces."""
    layer = write_toml(tmp_path, "WEBSUB_POLL_SECONDS = 3.5\n")
    settings = load_settings(environ={"FEEDSERVER_CONFIG": layer,
                                      "FEEDSERVER_WEBSUB_POLL_SECONDS": "4"})
    assert settings["WEBSUB_POLL_SECONDS"] == 4.0


def test_unknown_env_name_raises_with_hint():
    with pytest.raises(UnknownSetting) as caught:
        load_settings(environ={"FEEDSERVER_PAGE_SIZ": "5"})
    message = str(caught.value)
    assert "FEEDSERVER_PAGE_SIZ" in message
    assert "did you mean FEEDSERVER_PAGE_SIZE?" in message


def test_unknown_toml_key_raises_with_hint(tmp_path):
    layer = write_toml(tmp_path, "FEED_ITEM = 5\n")
    with pytest.raises(UnknownSetting) as caught:
        load_settings(environ={"FEEDSERVER_CONFIG": layer})
    message = str(caught.value)
    assert layer in message and "FEED_ITEM" in message
    assert "did you mean" in message and "FEED_ITEMS" in message


def test_unknown_setting_is_a_value_error():
    assert issubclass(UnknownSetting, ValueError)


def test_unknown_name_far_from_any_gives_no_hint():
    with pytest.raises(UnknownSetting) as caught:
        load_settings(environ={"FEEDSERVER_ZZZZZZZZZZ": "1"})
    assert "did you mean" not in str(caught.value)


def test_non_setting_variables_are_ignored(tmp_path):
    environ = {"FEEDSERVER_TEST_POSTGRES_URL": "postgresql://x", "FEEDSERVER_TEST_ANYTHING": "1",
               "FEEDSERVER_BIND": "0.0.0.0:8000", "FEEDSERVER_WORKERS": "4",
               "OTHER_PAGE_SIZE": "99", "PAGE_SIZE": "99"}
    settings = load_settings(environ=environ)
    assert settings == load_settings(environ={})
    for name in ("TEST_POSTGRES_URL", "TEST_ANYTHING", "BIND", "WORKERS", "CONFIG"):
        assert name not in settings
