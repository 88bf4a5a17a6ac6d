"""The build context: a tar unpacked into a private directory, read only from inside it.

Every context reaches the builder as a tar (the API's body, a tar on the CLI's
stdin, a remote tar or git checkout made into one). It is unpacked once into
``<data-root>/builder/contexts/<id>`` with Python's ``data`` checks (no absolute
names, no ``..``, no hard link pointing out, no device nodes, nothing written
through a link) but the modes kept, as dockerd keeps them; a symlink may point
anywhere, as in docker's contexts. Nothing in it is read until a step needs it, and a path the
Dockerfile names is resolved inside the context (``Tree.resolve``): a symlink is
followed as if the context were ``/`` (docker's FollowSymlinkInScope), so a link
pointing out of the context leads back into it, never to the host.
"""

import os
import shutil
import stat
import tarfile
from pathlib import Path

from berth.builder.sources import Tree
from berth.diff.compression import Reader
from berth.errors import InvalidArgument, NotFound


def _checked(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    if member.issym():
        # A symlink may point anywhere, as in docker's contexts: the builder follows it
        # inside the context only. Its name is checked; a later entry written through
        # it is refused by the name check (realpath follows the links already made).
        tarfile.data_filter(member.replace(linkname=".", deep=False), dest)
        return member.replace(uid=0, gid=0, uname="", gname="", deep=False)
    safe = tarfile.data_filter(member, dest)  # raises on what could reach out
    # the data filter also drops group write and the set-id bits: dockerd keeps them
    return safe.replace(mode=member.mode & 0o7777, uid=0, gid=0, uname="", gname="",
                        deep=False)


def unpack(stream: Reader, dest: Path) -> None:
    """Unpack a context tar (plain or compressed) into the new dir ``dest``."""
    dest.mkdir(parents=True, mode=0o700)
    try:
        with tarfile.open(fileobj=stream, mode="r|*") as tar:  # type: ignore[call-overload]
            for member in tar:
                if member.isdev():
                    continue  # a context's device node has no use in a build
                tar.extract(member, dest, set_attrs=True, filter=_checked)
    except tarfile.ReadError as e:
        if "empty file" in str(e):
            return  # an empty body: an empty context
        raise InvalidArgument(f"the build context is not a valid tar: {e}") from None
    except tarfile.FilterError as e:
        raise InvalidArgument(f"the build context holds an unsafe entry: {e}") from None


class Context(Tree):
    """The unpacked context: a tree of one dir (``berth.builder.sources``)."""

    def __init__(self, root: Path) -> None:
        super().__init__([str(root)])
        self.root = root

    def read(self, rel: str, limit: int = 16 << 20) -> bytes:
        """A small regular file of the context (a Dockerfile, a .dockerignore)."""
        found = self.entry(self.resolve(rel))
        if found is None or not stat.S_ISREG(found.st.st_mode):
            raise NotFound(f"{rel}: not a regular file")
        with os.fdopen(self.open(found), "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            raise InvalidArgument(f"{rel}: larger than {limit} bytes")
        return data

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
