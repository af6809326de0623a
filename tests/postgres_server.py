"""A real, throwaway PostgreSQL server for the tests.

``find_or_start()`` returns a ``PostgresServer``: the server named by ``DETENTE_TEST_POSTGRES``
(a ``postgresql://`` URL) when that is set, otherwise a fresh cluster that it initdb's in a
temporary directory and starts from the newest ``/usr/lib/postgresql/*/bin`` (Debian's
``postgresql`` package; ``initdb`` on PATH otherwise). The cluster listens on 127.0.0.1 at a free
port, has its unix socket in the temporary directory and trusts every local connection; ``stop()``
shuts it down and removes the directory. As root (initdb refuses to run as root) the server runs
as the ``postgres`` system user. When neither is possible, ``PostgresUnavailable`` says why.

The server is a child of the test process, started with a parent-death signal where ``setpriv``
allows, so a killed test run does not leave a postmaster behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

ENV_URL = "DETENTE_TEST_POSTGRES"
"""A URL of an existing server to use instead of starting one; databases are created on it."""
DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"
"""The system user the server runs as when the tests run as root."""
SUPERUSER = "postgres"
"""The cluster's superuser (initdb -U); trust authentication, no password."""
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0


class PostgresUnavailable(Exception):
    """No PostgreSQL server for the tests; the message says precisely why."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise PostgresUnavailable(f"psycopg is not installed ({exc}): pip install 'psycopg[binary]>=3.2'") from exc
    return psycopg


def _connect(url: str, *, timeout: float = 5.0) -> Any:
    """An autocommit connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    return _psycopg().connect(url, autocommit=True, connect_timeout=max(1, round(timeout)))


def url_with_database(url: str, database: str) -> str:
    """``url`` with its path (the database name) replaced by ``database``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(database, safe=""), parts.query, parts.fragment))


def database_name(hint: str = "") -> str:
    """A unique database name, with a readable fragment of ``hint`` (a test's name) in it."""
    fragment = re.sub(r"[^a-z0-9]+", "_", hint.lower()).strip("_")[:40]
    return f"t_{fragment}_{secrets.token_hex(5)}" if fragment else f"t_{secrets.token_hex(5)}"


class PostgresServer:
    """A PostgreSQL server the tests may create databases on.

    ``url`` connects as a superuser to its ``postgres`` database. A server started here
    (``started`` is true) is stopped and its directory removed by ``stop()``; an existing server
    (``DETENTE_TEST_POSTGRES``) is left running.
    """

    def __init__(
        self,
        url: str,
        *,
        process: subprocess.Popen[bytes] | None = None,
        directory: Path | None = None,
        version: str = "",
        startup_seconds: float = 0.0,
    ) -> None:
        self.url = url
        self.process = process
        self.directory = directory
        self.version = version
        self.startup_seconds = startup_seconds
        self.started = process is not None
        """Whether this server was started here (rather than named by DETENTE_TEST_POSTGRES)."""

    @property
    def port(self) -> int:
        port = urlsplit(self.url).port
        return 5432 if port is None else port

    def create_database(self, name: str) -> str:
        """Create the database ``name`` and return a URL that connects to it."""
        sql = _psycopg().sql
        with _connect(self.url) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return url_with_database(self.url, name)

    def drop_database(self, name: str) -> None:
        """Drop the database ``name``, disconnecting whoever is still connected to it."""
        sql = _psycopg().sql
        with _connect(self.url) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def stop(self) -> None:
        """Shut a started server down (fast shutdown) and remove its directory; idempotent."""
        process, self.process = self.process, None
        if process is not None:
            _shut_down(process)
        directory, self.directory = self.directory, None
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)

    def __repr__(self) -> str:
        kind = "started" if self.started else "existing"
        return f"PostgresServer({self.url!r}, {kind})"


def find_or_start() -> PostgresServer:
    """The server named by ``DETENTE_TEST_POSTGRES``, or a fresh one started here."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return _existing(url)
    return start()


def _existing(url: str) -> PostgresServer:
    if urlsplit(url).scheme not in ("postgresql", "postgres"):
        raise PostgresUnavailable(f"{ENV_URL}={url!r} is not a postgresql:// URL")
    try:
        with _connect(url) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
    except PostgresUnavailable:
        raise
    except Exception as exc:
        raise PostgresUnavailable(f"{ENV_URL}={url!r}: cannot connect: {exc}".strip()) from exc
    return PostgresServer(url, version=str(version))


def find_binaries() -> Path:
    """The directory of the newest server's initdb and postgres."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for candidate in Path("/").glob(DEBIAN_BIN_GLOB.lstrip("/")):
        version = candidate.parent.name
        if re.fullmatch(r"\d+(\.\d+)*", version) and _has_server(candidate):
            found.append((tuple(int(part) for part in version.split(".")), candidate))
    if found:
        return max(found)[1]
    initdb = shutil.which("initdb")
    if initdb is not None and _has_server(Path(initdb).parent):
        return Path(initdb).parent
    raise PostgresUnavailable(
        f"no PostgreSQL server binaries: nothing in {DEBIAN_BIN_GLOB} has initdb and postgres, and no initdb is on "
        "PATH (`apt-get install postgresql`, or set DETENTE_TEST_POSTGRES to a server's URL)"
    )


def _has_server(directory: Path) -> bool:
    return all(os.access(directory / name, os.X_OK) for name in ("initdb", "postgres"))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Runner:
    """How to run the server's programs: as the postgres system user when we are root.

    subprocess switches the user (``user=``, ``group=``, no supplementary groups) before it
    executes the program; ``setpriv --pdeathsig`` then has the kernel stop the server (SIGINT,
    PostgreSQL's fast shutdown) when the test process dies without stopping it.
    """

    def __init__(self) -> None:
        self.uid: int | None = None
        self.gid: int | None = None
        setpriv = shutil.which("setpriv")
        self.prefix = [setpriv, "--pdeathsig=INT", "--"] if setpriv and _setpriv_has_pdeathsig(setpriv) else []
        if os.geteuid() != 0:
            return
        import pwd

        try:
            account = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(
                f"running as root, and initdb refuses to run as root, but there is no {SYSTEM_USER!r} system user "
                "to run the server as (Debian's postgresql package creates it)"
            ) from None
        self.uid, self.gid = account.pw_uid, account.pw_gid

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)

    def as_user(self) -> dict[str, Any]:
        """subprocess keyword arguments that run a program as the server's user."""
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def command(self, argv: Sequence[str | os.PathLike[str]], *, watched: bool = False) -> list[str]:
        """``argv`` as strings; ``watched`` ones get the parent-death signal."""
        return [*(self.prefix if watched else []), *(os.fspath(arg) for arg in argv)]


def _setpriv_has_pdeathsig(setpriv: str) -> bool:
    """``setpriv --pdeathsig`` appeared in util-linux 2.33."""
    try:
        shown = subprocess.run([setpriv, "--help"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return "--pdeathsig" in shown.stdout


def _environment() -> dict[str, str]:
    """This process's environment without the PG* variables that would steer the server or initdb."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    env.pop("LANG", None)
    return env


def _check_traversable(directory: Path) -> None:
    """As root, the postgres user must be able to reach the temporary directory."""
    for parent in directory.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            raise PostgresUnavailable(
                f"the server runs as {SYSTEM_USER!r}, which cannot enter {parent} (mode {oct(mode & 0o777)}) "
                f"to reach its directory {directory}: point TMPDIR elsewhere, e.g. TMPDIR=/tmp"
            )


def start() -> PostgresServer:
    """initdb a fresh cluster in a temporary directory and start it on 127.0.0.1 at a free port."""
    began = time.monotonic()
    bin_dir = find_binaries()
    runner = _Runner()
    directory = Path(tempfile.mkdtemp(prefix="detente-pg-"))
    try:
        if runner.uid is not None:
            _check_traversable(directory)
        runner.own(directory)
        data = directory / "data"
        env = _environment()
        initdb = runner.command(
            [
                bin_dir / "initdb",
                "--pgdata",
                data,
                "--username",
                SUPERUSER,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",  # a throwaway cluster: no need to flush initdb's files to disk
            ]
        )
        try:
            done = subprocess.run(
                initdb, cwd=directory, env=env, capture_output=True, text=True, timeout=120, **runner.as_user()
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresUnavailable(f"initdb did not finish within {exc.timeout} s: {' '.join(initdb)}") from None
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"initdb failed (exit status {done.returncode}): {' '.join(initdb)}\n{done.stderr.strip()}"
            )
        hba = data / "pg_hba.conf"
        hba.write_text(
            "# written by tests/postgres_server.py: a throwaway cluster that trusts local connections\n"
            "local all all trust\n"
            "host all all 127.0.0.1/32 trust\n"
        )
        runner.own(hba)
        version = (data / "PG_VERSION").read_text().strip()
        problems: list[str] = []
        for _attempt in range(3):  # another process may take the free port before the server binds it
            port = _free_port()
            process = _spawn(runner, bin_dir, data, directory, port, env)
            try:
                _wait_ready(process, port, data, directory / "server.log")
            except _PortTaken as exc:
                _shut_down(process)
                problems.append(str(exc))
                continue
            except BaseException:
                _shut_down(process)
                raise
            url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
            return PostgresServer(
                url,
                process=process,
                directory=directory,
                version=version,
                startup_seconds=time.monotonic() - began,
            )
        raise PostgresUnavailable("the server could not bind a free port on 127.0.0.1:\n" + "\n".join(problems))
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


class _PortTaken(Exception):
    pass


def _spawn(
    runner: _Runner, bin_dir: Path, data: Path, directory: Path, port: int, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    argv = runner.command(
        [
            bin_dir / "postgres",
            "-D",
            data,
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={directory}",
            "-c",
            "logging_collector=off",
        ],
        watched=True,
    )
    with open(directory / "server.log", "ab") as log:
        # The server's stdout and stderr go to the log; our handle closes once the child has its copy.
        return subprocess.Popen(
            argv,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            **runner.as_user(),
        )


def _log_tail(log: Path, lines: int = 30) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError as exc:
        return f"(no log: {exc})"
    return "\n".join(text.strip().splitlines()[-lines:])


def _wait_ready(process: subprocess.Popen[bytes], port: int, data: Path, log: Path) -> None:
    """Until the server accepts a connection on ``port``, and it is this server (its data directory)."""
    psycopg = _psycopg()
    url = f"postgresql://{SUPERUSER}@127.0.0.1:{port}/postgres"
    deadline = time.monotonic() + START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        status = process.poll()
        if status is not None:
            tail = _log_tail(log)
            if "could not bind" in tail or "Address already in use" in tail:
                raise _PortTaken(f"port {port}: {tail}")
            raise PostgresUnavailable(f"the server exited with status {status} before accepting connections:\n{tail}")
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=2) as conn:
                served = conn.execute("SHOW data_directory").fetchone()[0]
        except psycopg.OperationalError as exc:  # not listening yet, or still starting up
            last = exc
            time.sleep(0.02)
            continue
        if Path(served).resolve() != data.resolve():
            raise _PortTaken(f"port {port} is served by another PostgreSQL server (data directory {served})")
        return
    raise PostgresUnavailable(
        f"the server did not accept connections on 127.0.0.1:{port} within {START_TIMEOUT} s "
        f"(last error: {last}):\n{_log_tail(log)}"
    )


def _shut_down(process: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL; always reaps the process."""
    for sig, timeout in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGQUIT, 10.0), (signal.SIGKILL, None)):
        if process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            continue
