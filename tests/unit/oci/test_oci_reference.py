"""References against docker's rules (distribution/reference's own test table)."""

import pytest

from berth.errors import InvalidArgument
from berth.oci import reference

HEX = "a" * 64

# text -> (normalized, familiar)
VALID = [
    ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
    ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
    ("library/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
    ("docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
    ("index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox:latest"),
    ("docker.io/library/a/b", "docker.io/library/a/b:latest", "library/a/b:latest"),
    ("foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest"),
    ("foo/bar/baz:t", "docker.io/foo/bar/baz:t", "foo/bar/baz:t"),
    ("localhost/a", "localhost/a:latest", "localhost/a:latest"),
    ("localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t"),
    ("quay.io/coreos/etcd:v3", "quay.io/coreos/etcd:v3", "quay.io/coreos/etcd:v3"),
    ("Uppercase.io/a", "Uppercase.io/a:latest", "Uppercase.io/a:latest"),
    ("Host/a", "Host/a:latest", "Host/a:latest"),
    ("[::1]:5000/x", "[::1]:5000/x:latest", "[::1]:5000/x:latest"),
    ("a-b_c.d__e---f", "docker.io/library/a-b_c.d__e---f:latest", "a-b_c.d__e---f:latest"),
    ("busybox:Tag_1.2-x", "docker.io/library/busybox:Tag_1.2-x", "busybox:Tag_1.2-x"),
    (f"busybox@sha256:{HEX}", f"docker.io/library/busybox@sha256:{HEX}",
     f"busybox@sha256:{HEX}"),
    (f"busybox:1@sha256:{HEX}", f"docker.io/library/busybox:1@sha256:{HEX}",
     f"busybox:1@sha256:{HEX}"),
    ("a" * 63, "docker.io/library/" + "a" * 63 + ":latest", "a" * 63 + ":latest"),
]

INVALID = [
    ("", "invalid reference format"),
    ("Busybox", reference.MUST_BE_LOWERCASE),
    ("foo/Bar", reference.MUST_BE_LOWERCASE),
    ("UPPER:tag", reference.MUST_BE_LOWERCASE),
    ("busybox:tag:x", "invalid reference format"),
    ("busybox:", "invalid reference format"),
    (":tag", "invalid reference format"),
    ("-busybox", "invalid reference format"),
    ("busybox-", "invalid reference format"),
    ("a..b", "invalid reference format"),
    ("a/", "invalid reference format"),
    ("/a", "invalid reference format"),
    ("a//b", "invalid reference format"),
    ("busybox:" + "t" * 129, "invalid reference format"),
    ("busybox:-tag", "invalid reference format"),
    ("busybox@sha256:abc", "invalid reference format"),
    ("bus box", "invalid reference format"),
    ("busybox:tàg", "invalid reference format"),
    (f"busybox@sha256:{HEX[:-1]}", "invalid checksum digest length"),
    ("busybox@md5:" + "a" * 32, "unsupported digest algorithm"),
    (HEX, f"invalid repository name ({HEX}), cannot specify 64-byte hexadecimal strings"),
    ("a/" * 127 + "bb", "repository name must not be more than 255 characters"),
]


@pytest.mark.parametrize(("text", "normalized", "familiar"), VALID)
def test_valid(text: str, normalized: str, familiar: str) -> None:
    ref = reference.parse(text)
    assert str(ref) == normalized
    assert ref.familiar() == familiar
    assert reference.parse(str(ref)) == ref
    assert reference.parse(ref.familiar()) == ref


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        reference.parse(text)
    assert e.value.message == message


def test_no_default_tag_and_digest_only() -> None:
    assert reference.parse("busybox", default_tag=False).tag is None
    ref = reference.parse(f"busybox@sha256:{HEX}")
    assert ref.tag is None and ref.digest == f"sha256:{HEX}"


def test_parts_and_with_tag() -> None:
    ref = reference.parse("localhost:5000/a/b")
    assert (ref.domain, ref.path, ref.tag) == ("localhost:5000", "a/b", "latest")
    assert ref.name == "localhost:5000/a/b"
    assert str(ref.with_tag("v2")) == "localhost:5000/a/b:v2"
    with pytest.raises(InvalidArgument):
        ref.with_tag("bad tag")


def test_parse_any() -> None:
    assert reference.parse_any(HEX) == f"sha256:{HEX}"
    assert reference.parse_any(f"sha256:{HEX}") == f"sha256:{HEX}"
    assert reference.parse_any("busybox") == reference.parse("busybox")
    # a short id with its algorithm is a name:tag to docker, found later by id prefix
    assert str(reference.parse_any("sha256:abc")) == "docker.io/library/sha256:abc"


def test_familiar_helper() -> None:
    assert reference.familiar("docker.io/library/busybox:latest") == "busybox:latest"
    assert reference.familiar("busybox") == "busybox"
    assert reference.familiar("NOT A REF") == "NOT A REF"
