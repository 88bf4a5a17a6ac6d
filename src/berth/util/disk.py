"""Disk usage of a tree, counted the way dockerd's ``directory.Size`` counts it."""

import os


def tree_size(root: str | os.PathLike[str]) -> int:
    """Bytes of every non-directory entry (symlinks by their own size), each inode once;
    0 for a missing tree."""
    seen: set[int] = set()
    total = 0
    stack = [os.fspath(root)]
    while stack:
        try:
            entries = os.scandir(stack.pop())
        except (FileNotFoundError, NotADirectoryError):
            continue
        with entries:
            for entry in entries:
                st = entry.stat(follow_symlinks=False)
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif st.st_size and st.st_ino not in seen:
                    seen.add(st.st_ino)
                    total += st.st_size
    return total
