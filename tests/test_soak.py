"""A short soak in the normal suite: gunicorn as shipped, 64 connections, mixed reads and writes.

`make soak` runs the same driver (bench/soak.py) for 60 s per database.
"""
import pytest

from bench import soak as soak_driver

SECONDS = 8


@pytest.mark.slow
@pytest.mark.backends("sqlite", "postgresql")
def test_short_soak_has_no_errors_and_loses_nothing(backend, tmp_path, capsys, databases):
    databases.close_database()
    if backend == "sqlite":
        url = "sqlite:///" + str(tmp_path / "soak.sqlite3")
    else:
        url = databases.SERVER_URLS[backend]
        databases.reset_server_database(url)  # this test owns the test database while it runs
    try:
        ok, load = soak_driver.soak(url, tmp_path, SECONDS, 64, label=backend)
    finally:
        databases.close_database()
    with capsys.disabled():
        print(capsys.readouterr().out)
    assert load.served > 0 and load.published and sum(load.views.values()) > 0
    assert ok, "soak found problems (printed above)"
