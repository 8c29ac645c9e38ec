"""A PostgreSQL instance of the test's own (initdb in a temporary folder, its own port on
127.0.0.1), which the fault test may stop with `pg_ctl stop -m immediate` (the postmaster
and its backends killed at once, recovery from the WAL at the next start) without touching
the shared server at 5432.

PostgreSQL refuses to run as root: when this process is root (CI), initdb, pg_ctl and the
server run as the `postgres` system user through `runuser`, and the folder is given to it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from voting_service.rehearsal.server import free_port


class Unavailable(RuntimeError):
    """No PostgreSQL server binaries here, or no user to run them as."""


def bin_dir() -> Path:
    """The newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl (Debian's layout),
    else the folder of an initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable("no initdb: install the PostgreSQL server package (postgresql)")


class PrivateCluster:
    def __init__(self):
        self.bin = bin_dir()
        self.as_user = None
        if os.geteuid() == 0:
            try:
                self.as_user = pwd.getpwnam("postgres")
            except KeyError:
                raise Unavailable("running as root and there is no 'postgres' user to run "
                                  "PostgreSQL as") from None
        self.root = Path(tempfile.mkdtemp(prefix="vs-fault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        if self.as_user is not None:
            os.chown(self.root, self.as_user.pw_uid, self.as_user.pw_gid)
        os.chmod(self.root, 0o700)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_user is not None:
            command = ["runuser", "-u", self.as_user.pw_name, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=self.root)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}):\n"
                               f"{done.stdout}{done.stderr}\n{self.log_tail()}")
        return done

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-instructions")
        # Durability as deployed (fsync and synchronous commit on, the defaults); small
        # memory; TCP on loopback only, the Unix socket inside the private folder.
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nlisten_addresses = '127.0.0.1'\nport = {self.port}\n"
                       f"unix_socket_directories = '{self.root}'\n"
                       "max_connections = 60\nshared_buffers = 32MB\n"
                       "fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "start")

    def stop_immediately(self) -> None:
        """Immediate shutdown: every server process exits at once, nothing is flushed or
        checkpointed; the next start replays the WAL (crash recovery)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def is_ready(self) -> bool:
        done = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p",
                               str(self.port), "-U", "postgres", "-q"], timeout=10)
        return done.returncode == 0

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.splitlines()[-lines:])

    def crash_recoveries(self) -> int:
        """How many starts replayed the WAL after an immediate shutdown (the server log)."""
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return 0
        return text.count("automatic recovery in progress")

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        finally:
            deadline = time.monotonic() + 10
            while (self.data / "postmaster.pid").exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            shutil.rmtree(self.root, ignore_errors=True)
