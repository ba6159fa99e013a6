"""Configuration layers: packaged defaults, an optional TOML file, FEEDSERVER_* env vars.

The defaults ship inside the package (feedserver/default.toml), so an installed wheel
runs from any directory. A name the defaults do not know, in the TOML file or as a
FEEDSERVER_* variable, is refused: a typo in production must not be silently ignored.
"""
import difflib
import os
import tomllib
from pathlib import Path

DEFAULTS_FILE = Path(__file__).resolve().parent / "default.toml"
ENV_PREFIX = "FEEDSERVER_"
# FEEDSERVER_* variables that are not settings: the layer file, gunicorn.conf.py's own, tests'.
NOT_SETTINGS = ("CONFIG", "BIND", "WORKERS", "GRACEFUL_TIMEOUT", "METRICS_BIND", "METRICS_DIR")
NOT_SETTINGS_PREFIXES = ("TEST_",)


class UnknownSetting(ValueError):
    """A setting name the defaults do not know (most likely a typo)."""


def _coerce(raw, default):
    """Convert an environment string to the type of its default."""
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load_settings(environ=None):
    """Return settings from defaults, FEEDSERVER_CONFIG and the environment."""
    environ = os.environ if environ is None else environ
    settings = _read_toml(DEFAULTS_FILE)
    extra = environ.get(ENV_PREFIX + "CONFIG")
    if extra:
        layer = _read_toml(Path(extra))
        _refuse_unknown(layer, settings, where=f" in {extra}")
        settings.update(layer)
    overrides = {key[len(ENV_PREFIX):]: value for key, value in environ.items()
                 if key.startswith(ENV_PREFIX) and _is_setting(key[len(ENV_PREFIX):])}
    _refuse_unknown(overrides, settings, ENV_PREFIX)
    for name, value in overrides.items():
        settings[name] = _coerce(value, settings[name])
    return settings


def _is_setting(name):
    return name not in NOT_SETTINGS and not name.startswith(NOT_SETTINGS_PREFIXES)


def _refuse_unknown(names, known, prefix="", where=""):
    """Raise UnknownSetting for names the defaults do not define, suggesting the closest."""
    unknown = sorted(set(names) - set(known))
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, known, n=1)
            hints.append(f"{prefix}{name}" + (f" (did you mean {prefix}{close[0]}?)" if close else ""))
        raise UnknownSetting(f"unknown feedserver setting{where}: " + ", ".join(hints))


def _read_toml(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)
