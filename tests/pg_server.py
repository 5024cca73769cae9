"""A throw-away PostgreSQL server for the tests: `postgres_server` starts one
cluster per test session with the system's PostgreSQL binaries and removes it
afterwards.

The cluster lives in a fresh folder under the system temp dir, listens on a
Unix socket in that folder only (listen_addresses = ''; no TCP port, nothing
reachable from the network) and trusts local connections of its one role,
`gradebook`. initdb refuses to run as root, so as root (CI) every server
command runs as an unprivileged system user (`postgres`, which Debian's
package creates, else `nobody`) through `setpriv`, and the folder is given to
that user; as anyone else (a laptop) the commands run as you. Tests that use
the fixture are skipped, with what to install, where the binaries or the
psycopg driver are absent.

tests/conftest.py makes the fixture available to every test module.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROLE = "gradebook"
UNPRIVILEGED_USERS = ("postgres", "nobody")
INSTALL_HINT = ("install Debian's postgresql package (apt-get install postgresql) or set "
                "COURSE_PG_BIN to the folder holding initdb and pg_ctl")


def find_pg_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: $COURSE_PG_BIN, else the newest
    /usr/lib/postgresql/N/bin (Debian keeps them off PATH), else PATH."""
    candidates = []
    if os.environ.get("COURSE_PG_BIN"):
        candidates.append(Path(os.environ["COURSE_PG_BIN"]))
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                      key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0, reverse=True)
    candidates += versions
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).resolve().parent)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def server_user() -> pwd.struct_passwd | None:
    """The user the server runs as: None (yourself) unless you are root."""
    if os.geteuid() != 0:
        return None
    for name in UNPRIVILEGED_USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"running as root and none of the users {UNPRIVILEGED_USERS} exists: "
                       "create an unprivileged user for PostgreSQL (initdb refuses root)")


@dataclass
class PostgresServer:
    """A running throw-away cluster. socket_dir: where its Unix socket lies."""

    bin: Path
    root: Path
    socket_dir: Path
    user: pwd.struct_passwd | None

    def run(self, tool: str, *args) -> subprocess.CompletedProcess:
        """Run one of the server's tools (initdb, pg_ctl, createdb) as the server's user."""
        command = [str(self.bin / tool), *map(str, args)]
        if self.user is not None:
            command = ["setpriv", f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}",
                       "--clear-groups", "--", *command]
        env = {**os.environ, "LC_ALL": "C", "PGHOST": str(self.socket_dir), "PGUSER": ROLE}
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
        return done

    def create_database(self, name: str) -> str:
        """A new empty database; returns its SQLAlchemy URL (psycopg driver, Unix socket)."""
        self.run("createdb", "--owner", ROLE, name)
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{ROLE}@/{database}?host={self.socket_dir}"

    def conninfo(self, database: str) -> str:
        """The libpq connection string psycopg.connect takes."""
        return f"host={self.socket_dir} user={ROLE} dbname={database}"


def start_server(pg_bin: Path) -> PostgresServer:
    """initdb a cluster in a fresh temp folder and start it on a Unix socket only."""
    user = server_user()
    root = Path(tempfile.mkdtemp(prefix="course-pg-"))
    server = PostgresServer(pg_bin, root, root / "socket", user)
    server.socket_dir.mkdir()
    if user is not None:
        for path in (root, server.socket_dir):
            os.chown(path, user.pw_uid, user.pw_gid)
    data, log = root / "data", root / "server.log"
    try:
        server.run("initdb", "--pgdata", data, "--username", ROLE, "--auth", "trust",
                   "--encoding", "UTF8", "--locale", "C", "--no-sync")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n# throw-away test cluster: Unix socket only, no durability\n"
                       "listen_addresses = ''\n"
                       f"unix_socket_directories = '{server.socket_dir}'\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        server.run("pg_ctl", "start", "--pgdata", data, "--wait", "--timeout", "60", "--log", log)
    except RuntimeError as err:
        server_log = log.read_text() if log.is_file() else ""
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"the throw-away PostgreSQL server did not start: {err}\n{server_log}") from None
    return server


def stop_server(server: PostgresServer) -> None:
    """Stop the cluster and remove its folder."""
    try:
        server.run("pg_ctl", "stop", "--pgdata", server.root / "data", "--mode", "immediate", "--wait")
    finally:
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    """A running throw-away PostgreSQL cluster for the whole test session."""
    pg_bin = find_pg_bin()
    if pg_bin is None:
        pytest.skip(f"PostgreSQL's initdb and pg_ctl are not installed: {INSTALL_HINT}")
    pytest.importorskip("psycopg", reason="the psycopg driver is missing: pip install -e '.[test]'")
    server = start_server(pg_bin)
    try:
        yield server
    finally:
        stop_server(server)
