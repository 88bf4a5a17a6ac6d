""".dockerignore rules (berth.builder.dockerignore).

Pattern tables are moby/patternmatcher's ``patternmatcher_test.go`` (Apache-2.0),
rewritten as Python data; the reading rules are ``ignorefile.go``'s and the
Dockerfile-specific file is BuildKit's rule (shared/ref/dockerignore.md).
"""

import os
from pathlib import Path

import pytest

from berth.builder.dockerignore import IgnoreRules, go_clean, read_dockerignore
from berth.errors import InvalidArgument

SINGLE = [
    ("**", "file", True), ("**", "file/", True), ("**/", "file", True), ("**/", "file/", True),
    ("**", "dir/file", True), ("**/", "dir/file", True), ("**/**", "dir/file", True),
    ("dir/**", "dir/file", True), ("dir/**", "dir/dir2/file", True), ("**/dir", "dir", True),
    ("**/dir", "dir/file", True), ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True), ("**file", "file", True),
    ("**file", "dir/file", True), ("**/file", "dir/file", True), ("**file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True), ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True), ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False), ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True), ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True), ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True), ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False), ("a[b-d]e", "ace", True), ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True), (".*", ".foo", True), (".*", "foo", False),
    ("abc.def", "abcdef", False), ("abc.def", "abc.def", True), ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False), ("a\\\\", "a\\", True), ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True), ("abc/**", "abc", False),
    ("abc/**", "abc/def/ghi", True), ("**/.foo", ".foo", True), ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True), ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True), ("dist/*.whl", "dist/p-2.4+g0-py3-none-any.whl", True),
    ("a\\*b", "a*b", True), ("a\\*b", "ab", False),
    # filepath.Match's own table (matchTests)
    ("abc", "abc", True), ("*", "abc", True), ("*c", "abc", True), ("a*", "a", True),
    ("a*", "ab/c", True), ("a*/b", "abc/b", True), ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False), ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True), ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True), ("ab[e-g]", "abc", False), ("ab[^c]", "abc", False),
    ("ab[^e-g]", "abc", True), ("a?b", "a☺b", True), ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False), ("[a-ζ]*", "\u03b1", True), ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False), ("a*b", "a/b", False), ("[\\]a]", "]", True), ("[\\-]", "-", True),
    ("[x\\-]", "-", True), ("[x\\-]", "z", False), ("[\\-x]", "a", False), ("*x", "xxx", True),
]


@pytest.mark.parametrize(("pattern", "path", "excluded"), SINGLE)
def test_patternmatcher_table(pattern: str, path: str, excluded: bool) -> None:
    assert IgnoreRules.from_text(pattern).matches(path) is excluded


@pytest.mark.parametrize("pattern", ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^",
                                     "[^bc", "a[", "!"])
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(InvalidArgument, match=r"^\.dockerignore: "):
        IgnoreRules.from_text(pattern)


@pytest.mark.parametrize(("patterns", "path", "excluded"), [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (["**", "!dist/*.whl"], "dist/p-1.whl", False),
    (["*"], "fileutils.go", True), (["!fileutils.go", "*.go"], "fileutils.go", True),
    (["*.go", "!fileutils.go"], "fileutils.go", False),
    (["docs", "!docs/README.md"], "docs/README.md", False),
    (["docs/", "!docs/README.md"], "docs/README.md", False),
    (["docs/*", "!docs/README.md"], "docs/README.md", False),
    (["*.go"], ".", False),
    # the reference's examples: the last matching line decides
    (["*.md", "!README*.md", "README-secret.md"], "README-secret.md", True),
    (["*.md", "!README*.md", "README-secret.md"], "README-x.md", False),
    (["*.md", "README-secret.md", "!README*.md"], "README-secret.md", False),
    (["*.md", "!README.md"], "sub/x.md", False),
    (["*/temp*"], "somedir/temporary.txt", True), (["*/temp*"], "temporary.txt", False),
    (["*/*/temp*"], "somedir/subdir/temporary.txt", True),
    (["temp?"], "tempa", True), (["temp?"], "dir/tempa", False),
])
def test_rule_order(patterns: list[str], path: str, excluded: bool) -> None:
    assert IgnoreRules.from_text("\n".join(patterns)).matches(path) is excluded


def test_reading_rules() -> None:
    rules = IgnoreRules.from_text("\ufeff# comment\n  #not a comment  \n\n /foo/bar/ \n"
                                  "./a//b/../c\n!  keep \n.\n")
    assert [(r.pattern, r.exception) for r in rules.rules] == [
        ("#not a comment", False), ("foo/bar", False), ("a/c", False), ("keep", True),
        (".", False)]
    assert rules.matches("foo/bar") and rules.matches("foo/bar/x") and rules.matches("a/c")
    assert not rules.matches("foo") and not rules.matches("keep")
    assert rules.matches("#not a comment")


@pytest.mark.parametrize(("path", "cleaned"), [
    ("", "."), ("a//b", "a/b"), ("./a/", "a"), ("a/../..", ".."), ("/../a", "/a"),
    ("a/b/../../c", "c"), ("//x", "/x"), ("../../x", "../../x")])
def test_go_clean(path: str, cleaned: str) -> None:
    assert go_clean(path) == cleaned


def test_walk_hints() -> None:
    rules = IgnoreRules.from_text("node_modules\nbuild\n!build/keep.txt\n")
    assert rules.can_skip_dir("node_modules")
    assert rules.matches("build") and not rules.can_skip_dir("build")
    assert rules.may_reinclude_under("build") and not rules.may_reinclude_under("src")
    assert not IgnoreRules.from_text("x\n!**/keep\n").can_skip_dir("x")
    assert not IgnoreRules.from_text("x\n!*/keep\n").can_skip_dir("x")
    assert IgnoreRules.from_text("x\n!y/keep\n").can_skip_dir("x")


def test_hostile_pattern_is_linear() -> None:
    rules = IgnoreRules.from_text("*a" * 50 + "b")
    assert not rules.matches("a" * 4000)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_read_dockerignore_prefers_the_dockerfile_one(tmp_path: Path) -> None:
    write(tmp_path / ".dockerignore", "root-rule\n")
    write(tmp_path / "docker" / "build.Dockerfile.dockerignore", "specific\n")
    specific = read_dockerignore(str(tmp_path), "docker/build.Dockerfile")
    assert [r.pattern for r in specific.rules] == ["specific"]
    other = read_dockerignore(str(tmp_path), "docker/lint.Dockerfile")
    assert [r.pattern for r in other.rules] == ["root-rule"]
    assert [r.pattern for r in read_dockerignore(str(tmp_path)).rules] == ["root-rule"]


def test_read_dockerignore_absent(tmp_path: Path) -> None:
    assert read_dockerignore(str(tmp_path), "Dockerfile").rules == ()


def test_read_dockerignore_refuses_hostile_files(tmp_path: Path) -> None:
    secret = tmp_path / "outside" / "secret"
    write(secret, "root:x:0:0\n")
    context = tmp_path / "ctx"
    context.mkdir()
    os.symlink(secret, context / ".dockerignore")
    with pytest.raises(InvalidArgument, match=r"cannot read \.dockerignore"):
        read_dockerignore(str(context))
    os.unlink(context / ".dockerignore")
    os.mkfifo(context / ".dockerignore")
    with pytest.raises(InvalidArgument, match="not a regular file"):
        read_dockerignore(str(context))
    os.unlink(context / ".dockerignore")
    # a directory symlinked out of the context: its ignore file is not read
    os.symlink(tmp_path / "outside", context / "sub")
    write(tmp_path / "outside" / "Dockerfile.dockerignore", "leak\n")
    assert read_dockerignore(str(context), "sub/Dockerfile").rules == ()
