"""The build context and COPY's planning, without a daemon: unpacking refuses what could
reach out, paths resolve inside the tree, docker's destination rules and --chown."""

import io
import os
import tarfile
from pathlib import Path

import pytest

from berth.builder import copy as copying
from berth.builder.context import Context, unpack
from berth.builder.sources import Tree
from berth.errors import InvalidArgument, NotFound


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def _file(name: str, mode: int = 0o644) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = mode
    return info


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    return info


def test_unpack_keeps_modes_and_links_that_point_anywhere(tmp_path: Path) -> None:
    unpack(_tar((_file("a", 0o4775), b"x"), (_link("abs", "/etc/passwd"), b"")),
           tmp_path / "ctx")
    assert os.stat(tmp_path / "ctx" / "a").st_mode & 0o7777 == 0o4775
    assert os.readlink(tmp_path / "ctx" / "abs") == "/etc/passwd"


@pytest.mark.parametrize("members", [
    [(_file("../escape"), b"x")],
    [(_file("a/../../escape"), b"x")],
    [(_link("out", str(Path("/tmp"))), b""), (_file("out/written"), b"x")],
])
def test_unpack_refuses_what_would_write_outside(tmp_path: Path, members: list) -> None:
    with pytest.raises(InvalidArgument, match="unsafe entry"):
        unpack(_tar(*members), tmp_path / "ctx")
    assert not (tmp_path / "escape").exists()
    assert not Path("/tmp/written").exists()


def test_links_resolve_inside_the_tree(tmp_path: Path) -> None:
    root = tmp_path / "ctx"
    (root / "real").mkdir(parents=True)
    (root / "real" / "f").write_text("inside")
    (root / "up").symlink_to("../../..")
    (root / "abs").symlink_to("/real")
    (root / "out").symlink_to("/etc")
    ctx = Context(root)
    assert ctx.resolve("up/real/f") == "real/f"
    assert ctx.resolve("abs/f") == "real/f"
    assert ctx.read("abs/f") == b"inside"
    with pytest.raises(NotFound):
        ctx.resolve("out/passwd")  # /etc of the context, which has none
    with pytest.raises(NotFound):
        ctx.resolve("../../etc/passwd")


def test_a_tree_of_layers_hides_whiteouts(tmp_path: Path) -> None:
    lower, upper = tmp_path / "lower", tmp_path / "upper"
    (lower / "d").mkdir(parents=True)
    (lower / "d" / "gone").write_text("x")
    (lower / "d" / "kept").write_text("x")
    (upper / "d").mkdir(parents=True)
    os.mknod(upper / "d" / "gone", 0o600 | 0o020000, os.makedev(0, 0))
    tree = Tree([str(upper), str(lower)])
    assert tree.names("d") == ["kept"]
    assert tree.entry("d/gone") is None
    assert tree.glob("d/*") == ["d/kept"]


def _sources(tree: Tree, *patterns: str) -> list[copying.Source]:
    return copying.find_sources(tree, list(patterns), copying.Ignored(), "COPY", True)


def test_destination_rules(tmp_path: Path) -> None:
    ctx_dir, image_dir = tmp_path / "ctx", tmp_path / "image"
    (ctx_dir / "dir" / "sub").mkdir(parents=True)
    (ctx_dir / "dir" / "sub" / "x").write_text("x")
    (ctx_dir / "a").write_text("a")
    (image_dir / "existing").mkdir(parents=True)
    ctx, image = Context(ctx_dir), Tree([str(image_dir)])

    def names(patterns: tuple[str, ...], dest: str) -> list[str]:
        plan = copying.plan(_sources(ctx, *patterns), dest, image, "COPY", None, None)
        return [i.name for i in plan.items]

    assert names(("a",), "/file") == ["file"]
    assert names(("a",), "/existing") == ["existing/a"]  # a directory in the image
    assert names(("a",), "/new/") == ["new", "new/a"]
    assert names(("dir",), "/d") == ["d", "d/sub", "d/sub/x"]  # the contents, not the dir
    with pytest.raises(InvalidArgument, match="must be a directory and end with a /"):
        names(("a", "dir"), "/x")
    with pytest.raises(NotFound, match="no source files were specified"):
        names(("*.nothing",), "/x/")


def test_the_digest_follows_content_and_owner_not_mtime(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("a")
    ctx, image = Context(tmp_path), Tree([str(tmp_path)])
    digest = copying.plan(_sources(ctx, "a"), "/a", image, "COPY", None, None).digest()
    os.utime(tmp_path / "a", (1, 1))
    assert copying.plan(_sources(ctx, "a"), "/a", image, "COPY", None, None).digest() == digest
    assert copying.plan(_sources(ctx, "a"), "/a", image, "COPY", (1, 1), None).digest() != digest
    (tmp_path / "a").write_text("b")
    assert copying.plan(_sources(ctx, "a"), "/a", image, "COPY", None, None).digest() != digest


def test_chown_names_resolve_in_the_image(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text("root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/:/\n")
    (tmp_path / "etc" / "group").write_text("root:x:0:\nstaff:x:50:\n")
    image = Tree([str(tmp_path)])
    assert copying.parse_chown("app", image) == (1000, 1000)
    assert copying.parse_chown("app:staff", image) == (1000, 50)
    assert copying.parse_chown("7:8", image) == (7, 8)
    with pytest.raises(InvalidArgument, match="no such user: nobody"):
        copying.parse_chown("nobody", image)
    with pytest.raises(InvalidArgument, match="no such group: wheel"):
        copying.parse_chown("app:wheel", image)
