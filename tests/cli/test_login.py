"""``ocitrace login`` / ``logout`` against the real docker-registry (htpasswd and token modes).

What is written is checked against what ``docker login`` writes: ``auths[host].auth`` =
base64 ``user:password`` (Docker Hub under ``https://index.docker.io/v1/``), or with a
credential helper the secret given to ``docker-credential-X store`` as JSON on stdin and
``auths[host]`` = ``{}``; every other key kept; mode 0600.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace import Client, Unauthorized
from ocitrace.api import _login_registry
from ocitrace.cli import exitcodes
from ocitrace.transport.credentials import DOCKER_HUB_KEY, CredentialFile
from ocitrace.transport.credstore import erase_login, store_login
from tests.cli.inproc import run_cli
from tests.security.hostile import HostileServer, Reply, Seen
from tests.support.registry import (
    RunningRegistry,
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

PASSWORD = "wonderland"
WRONG = "not-wonderland"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture(scope="module")
def basic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    if not registry_available():
        pytest.skip("Debian's docker-registry (/usr/bin/docker-registry) is not installed")
    reg = start_registry(tmp_path_factory.mktemp("login-basic"), mode="htpasswd")
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    if not registry_available():
        pytest.skip("Debian's docker-registry (/usr/bin/docker-registry) is not installed")
    reg = start_registry(tmp_path_factory.mktemp("login-token"), mode="token")
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    yield reg
    reg.stop()


def docker_config(home: Path) -> Path:
    return home / ".docker" / "config.json"


def login(
    reg: RunningRegistry,
    home: Path,
    *extra: str,
    password: str = PASSWORD,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "login",
        reg.host,
        "-u",
        "alice",
        "--password-stdin",
        *extra,
        stdin=password + "\n",
        home=home,
        env=env,
        text=True,
    )


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- docker config, inline ---------------------------------------------------------------


def test_login_writes_docker_config_keeping_other_keys(
    basic: RunningRegistry, tmp_path: Path
) -> None:
    cfg = docker_config(tmp_path)
    cfg.parent.mkdir()
    before = {
        "auths": {"other.example": {"auth": b64("bob:x")}},
        "psFormat": "table {{.ID}}",
        "proxies": {"default": {"noProxy": "127.0.0.1"}},
    }
    cfg.write_text(json.dumps(before))
    cfg.chmod(0o644)
    proc = login(basic, tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "Login Succeeded\n"), proc.stderr
    assert f"WARNING! Your password will be stored unencrypted in {cfg}" in proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr
    after = json.loads(cfg.read_text())
    assert after == {
        **before,
        "auths": {
            "other.example": {"auth": b64("bob:x")},
            basic.host: {"auth": b64("alice:wonderland")},
        },
    }
    assert mode_of(cfg) == 0o600
    assert [p.name for p in cfg.parent.iterdir()] == ["config.json"]  # no temporary left
    # the stored login is what later commands use
    tags = run_cli("tags", f"{basic.host}/cli/single", home=tmp_path)
    assert (tags.returncode, tags.stdout) == (0, b"v1\n"), tags.stderr


def test_wrong_password_is_an_auth_error_and_writes_nothing(
    basic: RunningRegistry, tmp_path: Path
) -> None:
    proc = login(basic, tmp_path, password=WRONG)
    assert proc.returncode == exitcodes.AUTH
    assert proc.stdout == ""
    line = proc.stderr.strip()
    assert line == (
        f"ocitrace: error: {basic.host}: login failed: the registry rejected the credentials "
        "for alice (hint: check the user name and password (or token); nothing was stored)"
    )
    assert WRONG not in proc.stderr
    assert not (tmp_path / ".docker").exists()
    # an existing file is left byte for byte
    cfg = docker_config(tmp_path)
    cfg.parent.mkdir()
    cfg.write_bytes(b'{"auths": {}, "credsStore": ""}')
    assert login(basic, tmp_path, password=WRONG).returncode == exitcodes.AUTH
    assert cfg.read_bytes() == b'{"auths": {}, "credsStore": ""}'


def test_password_flag_warns_like_docker(basic: RunningRegistry, tmp_path: Path) -> None:
    proc = run_cli("login", basic.host, "-u", "alice", "-p", PASSWORD, home=tmp_path, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0] == (
        "WARNING! Using --password via the CLI is insecure. Use --password-stdin."
    )
    assert PASSWORD not in proc.stderr + proc.stdout


def test_missing_user_or_password_is_usage(basic: RunningRegistry, tmp_path: Path) -> None:
    no_user = run_cli(
        "login", basic.host, "--password-stdin", stdin=PASSWORD, home=tmp_path, text=True
    )
    assert no_user.returncode == exitcodes.USAGE
    assert "login needs a user name" in no_user.stderr
    no_password = run_cli("login", basic.host, "-u", "alice", home=tmp_path, text=True)
    assert no_password.returncode == exitcodes.USAGE
    assert "stdin is not a terminal" in no_password.stderr
    assert not (tmp_path / ".docker").exists()


def test_token_registry_login(token: RunningRegistry, tmp_path: Path) -> None:
    before = len(token.token_requests())
    ok = login(token, tmp_path)
    assert ok.returncode == 0, ok.stderr
    asked = token.token_requests()[before:]
    assert [r["user"] for r in asked] == ["alice"]  # the token request carried the login
    bad = login(token, tmp_path / "other", password=WRONG)
    assert bad.returncode == exitcodes.AUTH
    assert not (tmp_path / "other" / ".docker").exists()
    manifest = run_cli("manifest", f"{token.host}/cli/single:v1", home=tmp_path)
    assert manifest.returncode == 0, manifest.stderr


def test_logout_removes_every_spelling_and_keeps_the_rest(
    basic: RunningRegistry, tmp_path: Path
) -> None:
    cfg = docker_config(tmp_path)
    cfg.parent.mkdir()
    cfg.write_text(
        json.dumps(
            {
                "auths": {
                    f"https://{basic.host}": {"auth": b64("alice:old")},
                    "other.example": {"auth": b64("bob:x")},
                },
                "detachKeys": "ctrl-e,e",
            }
        )
    )
    assert login(basic, tmp_path).returncode == 0
    out = run_cli("logout", basic.host, home=tmp_path, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == (
        f"Removing login credentials for https://{basic.host}, {basic.host} from {cfg}\n"
    )
    assert json.loads(cfg.read_text()) == {
        "auths": {"other.example": {"auth": b64("bob:x")}},
        "detachKeys": "ctrl-e,e",
    }
    assert mode_of(cfg) == 0o600
    again = run_cli("logout", basic.host, home=tmp_path, text=True)
    assert (again.returncode, again.stdout) == (0, f"Not logged in to {basic.host}\n")
    tags = run_cli("tags", f"{basic.host}/cli/single", home=tmp_path)
    assert tags.returncode == exitcodes.AUTH


# --- credential helper -----------------------------------------------------------------

HELPER = """#!{python}
import json, sys
action = sys.argv[1:]
data = sys.stdin.read()
with open({log!r}, "a") as f:
    f.write(json.dumps({{"argv": action, "stdin": data}}) + "\\n")
store = json.load(open({store!r})) if __import__("os").path.exists({store!r}) else {{}}
if action == ["store"]:
    doc = json.loads(data)
    store[doc["ServerURL"]] = [doc["Username"], doc["Secret"]]
elif action == ["erase"]:
    store.pop(data.strip(), None)
elif action == ["get"]:
    if data.strip() not in store:
        print("credentials not found in native keychain"); sys.exit(1)
    user, secret = store[data.strip()]
    print(json.dumps({{"ServerURL": data.strip(), "Username": user, "Secret": secret}}))
json.dump(store, open({store!r}, "w"))
"""


def fake_helper(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """``docker-credential-ocitest`` in a directory only the run's environ PATH names."""
    bindir = tmp_path / "helper-bin"
    bindir.mkdir()
    log = tmp_path / "helper.log"
    script = bindir / "docker-credential-ocitest"
    script.write_text(
        HELPER.format(python=sys.executable, log=str(log), store=str(tmp_path / "keychain.json"))
    )
    script.chmod(0o755)
    assert str(bindir) not in os.environ.get("PATH", "")
    return {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}, log


def calls(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines()]


@pytest.mark.parametrize("where", ["credsStore", "credHelpers"])
def test_login_through_a_credential_helper_on_the_environ_path(
    basic: RunningRegistry, tmp_path: Path, where: str
) -> None:
    env, log = fake_helper(tmp_path)
    cfg = docker_config(tmp_path)
    cfg.parent.mkdir()
    helper_conf = (
        {"credsStore": "ocitest"}
        if where == "credsStore"
        else {"credHelpers": {basic.host: "ocitest"}}
    )
    cfg.write_text(json.dumps({**helper_conf, "currentContext": "default"}))
    proc = login(basic, tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "unencrypted" not in proc.stderr
    assert proc.stderr == "credentials stored by docker-credential-ocitest\n"
    assert calls(log) == [
        {
            "argv": ["store"],  # the secret only on stdin
            "stdin": json.dumps({"ServerURL": basic.host, "Username": "alice", "Secret": PASSWORD}),
        }
    ]
    assert json.loads(cfg.read_text()) == {
        **helper_conf,
        "currentContext": "default",
        "auths": {basic.host: {}},
    }
    assert mode_of(cfg) == 0o600
    # later commands get the secret back from the helper (found on the environ's PATH)
    tags = run_cli("tags", f"{basic.host}/cli/single", home=tmp_path, env=env)
    assert (tags.returncode, tags.stdout) == (0, b"v1\n"), tags.stderr
    assert calls(log)[1] == {"argv": ["get"], "stdin": basic.host}
    out = run_cli("logout", basic.host, home=tmp_path, env=env, text=True)
    assert out.returncode == 0, out.stderr
    assert calls(log)[2] == {"argv": ["erase"], "stdin": basic.host}
    assert json.loads(cfg.read_text())["auths"] == {}
    assert json.loads((tmp_path / "keychain.json").read_text()) == {}


def test_helper_not_on_the_environ_path_is_a_config_error(
    basic: RunningRegistry, tmp_path: Path
) -> None:
    fake_helper(tmp_path)  # installed, but the run's PATH does not name its directory
    cfg = docker_config(tmp_path)
    cfg.parent.mkdir()
    cfg.write_text(json.dumps({"credsStore": "ocitest"}))
    proc = login(basic, tmp_path, env={"PATH": "/usr/bin:/bin"})
    assert proc.returncode == exitcodes.USAGE
    assert "credential helper docker-credential-ocitest not found on PATH" in proc.stderr
    assert json.loads(cfg.read_text()) == {"credsStore": "ocitest"}


# --- where: --authfile, REGISTRY_AUTH_FILE, --docker-config -------------------------------


def test_login_targets_by_precedence(basic: RunningRegistry, tmp_path: Path) -> None:
    entry = {"auth": b64("alice:wonderland")}
    authfile = tmp_path / "auth.json"
    assert login(basic, tmp_path, "--authfile", str(authfile)).returncode == 0
    assert json.loads(authfile.read_text()) == {"auths": {basic.host: entry}}
    assert mode_of(authfile) == 0o600
    assert not (tmp_path / ".docker").exists()

    env_file = tmp_path / "env-auth.json"
    env = {"REGISTRY_AUTH_FILE": str(env_file)}
    assert login(basic, tmp_path, env=env).returncode == 0
    assert json.loads(env_file.read_text()) == {"auths": {basic.host: entry}}
    assert not (tmp_path / ".docker").exists()

    dcfg = tmp_path / "dcfg"
    assert login(basic, tmp_path, "--docker-config", str(dcfg), env=env).returncode == 0
    assert json.loads((dcfg / "config.json").read_text()) == {"auths": {basic.host: entry}}
    assert mode_of(dcfg / "config.json") == 0o600

    # logout goes to the same place, and says what is left elsewhere
    assert login(basic, tmp_path).returncode == 0  # ~/.docker (here $DOCKER_CONFIG)
    out = run_cli("logout", basic.host, "--authfile", str(authfile), home=tmp_path, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"Removing login credentials for {basic.host} from {authfile}\n"
    assert json.loads(authfile.read_text()) == {"auths": {}}
    assert out.stderr == (
        f"note: credentials for {basic.host} are still found in "
        f"{docker_config(tmp_path)} [{basic.host}]\n"
    )


def test_read_precedence_authfile_docker_config_env(basic: RunningRegistry, tmp_path: Path) -> None:
    right, wrong = {"auth": b64("alice:wonderland")}, {"auth": b64("alice:nope")}

    def write(path: Path, entry: dict[str, str]) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"auths": {basic.host: entry}}))
        return path

    def tags(*flags: str, env: dict[str, str] | None = None) -> int:
        return run_cli(
            "tags", *flags, f"{basic.host}/cli/single", home=tmp_path, env=env
        ).returncode

    write(docker_config(tmp_path), wrong)  # $DOCKER_CONFIG (run_cli's home)
    good = write(tmp_path / "good.json", right)
    bad = write(tmp_path / "bad.json", wrong)
    good_dir = write(tmp_path / "good-dir" / "config.json", right).parent
    assert tags() == exitcodes.AUTH
    assert tags("--authfile", str(good)) == 0  # --authfile before the docker config
    assert tags(env={"REGISTRY_AUTH_FILE": str(good)}) == 0  # and so is its variable
    assert tags("--docker-config", str(good_dir), env={"REGISTRY_AUTH_FILE": str(bad)}) == 0
    assert tags("--authfile", str(bad), "--docker-config", str(good_dir)) == exitcodes.AUTH


# --- the keys docker writes ----------------------------------------------------------------


def test_docker_hub_and_registry_argument_normalisation(tmp_path: Path) -> None:
    for text in (
        "docker.io",
        "index.docker.io",
        "https://index.docker.io/v1/",
        "registry-1.docker.io",
    ):
        assert _login_registry(text) == "docker.io"
    assert _login_registry("https://127.0.0.1:5000/") == "127.0.0.1:5000"
    assert _login_registry("GHCR.io") == "ghcr.io"
    docker = CredentialFile("docker", tmp_path / "d" / "config.json", "--docker-config")
    containers = CredentialFile("containers", tmp_path / "auth.json", "--authfile")
    assert store_login(docker, "docker.io", "u", "p").keys == (DOCKER_HUB_KEY,)
    assert store_login(containers, "docker.io", "u", "p").keys == ("docker.io",)
    assert json.loads(docker.path.read_text()) == {"auths": {DOCKER_HUB_KEY: {"auth": b64("u:p")}}}
    assert json.loads(containers.path.read_text()) == {"auths": {"docker.io": {"auth": b64("u:p")}}}
    erased = erase_login(docker, "docker.io")
    assert erased is not None and erased.keys == (DOCKER_HUB_KEY,)
    assert erase_login(docker, "docker.io") is None


def test_symlinked_config_is_written_through_the_link(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.json"
    real.parent.mkdir()
    real.write_text('{"auths": {}, "psFormat": "x"}')
    link_dir = tmp_path / "d"
    link_dir.mkdir()
    (link_dir / "config.json").symlink_to(real)
    docker = CredentialFile("docker", link_dir / "config.json", "--docker-config")
    store_login(docker, "127.0.0.1:5000", "u", "p")
    assert (link_dir / "config.json").is_symlink()
    assert json.loads(real.read_text()) == {
        "auths": {"127.0.0.1:5000": {"auth": b64("u:p")}},
        "psFormat": "x",
    }


def test_verbose_login_never_shows_the_password(basic: RunningRegistry, tmp_path: Path) -> None:
    for password in (PASSWORD, WRONG):
        proc = run_cli(
            "-vv",
            "login",
            basic.host,
            "-u",
            "alice",
            "--password-stdin",
            stdin=password,
            home=tmp_path,
            text=True,
        )
        assert f"GET http://{basic.host}/v2/" in proc.stderr  # the check was logged
        assert password not in proc.stderr + proc.stdout
        assert b64(f"alice:{password}") not in proc.stderr
    assert proc.returncode == exitcodes.AUTH


def test_login_to_a_registry_without_auth_says_so(
    registry: RunningRegistry, tmp_path: Path
) -> None:
    proc = login(registry, tmp_path)
    assert (proc.returncode, proc.stdout) == (0, "Login Succeeded\n")
    assert proc.stderr.startswith(
        f"note: {registry.host} answered without asking for credentials; stored anyway\n"
    )
    assert json.loads(docker_config(tmp_path).read_text()) == {
        "auths": {registry.host: {"auth": b64("alice:wonderland")}}
    }


def test_login_is_refused_when_the_token_realm_would_not_get_the_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A realm outside the registry's domain is asked anonymously (issue 12 item 3): a token
    it hands out proves nothing about the password, so login must not report success."""
    registry, realm, token_value = "registry.example.test", "auth.elsewhere.test", "tok"

    def handler(seen: Seen) -> Reply:
        if seen.target.startswith(f"http://{registry}/"):
            if seen.header("Authorization") != f"Bearer {token_value}":
                challenge = f'Bearer realm="http://{realm}/token",service="svc"'
                return Reply(401, {"WWW-Authenticate": challenge}, b"")
            return Reply(200, {"Content-Type": "application/json"}, b"{}")
        return Reply(200, {"Content-Type": "application/json"}, b'{"token": "tok"}')

    with HostileServer(handler) as srv:
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, srv.url)
        for name in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv("all_proxy", raising=False)
        options: dict[str, object] = {
            "insecure_registries": [registry, realm],
            "docker_config_dir": tmp_path / "d",
            "timeout": 5.0,
        }
        with Client(**options) as oc, pytest.raises(Unauthorized) as caught:  # type: ignore[arg-type]
            oc.login(registry, "alice", PASSWORD)
        assert "the token realm would not receive the credentials" in str(caught.value)
        assert not (tmp_path / "d").exists()
        asked = [s for s in srv.seen if s.target.startswith(f"http://{realm}/")]
        assert asked and all(s.header("Authorization") is None for s in asked)
        with Client(**options, auth_realm_hosts=[realm]) as oc:  # type: ignore[arg-type]
            done = oc.login(registry, "alice", PASSWORD)
        assert done.path == tmp_path / "d" / "config.json"
        asked = [s for s in srv.seen if s.target.startswith(f"http://{realm}/")]
        assert asked[-1].header("Authorization") == "Basic " + b64(f"alice:{PASSWORD}")


def test_every_registry_command_takes_authfile_and_docker_config() -> None:
    import argparse

    from ocitrace.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    with_registry = set()
    for name, command in sub.choices.items():
        flags = {flag for action in command._actions for flag in action.option_strings}
        if "--insecure-registry" in flags:
            with_registry.add(name)
            assert {"--authfile", "--docker-config"} <= flags, name
            assert "--authfile FILE, --docker-config DIR/config.json" in command.format_help()
    assert {"login", "logout", "config", "blob", "tags", "manifest", "audit"} <= with_registry
