"""``berth cp``: copy files between a container and the local filesystem, docker's rules.

``CONTAINER:SRC DEST``: a directory DEST receives SRC under its own name; a
DEST that does not exist becomes the copy (its parent must exist); ``SRC/.``
copies what the directory holds; ``-`` writes the tar to stdout.
``SRC CONTAINER:DEST``: the same the other way (``-`` reads a tar from stdin).
Ownership is kept as root runs it; links are copied as links.
"""

from __future__ import annotations

import os
import posixpath
import sys
import tarfile
import tempfile

from berth.cli.usage import ARGS_ERROR, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import IO

    from berth.client import Client
    from berth.client.http import Response


def split(arg: str) -> tuple[str | None, str]:
    """``container:path`` -> (container, path); a local path (``./a:b``, ``/x``) -> (None, arg)."""
    if arg.startswith(("/", ".")) or ":" not in arg:
        return None, arg
    container, _, path = arg.partition(":")
    return container, path


def _renamed(member: tarfile.TarInfo, old: str, new: str) -> tarfile.TarInfo:
    head, sep, rest = member.name.partition("/")
    if head == old:
        member.name = new + sep + rest
    return member


class _Body:
    """A response body as the file object tarfile's stream mode reads (short reads ok)."""

    def __init__(self, resp: Response) -> None:
        self.resp = resp

    def read(self, size: int = -1) -> bytes:
        return self.resp.read1(size if size > 0 else 1 << 16)


_LINK_HOPS = 40  # as the kernel's own limit


def _followed(client: Client, container: str, src: str) -> str:
    """``-L``: the path a symlink ``src`` in the container leads to (each hop's target
    joined to its link's directory, as the docker CLI joins it); ``src`` if no link."""
    path = src.rstrip("/") or "/"
    for _ in range(_LINK_HOPS):
        stat = client.containers.archive_stat(container, path)
        if not (stat.get("mode", 0) & (1 << 27)) or not stat.get("linkTarget"):  # Go's ModeSymlink
            return path
        path = posixpath.normpath(posixpath.join(posixpath.dirname(path), stat["linkTarget"]))
    raise OSError(40, f"too many levels of symbolic links: {src}")


def copy_from(client: Client, container: str, src: str, dest: str,
              follow: bool = False) -> None:
    fetched = _followed(client, container, src) if follow else src.rstrip("/") or "/"
    resp = client.containers.get_archive(container, fetched)
    try:
        if dest == "-":
            while chunk := resp.read1():
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return
        contents_only = src.endswith("/.")
        base = os.path.basename(os.path.normpath(src)) or "."
        archived = posixpath.basename(fetched) or "."  # a followed link's target's name
        if os.path.isdir(dest):
            target, new = dest, base
        else:
            parent = os.path.dirname(os.path.abspath(dest))
            if not os.path.isdir(parent):
                raise FileNotFoundError(f"destination directory {parent} does not exist")
            target, new = parent, os.path.basename(os.path.abspath(dest))
        if contents_only:
            os.makedirs(dest, exist_ok=True)
            target, new = dest, ""
        body = _Body(resp)
        with tarfile.open(fileobj=body, mode="r|") as tar:  # type: ignore[call-overload]
            for member in tar:
                if contents_only:
                    if member.name == archived:
                        continue
                    member.name = member.name.partition("/")[2]
                else:
                    _renamed(member, archived, new)
                tar.extract(member, target, filter="tar" if os.getuid() else "fully_trusted")
    finally:
        resp.close()


def copy_to(client: Client, src: str, container: str, dest: str,
            follow: bool = False, archive: bool = False) -> None:
    """``follow`` (``-L``): a symlink ``src`` is copied as what it leads to, under its
    own name; ``archive`` (``-a``): berthd gives what is copied to the container's user."""
    if src == "-":
        client.containers.put_archive(container, dest, sys.stdin.buffer, copy_uid_gid=archive)
        return
    if not os.path.lexists(src):
        raise FileNotFoundError(f"no such file or directory: {src}")
    named = src
    try:
        stat = client.containers.archive_stat(container, dest)
    except Exception as e:
        if getattr(e, "status", None) != 404:
            raise
        stat = None
    if stat is not None and stat.get("mode", 0) & (1 << 31):  # an existing directory
        into, name = dest, os.path.basename(os.path.normpath(named))
    else:
        into, name = os.path.dirname(dest.rstrip("/")) or "/", os.path.basename(dest.rstrip("/"))
    if follow and os.path.islink(src.rstrip("/")):
        src = os.path.realpath(src)
        if not os.path.exists(src):
            raise FileNotFoundError(f"no such file or directory: {named}")
    contents_only = named.endswith("/.") and os.path.isdir(src)
    with tempfile.TemporaryFile() as spool:
        _write_tar(spool, src, name, contents_only)
        size = spool.tell()
        spool.seek(0)
        client.containers.put_archive(container, into, spool, size, copy_uid_gid=archive)


def _write_tar(out: IO[bytes], src: str, name: str, contents_only: bool) -> None:
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        if contents_only:
            for entry in sorted(os.listdir(src)):
                tar.add(os.path.join(src, entry), arcname=entry)
        else:
            tar.add(src, arcname=name)


def run(args: argparse.Namespace, client: Client) -> int:
    (src_c, src), (dest_c, dest) = split(args.src), split(args.dest)
    if src_c and dest_c:
        raise UsageError("copying between containers is not supported", "cp", ARGS_ERROR)
    if not src_c and not dest_c:
        raise UsageError("must specify at least one container source", "cp", ARGS_ERROR)
    try:
        if src_c:
            copy_from(client, src_c, src, dest, args.follow_link)
        else:
            assert dest_c is not None
            copy_to(client, src, dest_c, dest, args.follow_link, args.archive)
    except (OSError, tarfile.TarError) as e:
        print(f"berth: {e}", file=sys.stderr)
        return 1
    if not args.quiet and dest != "-" and src != "-" and sys.stderr.isatty():
        print(f"Successfully copied to {args.dest}", file=sys.stderr)
    return 0


