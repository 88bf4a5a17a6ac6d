"""Disk usage of a tree, counted the way dockerd's ``directory.Size`` counts it.

The trees are a container's upper dir and volumes, which the container changes
while they are counted: the walk goes by directory fd (one open per level), so a
directory swapped for a symlink to the host is counted as the symlink it now
is, never followed.
"""

import errno
import os
import stat
from collections.abc import Iterator

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def open_dir_at(parent: int | None, name: str | os.PathLike[str]) -> int | None:
    """``name`` (under the directory fd ``parent``) as a directory fd, never through a
    symlink; None when it is gone or no directory (now)."""
    try:
        return os.open(name, _DIR, dir_fd=parent)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        if e.errno == errno.ELOOP:  # a symlink now
            return None
        raise


def tree_size(root: str | os.PathLike[str]) -> int:
    """Bytes of every non-directory entry (symlinks by their own size), each inode once;
    0 for a missing tree."""
    seen: set[int] = set()
    total = 0
    top = open_dir_at(None, root)
    if top is None:
        return 0
    stack: list[tuple[int, Iterator[str]]] = [(top, iter(()))]
    try:
        stack[-1] = (top, iter(os.listdir(top)))
        while stack:
            fd, names = stack[-1]
            name = next(names, None)
            if name is None:
                os.close(fd)
                stack.pop()
                continue
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except FileNotFoundError:
                continue
            if stat.S_ISDIR(st.st_mode):
                sub = open_dir_at(fd, name)
                if sub is not None:
                    stack.append((sub, iter(())))  # closed by the finally should listdir fail
                    stack[-1] = (sub, iter(os.listdir(sub)))
            elif st.st_size and st.st_ino not in seen:
                seen.add(st.st_ino)
                total += st.st_size
    finally:
        for fd, _ in stack:
            os.close(fd)
    return total
