"""The container (Dockerfile, compose.yaml, .dockerignore; docs/deploy.md): built and run where this machine can,
and checked without building everywhere.

Building needs a container engine. The machines this project runs on have the `docker` client but no engine
(no daemon answers), and the registry the base images come from is not reachable from them, so the build test
skips there and says why; on a machine with a working engine it builds the image and runs `scrutiny --help` in it.

What is checked without building: compose.yaml parses (PyYAML, a dependency of `uvicorn[standard]`) and has the
two services, their healthchecks and volumes; the workspace URL is under the variable scrutiny.settings reads and
points at the compose database with its user; the image runs as a user that is not root, keeps its data in the
volume, and its command (and compose's) is a real `scrutiny` command line with real options; the .dockerignore
lets in exactly what the Dockerfile copies. The probe both healthchecks run answers on a real `scrutiny serve`
started the way the image starts it, before any data is loaded, and that start leaves the workspace schema
current (no separate `scrutiny workspace upgrade` step is needed, as docs/deploy.md says).
"""

from __future__ import annotations

import fcntl
import fnmatch
import ipaddress
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import typer.main
import yaml  # type: ignore[import-untyped]  # PyYAML, from uvicorn[standard]; no stubs installed
from sqlalchemy.engine import make_url

from scrutiny import settings
from scrutiny.cli import app
from scrutiny.warehouse.connect import WarehouseBusy
from scrutiny.warehouse.writing import WriteSession, lock_path
from tests.conftest import REPO, query
from tests.loopback import TLS
from tests.web.conftest import ingest, write_march, write_sources

DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "compose.yaml"
DOCKERIGNORE = REPO / ".dockerignore"
SCRUTINY = Path(sys.executable).with_name("scrutiny")
PORT = 8000  # the port the image serves on (EXPOSE, CMD, compose's mapping, the healthchecks)


# --- reading the files -------------------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form instruction (CMD ["a", "b"])."""
        found = json.loads(self.args)
        assert isinstance(found, list) and all(isinstance(a, str) for a in found), self.args
        return found


def dockerfile_stages(text: str) -> list[list[Instruction]]:
    """The Dockerfile's instructions, stage by stage (a stage starts at FROM; ARGs before the first FROM are a
    stage of their own), with continuation lines joined and comments dropped."""
    joined: list[str] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment line inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        joined.append(pending + stripped)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    stages: list[list[Instruction]] = [[]]
    for line in joined:
        keyword, _, args = line.partition(" ")
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), args.strip()))
    return stages


def final_stage() -> list[Instruction]:
    return dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8"))[-1]


def only(stage: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in stage if i.keyword == keyword]
    assert len(found) == 1, f"the final stage has {len(found)} {keyword} instructions"
    return found[0]


def env_of(stage: list[Instruction]) -> dict[str, str]:
    """ENV KEY=VALUE pairs of a stage (the only ENV form this Dockerfile uses)."""
    values: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for word in shlex.split(instruction.args):
                key, sep, value = word.partition("=")
                assert sep, f"ENV {instruction.args!r}: use the KEY=VALUE form"
                values[key] = value
    return values


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def service(name: str) -> dict[str, Any]:
    found = compose()["services"][name]
    assert isinstance(found, dict)
    return found


def substituted(value: str, env: dict[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?message}` with `env`, as `docker compose` does."""
    out, rest = "", value
    while "${" in rest:
        before, _, after = rest.partition("${")
        inner, _, rest = after.partition("}")
        name, default = inner, ""
        for sep in (":-", ":?"):
            if sep in inner:
                name, _, default = inner.partition(sep)
                if sep == ":?" and not env.get(name):
                    raise ValueError(f"{name} is required: {default}")
        out += before + (env.get(name) or default)
    return out + rest


def check_command_line(words: list[str]) -> Any:
    """Parse `scrutiny WORDS` as the CLI would, without running it (the command's context, with its `params`):
    an unknown command or option raises."""
    group = typer.main.get_group(app)
    name, *args = words
    assert name in group.commands, f"`scrutiny {name}` is not a command of `scrutiny --help`"
    parent = group.make_context("scrutiny", list(words))
    return group.commands[name].make_context(name, list(args), parent=parent)


# --- compose.yaml ------------------------------------------------------------------------------------------------


def test_compose_has_the_app_and_postgresql_with_healthchecks_and_volumes() -> None:
    spec = compose()
    assert set(spec["services"]) == {"app", "postgres"}
    postgres, app_service = service("postgres"), service("app")
    assert postgres["image"].startswith("postgres:")
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert app_service["build"] == "."
    assert app_service["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert app_service["healthcheck"]["test"][0] == "CMD"
    # named volumes, declared at the top level: the data outlives the containers
    volumes = {entry.split(":")[1]: entry.split(":")[0] for s in (postgres, app_service) for entry in s["volumes"]}
    assert volumes == {"/var/lib/postgresql/data": "postgres", "/data": "warehouse"}
    assert set(spec["volumes"]) == {"postgres", "warehouse"}
    # published on the loopback interface only: the reverse proxy is the way in
    assert app_service["ports"] == [f"127.0.0.1:${{SCRUTINY_PORT:-{PORT}}}:{PORT}"]


def test_compose_environment_names_only_declared_settings_and_the_workspace_is_the_compose_database() -> None:
    env = service("app")["environment"]
    postgres_env = service("postgres")["environment"]
    declared = {settings.env_name(field) for field in settings.Environment.model_fields}
    assert {key for key in env if key.startswith(settings.PREFIX)} <= declared
    url = make_url(env[settings.env_name("workspace")])  # SCRUTINY_WORKSPACE, the name scrutiny.settings reads
    assert (url.get_backend_name(), url.host, url.port) == ("postgresql", "postgres", 5432)
    assert (url.username, url.database) == (postgres_env["POSTGRES_USER"], postgres_env["POSTGRES_DB"])
    assert url.password is None  # given to libpq as PGPASSWORD: no percent-encoding of the password needed
    assert env["PGPASSWORD"] == postgres_env["POSTGRES_PASSWORD"]
    assert env[settings.env_name("db")].startswith("/data/")  # the warehouse is in the volume
    # every value, with the variables a .env sets, is one the settings accept (each checked as at start-up)
    given = {"POSTGRES_PASSWORD": "s3cret:@/x", "SCRUTINY_SECURE_COOKIES": "true",
             "SCRUTINY_TRUSTED_PROXIES": "172.30.0.1"}
    values = {key: substituted(str(value), given) for key, value in env.items()}
    assert settings.workspace_url(values[settings.env_name("workspace")]) == values[settings.env_name("workspace")]
    for key, value in values.items():
        if key.startswith(settings.PREFIX) and key != settings.env_name("workspace"):
            field = key.removeprefix(settings.PREFIX).lower()
            settings.Environment.model_validate({field: value})
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD is required"):
        substituted(str(env["PGPASSWORD"]), {})


def test_the_trusted_proxy_example_is_the_compose_networks_gateway() -> None:
    """docs/deploy.md and compose.yaml's header tell a proxy on the host to trust the network's gateway."""
    [network] = compose()["networks"]["default"]["ipam"]["config"]
    assert ipaddress.ip_address(network["gateway"]) in ipaddress.ip_network(network["subnet"])
    assert f"SCRUTINY_TRUSTED_PROXIES={network['gateway']}" in COMPOSE.read_text(encoding="utf-8")
    assert f"SCRUTINY_TRUSTED_PROXIES={network['gateway']}" in (REPO / "docs" / "deploy.md").read_text("utf-8")


# --- Dockerfile --------------------------------------------------------------------------------------------------


def test_the_image_runs_as_a_user_that_is_not_root() -> None:
    stage = final_stage()
    user = only(stage, "USER").args
    assert user.split(":")[0] not in ("root", "0")
    # every RUN of the final stage comes before USER: nothing runs as root after the switch, nothing the app
    # needs is made root-only afterwards
    keywords = [i.keyword for i in stage]
    assert "RUN" not in keywords[keywords.index("USER"):]
    created = [i.args for i in stage if i.keyword == "RUN" and "useradd" in i.args]
    assert created and f" {user}" in created[0] and "chown" in created[0]


def test_the_image_keeps_its_data_in_the_volume() -> None:
    stage = final_stage()
    assert only(stage, "VOLUME").exec_form() == ["/data"]
    assert only(stage, "WORKDIR").args == "/data"  # fetch's downloads (data/...) land in the volume too
    assert env_of(stage)["SCRUTINY_DB"].startswith("/data/")


def test_the_entrypoint_and_commands_are_real_command_lines() -> None:
    stage = final_stage()
    assert only(stage, "ENTRYPOINT").exec_form() == ["scrutiny"]
    cmd = only(stage, "CMD").exec_form()
    compose_cmd = service("app")["command"]
    for words in (cmd, compose_cmd):
        context = check_command_line(words)
        assert words[0] == "serve"
        assert context.params["port"] == PORT
        assert context.params["host"] == "0.0.0.0"  # reachable from outside the container, through the mapping
    assert check_command_line(compose_cmd).params["proxy_headers"] is True
    assert only(stage, "EXPOSE").args == str(PORT)


def test_both_healthchecks_ask_the_same_page_on_the_served_port() -> None:
    docker_probe = only(final_stage(), "HEALTHCHECK").args.split(" CMD ", 1)[1]
    compose_probe = service("app")["healthcheck"]["test"][1:]
    assert json.loads(docker_probe) == compose_probe
    assert f"http://127.0.0.1:{PORT}/login" in compose_probe[-1]


def test_the_dockerignore_lets_in_exactly_what_the_dockerfile_copies() -> None:
    patterns = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.strip().startswith("#")]
    copied = []
    for stage in dockerfile_stages(DOCKERFILE.read_text(encoding="utf-8")):
        for instruction in stage:
            if instruction.keyword in ("COPY", "ADD") and not instruction.args.startswith("--from"):
                copied += shlex.split(instruction.args)[:-1]
    assert sorted(copied) == ["README.md", "pyproject.toml", "src"]
    for path in copied:
        assert not ignored(path, patterns), path
    assert not ignored("src/scrutiny/cli/serve.py", patterns)
    for path in (".venv", ".venv/bin/python", "bench-results/run.json", "data/police_uk/api/x.json",
                 "scrutiny.duckdb", "test-artifacts/a.png", ".env", ".git/config", "tests/test_container.py",
                 "src/scrutiny/__pycache__/x.pyc", "src/scrutiny.egg-info/PKG-INFO"):
        assert ignored(path, patterns), path


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path, or a folder above it, decides; `!` lets it back in;
    `**/` matches any number of folders, none included."""
    parts = path.split("/")
    decision = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        bare = pattern.lstrip("!")
        forms = [bare, bare.removeprefix("**/")] if bare.startswith("**/") else [bare]
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        if any(fnmatch.fnmatchcase(prefix, form) for prefix in prefixes for form in forms):
            decision = not keep
    return decision


def test_the_ignore_checker_follows_dockers_rule() -> None:
    rules = ["*", "!src", "**/__pycache__"]
    assert ignored("x", rules) and ignored(".venv/a", rules) and ignored("src/a/__pycache__/b.pyc", rules)
    assert not ignored("src", rules) and not ignored("src/a/b.py", rules)
    assert not ignored("anything", []) and ignored("__pycache__/x", rules)


# --- the probe on a real server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def new_postgres() -> Iterator[Callable[[], str]]:
    """Makes new PostgreSQL databases on this machine's server, each named by a bare `postgresql://` URL as
    compose names its own; all dropped afterwards."""
    from tests.workspace.conftest import POSTGRES, _drop_postgres_database, _new_postgres_database

    names: list[str] = []

    def make() -> str:
        name, _ = _new_postgres_database()
        names.append(name)
        return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)

    try:
        yield make
    finally:
        for name in names:
            _drop_postgres_database(name)


@pytest.fixture
def compose_like_workspace(new_postgres: Callable[[], str]) -> str:
    return new_postgres()


def test_the_healthcheck_answers_on_a_fresh_install_and_serve_migrates_the_workspace(
        tmp_path: Path, compose_like_workspace: str) -> None:
    """The image's CMD (on a free loopback port), an empty /data and a new, empty PostgreSQL database: the probe
    both healthchecks run succeeds once the server is up, and the workspace is then at this version's schema."""
    port = _free_port()
    cmd = only(final_stage(), "CMD").exec_form()
    args = [str(port) if word == str(PORT) else "127.0.0.1" if word == "0.0.0.0" else word for word in cmd]
    env = {**os.environ, "SCRUTINY_DB": str(tmp_path / "scrutiny.duckdb"), "SCRUTINY_WORKSPACE":
           compose_like_workspace, "PGPASSWORD": "not-needed-with-trust", "SCRUTINY_TRUSTED_PROXIES": ""}
    probe = [sys.executable, *service("app")["healthcheck"]["test"][2:]]
    probe[-1] = probe[-1].replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port}")
    server = subprocess.Popen([str(SCRUTINY), *args], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            answered = subprocess.run(probe, capture_output=True, text=True, timeout=30)
            if answered.returncode == 0:
                break
            assert server.poll() is None, f"scrutiny serve stopped: {server.communicate()[0]}"
            assert time.monotonic() < deadline, f"no healthy answer in 120 s: {answered.stderr}"
            time.sleep(1)
        status = subprocess.run([str(SCRUTINY), "workspace", "status"], env=env, capture_output=True, text=True,
                                timeout=120)
        assert status.returncode == 0, status.stdout + status.stderr
        assert "(current)" in status.stdout
        # why the probe asks /login: the dashboard answers 503 until a warehouse is loaded
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30, verify=TLS).status_code == 503
    finally:
        server.terminate()
        server.wait(timeout=30)


# --- the backups docs/deploy.md gives ------------------------------------------------------------------------------

# The small warehouse of tests/web/conftest.py: Kent has 42 + 12 searches in January and February 2024, and
# write_march adds a March of 9.
KENT_BEFORE, KENT_MARCH_ROWS = 54, 9


def kent(db: Path) -> int:
    [(count,)] = query(db, "SELECT count(*) FROM stop_search WHERE force = 'kent'")
    assert isinstance(count, int)
    return count


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "data" / "scrutiny.duckdb"
    ingest(write_sources(tmp_path / "sources"), "--db", db)
    return db


def test_a_copy_read_while_a_write_is_published_is_the_whole_warehouse_before_it(
        tmp_path: Path, warehouse: Path) -> None:
    """`cat` or `cp` opens the file once and reads it to the end; an ingest published half-way through the copy
    renames a new file over the path, and the copy still gets every byte of the old one."""
    before = warehouse.read_bytes()
    with warehouse.open("rb") as copying:
        head = copying.read(4096)
        ingest(write_march(tmp_path / "march"), "--db", warehouse)
        rest = copying.read()
    backup = tmp_path / "backup.duckdb"
    backup.write_bytes(head + rest)
    assert backup.read_bytes() == before
    assert (kent(backup), kent(warehouse)) == (KENT_BEFORE, KENT_BEFORE + KENT_MARCH_ROWS)


def _flock() -> str:
    found = shutil.which("flock")
    if found is None:
        pytest.skip("no flock command (util-linux), which the backup recipe uses")
    return found


def test_the_backup_command_waits_for_a_running_write_and_gets_its_result(tmp_path: Path, warehouse: Path) -> None:
    """`flock DB.write.lock cat DB > BACKUP`, as docs/deploy.md runs it, started while a write holds the lock:
    it copies only once the write is published, so the backup holds what that write added."""
    flock = _flock()
    backup = tmp_path / "backup.duckdb"
    with backup.open("wb") as out:
        with WriteSession(warehouse) as session:
            copy = subprocess.Popen([flock, str(lock_path(warehouse)), "cat", str(warehouse)], stdout=out)
            time.sleep(1)
            assert copy.poll() is None, "the copy did not wait for the write holding the lock"
            session.con.execute("CREATE TABLE written_during_backup AS SELECT 42 AS answer")
            session.publish()
        assert copy.wait(timeout=60) == 0
    assert query(backup, "SELECT answer FROM written_during_backup") == [(42,)]
    assert kent(backup) == KENT_BEFORE


def test_a_write_waits_while_the_backup_command_holds_the_lock(warehouse: Path) -> None:
    flock = _flock()
    lock = lock_path(warehouse)
    holder = subprocess.Popen([flock, str(lock), "sleep", "60"], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not _locked(lock):
            assert time.monotonic() < deadline and holder.poll() is None, "flock never took the lock"
            time.sleep(0.05)
        with pytest.raises(WarehouseBusy, match="being written by another process"):
            WriteSession(warehouse, lock_wait=0.5)
    finally:
        os.killpg(holder.pid, signal.SIGKILL)  # flock and the `sleep` that inherited its locked descriptor
        holder.wait(timeout=30)
    with WriteSession(warehouse, lock_wait=30) as session:  # free again once the copy ends
        assert session.existed


def _locked(path: Path) -> bool:
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_the_workspace_dump_restores_with_the_documented_options(
        tmp_path: Path, new_postgres: Callable[[], str]) -> None:
    """pg_dump --format custom, then pg_restore --clean --if-exists --no-owner: into an empty database, and again
    over the restored one; the schema is current and the admin is there."""
    dump_tool, restore_tool = shutil.which("pg_dump"), shutil.which("pg_restore")
    if dump_tool is None or restore_tool is None:
        pytest.skip("no pg_dump or pg_restore (Debian's postgresql-client)")
    source, target = new_postgres(), new_postgres()
    env = {**os.environ, "SCRUTINY_WORKSPACE": source}
    made = subprocess.run([str(SCRUTINY), "user", "create", "--admin", "chair@example.org", "--password-stdin"],
                          input="correct horse battery\n", env=env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    dump = tmp_path / "workspace.dump"
    with dump.open("wb") as out:
        subprocess.run([dump_tool, "--format", "custom", "--dbname", source], stdout=out, check=True, timeout=120)
    for _ in range(2):  # into the empty database, then over what the first restore put there
        with dump.open("rb") as given:
            restored = subprocess.run([restore_tool, "--dbname", target, "--clean", "--if-exists", "--no-owner"],
                                      stdin=given, capture_output=True, text=True, timeout=120)
        assert restored.returncode == 0, restored.stderr
    status = subprocess.run([str(SCRUTINY), "workspace", "status"], env={**env, "SCRUTINY_WORKSPACE": target},
                            capture_output=True, text=True, timeout=120)
    assert "(current)" in status.stdout, status.stdout + status.stderr
    with psycopg.connect(target) as connection:
        assert connection.execute("SELECT email, role FROM users").fetchall() == [("chair@example.org", "admin")]


# --- building the image ------------------------------------------------------------------------------------------


def container_engine() -> tuple[str | None, str]:
    """A container engine that answers (docker, else podman), or None and why there is none."""
    reasons = []
    for name in ("docker", "podman"):
        exe = shutil.which(name)
        if exe is None:
            reasons.append(f"no {name} command")
            continue
        try:
            info = subprocess.run([exe, "info"], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            reasons.append(f"`{name} info` did not answer in 60 s")
            continue
        if info.returncode == 0:
            return exe, ""
        said = (info.stderr.strip() or info.stdout.strip()).splitlines()
        reasons.append(f"`{name} info` failed, no engine runs here ({said[0] if said else 'no message'})")
    return None, "cannot build the image on this machine: " + "; ".join(reasons)


@pytest.mark.slow
def test_the_image_builds_and_runs_scrutiny_help() -> None:
    engine, why = container_engine()
    if engine is None:
        pytest.skip(why)
    tag = f"scrutiny-test:{uuid.uuid4().hex[:12]}"
    build = subprocess.run([engine, "build", "--tag", tag, str(REPO)], capture_output=True, text=True, timeout=3600)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-4000:]
    try:
        ran = subprocess.run([engine, "run", "--rm", tag, "--help"], capture_output=True, text=True, timeout=300)
        assert ran.returncode == 0, ran.stdout + ran.stderr
        for name in typer.main.get_group(app).commands:
            assert name in ran.stdout, f"`scrutiny --help` in the image does not list {name}"
        uid = subprocess.run([engine, "run", "--rm", "--entrypoint", "id", tag, "-u"], capture_output=True,
                             text=True, timeout=300)
        assert uid.returncode == 0 and uid.stdout.strip() not in ("", "0"), uid.stdout + uid.stderr
    finally:
        subprocess.run([engine, "image", "rm", "--force", tag], capture_output=True, timeout=300)
