"""A PostgreSQL server of a test's own (initdb + pg_ctl), to stop and start without touching the shared one."""
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import free_port


def binaries():
    """Return the newest /usr/lib/postgresql/<version>/bin that has initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0)
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """One cluster in a temporary folder on a free port of 127.0.0.1, trust auth, database "app"."""

    def __init__(self, bindir):
        self.bindir = bindir
        # initdb refuses root: the cluster belongs to the postgres user, in a folder it can reach
        # (pytest's tmp_path sits under a root-only folder).
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.folder = Path(tempfile.mkdtemp(prefix="feedserver-private-pg-"))
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/app"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
                  "-E", "UTF8", "--locale", "C")
        self.start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "app")

    def _run(self, program, *args):
        subprocess.run([*self.as_postgres, str(self.bindir / program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)

    def start(self):
        """Start the server and wait until it accepts connections."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-o", f"-p {self.port} -h 127.0.0.1 -k {self.folder} -c fsync=off", "start")

    def stop(self):
        """Stop the server at once (fast mode: connections are cut, as in a crash or restart)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def destroy(self):
        """Stop the server if it runs and delete its folder."""
        subprocess.run([*self.as_postgres, str(self.bindir / "pg_ctl"), "-D", str(self.data),
                        "-m", "immediate", "-w", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60, check=False)  # it may be stopped
        shutil.rmtree(self.folder, ignore_errors=True)
