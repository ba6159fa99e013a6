"""A short soak in the normal suite: gunicorn as shipped, 64 connections, mixed reads and writes.

`make soak` runs the same driver (bench/soak.py) for 60 s per database.
"""
import sys
from pathlib import Path

import pytest
from conftest import SERVER_URLS, close_database, reset_server_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import soak as soak_driver  # noqa: E402

SECONDS = 8
BACKENDS = ["sqlite"] + (["postgresql"] if SERVER_URLS["postgresql"] else [])


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_short_soak_has_no_errors_and_loses_nothing(backend, tmp_path, capsys):
    close_database()
    if backend == "sqlite":
        url = "sqlite:///" + str(tmp_path / "soak.sqlite3")
    else:
        url = SERVER_URLS[backend]
        reset_server_database(url)  # this test owns the test database while it runs
    try:
        ok, load = soak_driver.soak(url, tmp_path, SECONDS, 64, label=backend)
    finally:
        close_database()
    with capsys.disabled():
        print(capsys.readouterr().out)
    assert load.served > 0 and load.published and sum(load.views.values()) > 0
    assert ok, "soak found problems (printed above)"
