"""The OpenAPI document tells the truth: schemathesis, every check and the stateful phase, against gunicorn.

A longer run by hand: see tests/schemathesis.toml.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ST = Path(sys.executable).parent / "st"
# Enough cases per operation to get past the 404s and along the links in well under a minute
# per run on a busy machine; raise them by hand for a long exploration.
MAX_EXAMPLES = os.environ.get("FEEDSERVER_SCHEMATHESIS_EXAMPLES", "25")
SEED = os.environ.get("FEEDSERVER_SCHEMATHESIS_SEED", "20261201")


@pytest.fixture
def server(staff_app, tmp_path, servers):
    """gunicorn as shipped, serving a fresh SQLite database with staff tokens; yield its URL."""
    process, url = servers.gunicorn(staff_app, tmp_path, "gunicorn")
    yield url
    process.terminate()
    process.wait(timeout=10)


def schemathesis(url, token, tmp_path, *options):
    """Run `st run` with every check; return (report text, {(method, operation path): statuses})."""
    har = tmp_path / "schemathesis.har"
    run = subprocess.run(
        [str(ST), "--config-file", str(ROOT / "tests/schemathesis.toml"), "run",
         url + "/api/v1/openapi.json", "--checks", "all", "-H", "Authorization: Bearer " + token,
         "--seed", SEED, "--workers", "2", "--generation-database", "none",
         "--request-timeout", "10", "--no-color", "--report", "har", "--report-har-path", str(har),
         *options],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, check=False)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    return report, _statuses(har, url)


def _statuses(har, url):
    seen = {}
    for entry in json.loads(har.read_text())["log"]["entries"]:
        parts = entry["request"]["url"].removeprefix(url + "/api/v1/").split("?")[0].split("/")
        shape = "/".join("{}" if i % 2 else part for i, part in enumerate(parts))  # ids at odd places
        key = (entry["request"]["method"], "/" + shape)
        seen.setdefault(key, set()).add(entry["response"]["status"])
    return seen


def test_every_check_and_phase_pass_with_an_editor_token(staff_app, server, tmp_path):
    report, seen = schemathesis(server, staff_app.config["TEST_TOKENS"]["editor"], tmp_path,
                                "--phases", "examples,coverage,fuzzing,stateful",
                                "--max-examples", MAX_EXAMPLES)
    assert "Stateful" in report and "API Links" in report, report[-5000:]
    assert 403 in seen[("DELETE", "/releases/{}")]  # an editor reaches DELETE; only admins delete


def test_stateful_links_reach_delete_and_restore(staff_app, server, tmp_path):
    """The links lead from a new release to its withdrawal, restore, attachments and deletion."""
    lifecycle = ["createRelease", "withdrawRelease", "restoreRelease", "deleteRelease",
                 "addAttachment", "deleteAttachment"]
    _, seen = schemathesis(server, staff_app.config["TEST_TOKENS"]["admin"], tmp_path,
                           "--phases", "stateful", "--max-examples", "100", "--max-time", "20",
                           *(f"--include-operation-id={name}" for name in lifecycle))
    # Random ids only ever get 404: any other answer came from an id a link carried there.
    assert seen.get(("POST", "/releases/{}/restore"), set()) - {401, 404}
    assert 204 in seen.get(("DELETE", "/releases/{}"), set())
    assert seen.get(("DELETE", "/releases/{}/attachments/{}"), set()) - {401, 404}
