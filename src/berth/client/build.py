"""``POST /build``: the context sent as a tar, the output read as docker's JSON lines.

The context tar is made here, as the docker CLI makes it: every file of the
directory but what ``.dockerignore`` excludes (the pure matcher of
``berth.builder.dockerignore``), the Dockerfile and ``.dockerignore`` always
included; a Dockerfile from outside the context (``-f ../x``, ``-f -``) is added
under a random ``.dockerfile.<hex>`` name the ``dockerfile`` parameter names.
Build secrets (``--secret id=x,src=f``) travel in the tar under
``.berth-build-secrets/<id>``; the ``secrets`` parameter tells berthd to take them
out of the context before the build (they are never part of it).
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence

from berth.builder import SECRETS_DIR

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, BinaryIO

    from berth.client.api import Client



def context_tar(context: str, dockerfile: bytes | None, dockerfile_name: str,
                build_secrets: Mapping[str, str] | None = None) -> tuple[BinaryIO, str]:
    """A temp file holding the context's tar (rewound), and the ``dockerfile`` parameter.

    ``dockerfile``: the Dockerfile's bytes when it is not in the context (then
    ``dockerfile_name`` is ignored), else None and ``dockerfile_name`` its path in it.
    """
    from berth.builder.dockerignore import read_dockerignore

    rules = read_dockerignore(context, None if dockerfile is not None else dockerfile_name)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    keep = {".dockerignore", dockerfile_name.lstrip("./")} if dockerfile is None else set()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for root, dirs, files in os.walk(context):
            rel_root = os.path.relpath(root, context)
            rel_root = "" if rel_root == "." else rel_root
            kept_dirs = []
            for name in sorted(dirs):
                rel = f"{rel_root}/{name}" if rel_root else name
                full = os.path.join(root, name)
                if os.path.islink(full):
                    files.append(name)  # a link to a directory is sent as a link
                    continue
                if rules.can_skip_dir(rel):
                    continue
                kept_dirs.append(name)
                if not rules.matches(rel):
                    tar.add(full, rel, recursive=False, filter=_anonymous)
            dirs[:] = kept_dirs
            for name in sorted(files):
                rel = f"{rel_root}/{name}" if rel_root else name
                if rules.matches(rel) and rel not in keep:
                    continue
                if dockerfile is not None and rel == ".dockerignore":
                    continue  # sent below, with the Dockerfile's name added
                full = os.path.join(root, name)
                if stat.S_ISSOCK(os.lstat(full).st_mode):
                    continue
                tar.add(full, rel, recursive=False, filter=_anonymous)
        param = dockerfile_name
        if dockerfile is not None:
            # the docker CLI's way: the Dockerfile under a random name, which the
            # .dockerignore sent names, so berthd takes it out of the context
            param = f".dockerfile.{os.urandom(10).hex()}"
            _add_bytes(tar, param, dockerfile, 0o600)
            _add_bytes(tar, ".dockerignore", _ignore_file(context) + f"\n{param}\n".encode(),
                       0o644)
        for ident, path in (build_secrets or {}).items():
            with open(path, "rb") as f:
                _add_bytes(tar, f"{SECRETS_DIR}/{ident}", f.read(), 0o400)
    out.seek(0)
    return out, param


def _ignore_file(context: str) -> bytes:
    try:
        with open(os.path.join(context, ".dockerignore"), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b".dockerignore"


def _anonymous(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uname = info.gname = ""
    return info


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def stdin_context(data: bytes) -> BinaryIO:
    """``berth build -``: stdin is the context's tar, or else the Dockerfile alone."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
    if not data:  # an empty context: a remote one berthd fetches
        with tarfile.open(fileobj=out, mode="w"):
            pass
    elif _is_tar(data):
        out.write(data)
    else:
        with tarfile.open(fileobj=out, mode="w") as tar:
            _add_bytes(tar, "Dockerfile", data, 0o644)
    out.seek(0)
    return out


def _is_tar(data: bytes) -> bool:
    return data[:2] == b"\x1f\x8b" or data[:3] == b"BZh" or data[:6] == b"\xfd7zXZ\x00" \
        or data[257:262] == b"ustar"


def build_query(tags: Sequence[str], dockerfile: str, build_args: Mapping[str, str | None],
                target: str, no_cache: bool, pull: bool, cache_from: Sequence[str],
                labels: Mapping[str, str], quiet: bool, network: str,
                extra_hosts: Sequence[str], platform: str, secret_ids: Sequence[str],
                limits: Mapping[str, Any], rm: bool = True,
                force_rm: bool = False) -> list[tuple[str, object]]:
    """The query as (name, value) pairs: ``t`` repeats, as the docker CLI sends it."""
    query: dict[str, Any] = {"dockerfile": dockerfile, "q": quiet, "nocache": no_cache,
                             "pull": pull, "rm": rm, "forcerm": force_rm}
    if build_args:
        query["buildargs"] = json.dumps(dict(build_args))
    if labels:
        query["labels"] = json.dumps(dict(labels))
    if cache_from:
        query["cachefrom"] = json.dumps(list(cache_from))
    for key, value in (("target", target), ("networkmode", network), ("platform", platform)):
        if value:
            query[key] = value
    if extra_hosts:
        query["extrahosts"] = ",".join(extra_hosts)
    if secret_ids:
        query["secrets"] = ",".join(secret_ids)
    query.update({k: v for k, v in limits.items() if v})
    return [("t", t) for t in tags] + list(query.items())


class BuildAPI:
    def __init__(self, client: Client) -> None:
        self.client = client

    def build(self, tar: BinaryIO, query: list[tuple[str, object]]) -> Iterator[dict[str, Any]]:
        """Send the context (a file); yield the messages, the ``errorDetail`` one too
        (its ``code`` is a failed RUN's exit code: docker build exits with it)."""
        size = os.fstat(tar.fileno()).st_size - tar.tell()
        resp = self.client.request("POST", "/build", query, body=tar, body_size=size,
                                   headers={"Content-Type": "application/x-tar"})
        for line in resp.iter_lines():
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict):
                yield msg

    def prune(self) -> dict[str, Any]:
        return dict(self.client.call("POST", "/build/prune") or {})
