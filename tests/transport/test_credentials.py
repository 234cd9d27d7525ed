"""Credential resolution: docker config (auths, credsStore, credHelpers), containers auth.json."""

from __future__ import annotations

import base64
import json
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from ocitrace.errors import ConfigError
from ocitrace.transport.credentials import (
    ANONYMOUS,
    Credential,
    CredentialStore,
    decode_entry,
    host_key,
    run_helper,
)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def write_json(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


FAKE_HELPER = """#!{python}
# docker-credential-helpers protocol: "get" reads the server URL on stdin.
import json, sys
store = {store}
url = sys.stdin.read().strip()
with open({log!r}, "a") as f:
    f.write(sys.argv[1] + " " + url + "\\n")
if url in store:
    user, secret = store[url]
    print(json.dumps({{"ServerURL": url, "Username": user, "Secret": secret}}))
elif url == "broken.example":
    print("keychain locked"); sys.exit(3)
else:
    print("credentials not found in native keychain"); sys.exit(1)
"""


@pytest.fixture
def fake_helper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``docker-credential-fake`` on PATH; returns the file it logs its calls to."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "helper.log"
    store = {
        "https://index.docker.io/v1/": ["hubuser", "hubpass"],
        "helper.example": ["<token>", "refresh-123"],
        "https://plain.example": ["plainuser", "plainpass"],
    }
    script = bindir / "docker-credential-fake"
    script.write_text(
        FAKE_HELPER.format(python=sys.executable, store=json.dumps(store), log=str(log))
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bindir}:{Path(sys.executable).parent}:/usr/bin:/bin")
    return log


def store_for(tmp_path: Path, **kw: Any) -> CredentialStore:
    env = {"HOME": str(tmp_path / "home")}
    env.update(kw.pop("env", {}))
    return CredentialStore(docker_config_dir=str(tmp_path / "docker"), environ=env, **kw)


def test_host_key_normalisation() -> None:
    assert host_key("https://index.docker.io/v1/") == "docker.io"
    assert host_key("registry-1.docker.io") == "docker.io"
    assert host_key("http://Host.Example:5000/v2/") == "host.example:5000"
    assert host_key("quay.io") == "quay.io"


def test_auths_entry_forms() -> None:
    cred = decode_entry({"auth": b64("user:pa:ss\x00\x00")}, "x")
    assert cred is not None and (cred.username, cred.password) == ("user", "pa:ss")
    assert decode_entry({}, "x") is None
    assert decode_entry({"auth": ""}, "x") is None
    tok = decode_entry(
        {"username": "00000000-0000-0000-0000-000000000000", "identitytoken": "rt"}, "x"
    )
    assert tok is not None and tok.identity_token == "rt" and tok.username.startswith("0000")
    assert decode_entry({"auth": b64("<token>:rt2")}, "x") == Credential(
        identity_token="rt2", source="x"
    )
    reg = decode_entry({"registrytoken": "bearer-x"}, "x")
    assert reg is not None and reg.registry_token == "bearer-x"
    with pytest.raises(ConfigError):
        decode_entry({"auth": b64("no-colon")}, "cfg")


def test_secrets_not_in_repr() -> None:
    text = repr(Credential("alice", "s3cret", "idtok", "regtok", "src"))
    assert "s3cret" not in text and "idtok" not in text and "regtok" not in text and "alice" in text


def test_docker_config_auths_with_url_keys(tmp_path: Path) -> None:
    write_json(
        tmp_path / "docker" / "config.json",
        {
            "auths": {
                "https://index.docker.io/v1/": {"auth": b64("hub:pw")},
                "http://r.example:5000/v2/": {"auth": b64("r:pw2")},
            }
        },
    )
    store = store_for(tmp_path)
    assert store.lookup("docker.io").username == "hub"
    assert store.lookup("r.example:5000").password == "pw2"
    assert store.lookup("r.example") is ANONYMOUS
    assert store.lookup("other.example") is ANONYMOUS


def test_docker_config_env_var_and_explicit_wins(tmp_path: Path) -> None:
    write_json(
        tmp_path / "elsewhere" / "config.json", {"auths": {"q.example": {"auth": b64("env:pw")}}}
    )
    env = {"HOME": str(tmp_path), "DOCKER_CONFIG": str(tmp_path / "elsewhere")}
    assert CredentialStore(environ=env).lookup("q.example").username == "env"
    explicit = CredentialStore(username="cli", password="clipw", environ=env).lookup("q.example")
    assert (explicit.username, explicit.password) == ("cli", "clipw")


def test_creds_store_and_token_username(tmp_path: Path, fake_helper: Path) -> None:
    write_json(
        tmp_path / "docker" / "config.json",
        {"auths": {"https://index.docker.io/v1/": {}}, "credsStore": "fake"},
    )
    store = store_for(tmp_path)
    hub = store.lookup("docker.io")
    assert (hub.username, hub.password, hub.identity_token) == ("hubuser", "hubpass", "")
    tok = store.lookup("helper.example")
    assert (tok.username, tok.password, tok.identity_token) == ("", "", "refresh-123")
    # a helper that stored the https:// form is still found
    assert store.lookup("plain.example").username == "plainuser"
    assert store.lookup("nothing.example") is ANONYMOUS
    calls = fake_helper.read_text().splitlines()
    assert calls[0] == "get https://index.docker.io/v1/"
    # memoised: a second lookup does not run the helper again
    store.lookup("docker.io")
    assert len(fake_helper.read_text().splitlines()) == len(calls)


def test_cred_helpers_take_precedence_over_inline_auths(tmp_path: Path, fake_helper: Path) -> None:
    write_json(
        tmp_path / "docker" / "config.json",
        {
            "auths": {
                "helper.example": {"auth": b64("inline:pw")},
                "inline.example": {"auth": b64("in:pw")},
            },
            "credHelpers": {"helper.example": "fake"},
        },
    )
    store = store_for(tmp_path)
    assert store.lookup("helper.example").identity_token == "refresh-123"
    assert store.lookup("inline.example").username == "in"
    assert fake_helper.read_text().splitlines() == ["get helper.example"]


def test_helper_failures(tmp_path: Path, fake_helper: Path) -> None:
    with pytest.raises(
        ConfigError, match="docker-credential-fake failed \\(exit 3\\): keychain locked"
    ):
        run_helper("fake", "broken.example")
    with pytest.raises(ConfigError, match="docker-credential-missing not found on PATH"):
        run_helper("missing", "x")


def test_containers_auth_json_most_specific_namespace(tmp_path: Path) -> None:
    runtime = tmp_path / "run"
    write_json(
        runtime / "containers" / "auth.json",
        {
            "auths": {
                "quay.io": {"auth": b64("org:1")},
                "quay.io/team": {"auth": b64("team:2")},
                "quay.io/team/app": {"auth": b64("app:3")},
                "docker.io/library": {"auth": b64("lib:4")},
            }
        },
    )
    store = store_for(tmp_path, env={"XDG_RUNTIME_DIR": str(runtime)})
    assert store.lookup("quay.io", "team/app").username == "app"
    assert store.lookup("quay.io", "team/other").username == "team"
    assert store.lookup("quay.io", "solo/x").username == "org"
    assert store.lookup("docker.io", "library/alpine").username == "lib"


def test_registry_auth_file_overrides_runtime_dir_and_docker_config_first(tmp_path: Path) -> None:
    write_json(
        tmp_path / "run" / "containers" / "auth.json",
        {"auths": {"a.example": {"auth": b64("runtime:1")}}},
    )
    explicit = write_json(
        tmp_path / "my-auth.json", {"auths": {"a.example": {"auth": b64("file:2")}}}
    )
    write_json(
        tmp_path / "cfg" / "containers" / "auth.json",
        {"auths": {"b.example": {"auth": b64("xdg:3")}}},
    )
    env = {
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "REGISTRY_AUTH_FILE": str(explicit),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    store = store_for(tmp_path, env=env)
    assert store.lookup("a.example").username == "file"
    assert store.lookup("b.example").username == "xdg"
    write_json(
        tmp_path / "docker" / "config.json", {"auths": {"a.example": {"auth": b64("docker:0")}}}
    )
    assert store_for(tmp_path, env=env).lookup("a.example").username == "docker"


def test_broken_config_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"config\.json is not valid JSON"):
        store_for(tmp_path).lookup("x.example")
