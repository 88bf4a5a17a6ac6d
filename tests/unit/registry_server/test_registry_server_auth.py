"""htpasswd files and bcrypt checks of the registry server (libcrypt, no server)."""

import base64
import subprocess
from pathlib import Path

import pytest

from berth.errors import InvalidArgument
from berth.registry.server.auth import BasicAuth, load_htpasswd


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def _entry(user: str, password: str) -> str:
    out = subprocess.run(["htpasswd", "-nbB", user, password], check=True,
                         capture_output=True, text=True).stdout
    return out.strip()


def test_bcrypt_entries_of_every_prefix(tmp_path: Path) -> None:
    y = _entry("alice", "pw1")
    b = _entry("bob", "pw:2").replace("$2y$", "$2b$", 1)  # the same hash, other prefix
    path = tmp_path / "htpasswd"
    path.write_text(f"# users\n{y}\n\n{b}\n")
    auth = BasicAuth(load_htpasswd(path))
    assert auth.check(_basic("alice", "pw1"))
    assert auth.cached(_basic("alice", "pw1"))
    assert auth.check(_basic("bob", "pw:2"))  # a colon in the password
    assert not auth.check(_basic("alice", "pw2"))
    assert not auth.cached(_basic("alice", "pw2"))
    assert not auth.check(_basic("carol", "pw1"))
    for header in (None, "", "Bearer x", "Basic !!!", "Basic " + base64.b64encode(b"alice")
                   .decode()):
        assert not auth.check(header)


@pytest.mark.parametrize("line, message", [
    ("alice:$apr1$abc$def", "not bcrypt"),
    ("alice:{SHA}abc=", "not bcrypt"),
    ("no colon here", "not 'user:hash'"),
])
def test_refused_lines(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "htpasswd"
    path.write_text(line + "\n")
    with pytest.raises(InvalidArgument, match=message):
        load_htpasswd(path)
