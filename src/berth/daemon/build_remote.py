"""A build context fetched by berthd (``POST /build?remote=``), as dockerd fetches one.

- A git URL (``git://``, ``git@``, ``github.com/...``, or ``http(s)://...`` ending in
  ``.git``), with docker's ``#ref:subdir`` fragment: ``git clone --depth 1`` of the
  ref (whole from a dumb HTTP server, which cannot be shallow), the subdir as the
  context; no submodules, no prompt for credentials.
- Any other http(s) URL: a tar (plain or compressed) is unpacked as the context;
  anything else is the Dockerfile, alone in the context (dockerd's rule).

What comes back is as hostile as any context: it is unpacked with the same checks
and read only from inside (``berth.builder.context``).
"""

import os
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from berth.builder.context import unpack
from berth.diff.compression import PeekReader
from berth.errors import InvalidArgument

_TIMEOUT = 120
_TAR_MAGIC = (b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd")


def is_git(url: str) -> bool:
    return url.startswith(("git://", "git@", "github.com/")) or (
        url.startswith(("http://", "https://")) and url.split("#", 1)[0].endswith(".git"))


def fetch(url: str, dest: Path) -> bool:
    """Fill the new dir ``dest`` with the context at ``url``; True when it is a lone
    Dockerfile (then its name is ``Dockerfile``, whatever the request said)."""
    if is_git(url):
        _clone(url, dest)
        return False
    if not url.startswith(("http://", "https://")):
        raise InvalidArgument(f"unable to prepare context: {url!r} is not a URL berth fetches "
                              "(http, https or git)")
    try:
        resp = urllib.request.urlopen(url, timeout=_TIMEOUT)
    except OSError as e:
        raise InvalidArgument(f"unable to prepare context: {url}: {e}") from None
    with resp:
        reader = PeekReader(resp)
        head = reader.peek(512)
        if head.startswith(_TAR_MAGIC) or head[257:262] == b"ustar":
            unpack(reader, dest)
            return False
        dest.mkdir(parents=True, mode=0o700)
        with open(dest / "Dockerfile", "wb") as f:
            while data := reader.read(1 << 20):
                f.write(data)
        return True


def _clone(url: str, dest: Path) -> None:
    repo, _, fragment = url.partition("#")
    ref, _, subdir = fragment.partition(":")
    if repo.startswith("github.com/"):
        repo = "https://" + repo
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        checkout = Path(tmp) / "repo"
        args = ["git", "clone", "--no-recurse-submodules"]
        if ref:
            args += ["--branch", ref]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_TERMINAL_PROMPT": "0",
               "HOME": tmp}

        def clone(*extra: str) -> subprocess.CompletedProcess[str]:
            shutil.rmtree(checkout, ignore_errors=True)
            return subprocess.run([*args, *extra, "--", repo, str(checkout)],
                                  capture_output=True, text=True, timeout=_TIMEOUT, env=env,
                                  stdin=subprocess.DEVNULL)

        r = clone("--depth", "1")
        if r.returncode != 0 and "shallow" in r.stderr:  # a dumb HTTP server, as dockerd
            r = clone()
        if r.returncode != 0:
            raise InvalidArgument(f"unable to prepare context: unable to 'git clone' to "
                                  f"temporary context directory: {r.stderr.strip()}")
        shutil.rmtree(checkout / ".git", ignore_errors=True)
        source = checkout
        if subdir:
            source = (checkout / subdir).resolve()
            if not source.is_relative_to(checkout.resolve()) or not source.is_dir():
                raise InvalidArgument(f"unable to prepare context: subdirectory {subdir!r} "
                                      "not found in the repository")
        os.rename(source, dest)
