"""Configuration layers: packaged defaults, an optional TOML file, FEEDSERVER_* env vars."""
import os
import tomllib
from pathlib import Path

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"
ENV_PREFIX = "FEEDSERVER_"


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
    settings = _read_toml(DEFAULTS_FILE) if DEFAULTS_FILE.exists() else {}
    extra = environ.get(ENV_PREFIX + "CONFIG")
    if extra:
        settings.update(_read_toml(Path(extra)))
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "CONFIG":
            continue
        name = key[len(ENV_PREFIX):]
        settings[name] = _coerce(value, settings.get(name, ""))
    return settings


def _read_toml(path):
    with open(path, "rb") as fh:
        return tomllib.load(fh)
