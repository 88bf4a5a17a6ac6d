"""Docker's ``config.json`` credentials: read, store and erase, helpers included.

The file is ``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``:
the file ``docker login`` writes, so berth and docker share one login.
Credentials live in ``auths[<key>].auth`` (base64 ``user:password``) or
``identitytoken``, unless a credential helper holds them: ``credHelpers[<key>]``
for one registry, else ``credsStore`` for all, run as
``docker-credential-<name> get|store|erase`` (the server key on stdin for
``get``/``erase``, ``{"ServerURL","Username","Secret"}`` JSON for ``store``;
a username ``<token>`` means the secret is an identity token). The key is the
registry's domain, ``https://index.docker.io/v1/`` for Docker Hub.
"""

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from berth.errors import FailedPrecondition, InvalidArgument

TOKEN_USER = "<token>"


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str = ""
    password: str = ""
    identity_token: str = ""
    server: str = ""

    @property
    def empty(self) -> bool:
        return not (self.username or self.password or self.identity_token)

    def to_header(self) -> str:
        """The ``X-Registry-Auth`` value: base64url of docker's AuthConfig JSON."""
        body: dict[str, str] = {"serveraddress": self.server}
        if self.identity_token:
            body["identitytoken"] = self.identity_token
        else:
            body |= {"username": self.username, "password": self.password}
        return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()

    @classmethod
    def from_header(cls, value: str) -> "Credentials":
        """Parse ``X-Registry-Auth`` (base64url JSON, padding optional); empty on ``{}``."""
        value = value.strip()
        if not value:
            return cls()
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            j = json.loads(raw)
        except (ValueError, TypeError):
            raise InvalidArgument("invalid X-Registry-Auth header") from None
        if not isinstance(j, dict):
            raise InvalidArgument("invalid X-Registry-Auth header")
        return cls(str(j.get("username") or ""), str(j.get("password") or ""),
                   str(j.get("identitytoken") or ""), str(j.get("serveraddress") or ""))


def config_dir() -> Path:
    env = os.environ.get("DOCKER_CONFIG")
    return Path(env) if env else Path.home() / ".docker"


class DockerConfig:
    def __init__(self, directory: Path | None = None) -> None:
        self.path = (directory or config_dir()) / "config.json"

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except ValueError as e:
            raise InvalidArgument(f"{self.path}: not valid JSON: {e}") from None
        return data if isinstance(data, dict) else {}

    def _save(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent="\t")
            f.write("\n")
        os.replace(tmp, self.path)

    def detach_keys(self) -> str:
        """The ``detachKeys`` the docker CLI takes when no ``--detach-keys`` is given."""
        value = self._load().get("detachKeys")
        return value if isinstance(value, str) else ""

    def helper(self, key: str) -> str:
        data = self._load()
        helpers = data.get("credHelpers") or {}
        return str(helpers.get(key) or data.get("credsStore") or "")

    def get(self, key: str) -> Credentials:
        """The stored credentials of a registry key; empty when there are none."""
        name = self.helper(key)
        if name:
            return _helper_get(name, key)
        entry = _entry(self._load().get("auths") or {}, key)
        user, password = "", ""
        if entry.get("auth"):
            try:
                user, _, password = base64.b64decode(entry["auth"]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise InvalidArgument(f"{self.path}: invalid auth for {key}") from None
        return Credentials(user or str(entry.get("username") or ""),
                           password or str(entry.get("password") or ""),
                           str(entry.get("identitytoken") or ""), key)

    def store(self, key: str, creds: Credentials) -> None:
        data = self._load()
        name = self.helper(key)
        auths = data.setdefault("auths", {})
        if name:
            user, secret = ((TOKEN_USER, creds.identity_token) if creds.identity_token
                            else (creds.username, creds.password))
            _run_helper(name, "store", json.dumps(
                {"ServerURL": key, "Username": user, "Secret": secret}))
            auths[key] = {}
        else:
            entry: dict[str, str] = {}
            if creds.identity_token:
                entry["auth"] = base64.b64encode(f"{creds.username}:".encode()).decode()
                entry["identitytoken"] = creds.identity_token
            else:
                entry["auth"] = base64.b64encode(
                    f"{creds.username}:{creds.password}".encode()).decode()
            auths[key] = entry
        self._save(data)

    def erase(self, key: str) -> bool:
        """Forget a registry's credentials; False when there were none."""
        data = self._load()
        auths = data.get("auths") or {}
        name = self.helper(key)
        found = key in auths
        if name:
            try:
                _run_helper(name, "erase", key)
                found = True
            except FailedPrecondition:
                pass
        auths.pop(key, None)
        if found:
            self._save(data)
        return found


def _entry(auths: dict[str, Any], key: str) -> dict[str, Any]:
    """The entry of ``key``, else of a key naming the same host the way docker
    matches them (``https://host:5000/v2/``, ``http://host:5000``)."""
    found = auths.get(key)
    if found is None:
        from berth.registry.client.endpoint import domain_of  # not on `run`'s path

        want = domain_of(key)
        found = next((v for k, v in auths.items() if domain_of(k) == want), None)
    return found if isinstance(found, dict) else {}


def _run_helper(name: str, verb: str, stdin: str) -> str:
    import subprocess  # a helper is rare: kept off the CLI's import path

    program = f"docker-credential-{name}"
    try:
        done = subprocess.run([program, verb], input=stdin.encode(), capture_output=True,
                              timeout=60, check=False)
    except FileNotFoundError:
        raise FailedPrecondition(
            f"error getting credentials - err: exec: \"{program}\": executable file not "
            f"found in $PATH") from None
    out = done.stdout.decode(errors="replace").strip()
    if done.returncode != 0:
        raise FailedPrecondition(f"{program} {verb}: {out or done.stderr.decode().strip()}")
    return out


def _helper_get(name: str, key: str) -> Credentials:
    try:
        out = _run_helper(name, "get", key)
    except FailedPrecondition as e:
        if "credentials not found" in e.message:
            return Credentials(server=key)
        raise
    try:
        j = json.loads(out)
    except ValueError:
        raise FailedPrecondition(f"docker-credential-{name} get: not JSON") from None
    user, secret = str(j.get("Username") or ""), str(j.get("Secret") or "")
    if user == TOKEN_USER:
        return Credentials(identity_token=secret, server=key)
    return Credentials(user, secret, server=key)
