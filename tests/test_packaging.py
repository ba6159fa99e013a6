"""The package as operators install it: a wheel in a fresh virtualenv, run from any directory."""
import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build the wheel, install it alone into a fresh venv that borrows only the dependencies."""
    folder = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(folder / "dist"), str(ROOT)])
    wheel = next((folder / "dist").glob("feedserver-*.whl"))
    venv = folder / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    # Dependencies come from the test environment's site-packages (a plain path, so its
    # editable-install hook for this checkout is not loaded): only the wheel provides feedserver.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(wheel)])
    return python, folder


def test_wheel_migrates_seeds_and_serves_from_any_directory(installed, tmp_path, servers):
    python, folder = installed
    elsewhere = tmp_path / "anywhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSERVER_") and k != "PYTHONPATH"}
    env["FEEDSERVER_INSTANCE_PATH"] = str(tmp_path / "instance")
    found = run([str(python), "-c", "import feedserver; print(feedserver.__file__)"], cwd=elsewhere, env=env)
    assert str(ROOT) not in found.stdout  # the wheel, not this checkout
    cli = [str(python), "-c", "from feedserver.cli import main; main()"]
    run(cli + ["migrate"], cwd=elsewhere, env=env)
    run(cli + ["seed-demo"], cwd=elsewhere, env=env)
    assert (tmp_path / "instance" / "feedserver.sqlite3").exists()
    assert not (elsewhere / "instance").exists()
    port = servers.free_port()
    server = subprocess.Popen([str(python), "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                               "feedserver:create_app()"], cwd=elsewhere, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/board/", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        for path in ("/board/", "/feeds/all.rss", "/static/feed.xsl", "/feeds/"):
            with urllib.request.urlopen(base + path, timeout=5) as response:
                assert response.status == 200, path
    finally:
        server.terminate()
        server.wait(10)


def test_a_typo_in_a_setting_is_refused_with_a_hint(installed, tmp_path):
    python, _ = installed
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDSERVER_") and k != "PYTHONPATH"}
    env.update(FEEDSERVER_INSTANCE_PATH=str(tmp_path), FEEDSERVER_DATABSE_URL="postgresql://x/y")
    result = subprocess.run([str(python), "-c", "from feedserver.cli import main; main()", "migrate"],
                            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert result.returncode != 0
    assert "FEEDSERVER_DATABSE_URL (did you mean FEEDSERVER_DATABASE_URL?)" in result.stderr
