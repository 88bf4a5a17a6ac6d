"""Image and tag rows in a real SQLite file."""

from pathlib import Path

from berth.metadata.db import Database
from berth.metadata.images import ImageRow, ImageTable


def row(c: str) -> ImageRow:
    return ImageRow("sha256:" + c * 64, "sha256:" + "f" * 64, "m", b"{}", 1, "2024")


def test_add_tags_and_prefix(tmp_path: Path) -> None:
    table = ImageTable(Database(tmp_path / "b.db"))
    assert table.add(row("a"), ["docker.io/library/x:latest"]) == {}
    assert table.add(row("b"), ["docker.io/library/x:latest"]) == {
        "docker.io/library/x:latest": "sha256:" + "a" * 64}
    assert table.add(row("b"), []) == {}  # the same image again: ignored
    assert table.tag_target("docker.io/library/x:latest") == "sha256:" + "b" * 64
    assert table.tags_of("sha256:" + "a" * 64) == []
    assert table.by_prefix("sha256:a") == ["sha256:" + "a" * 64]
    assert table.by_prefix("sha256:A") == []  # exact, unlike LIKE
    assert table.by_prefix("sha256:%") == []
    table.set_tag("docker.io/library/y:1", "sha256:" + "a" * 64)
    assert table.tags() == {"sha256:" + "a" * 64: ["docker.io/library/y:1"],
                            "sha256:" + "b" * 64: ["docker.io/library/x:latest"]}
    assert table.remove_tag("docker.io/library/y:1") and not table.remove_tag("nope")
    assert {r.id for r in table.all()} == {"sha256:" + c * 64 for c in "ab"}
    assert table.get("sha256:" + "a" * 64) == row("a")
    assert table.get("sha256:" + "c" * 64) is None
