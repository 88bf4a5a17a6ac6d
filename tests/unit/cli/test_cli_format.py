"""docker's sizes, durations, ids and tables."""

import pytest

from berth.cli.format import (
    bytes_size,
    ellipsis,
    familiar_tagged,
    go_quote,
    human_duration,
    human_size,
    ports,
    short_id,
    split_reference,
    table,
)


@pytest.mark.parametrize(("size", "text"), [
    (0, "0B"), (999, "999B"), (1000, "1kB"), (1234, "1.23kB"), (4_261_000, "4.26MB"),
    (5_370_000_000, "5.37GB"), (999_999, "1e+03kB"), (77_800_000, "77.8MB"),
])
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_bytes_size() -> None:
    assert bytes_size(4_102_905_856) == "3.821GiB"
    assert bytes_size(512) == "512B"


@pytest.mark.parametrize(("seconds", "text"), [
    (0.4, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"),
    (119, "About a minute"), (120, "2 minutes"), (3599, "59 minutes"),
    (3600, "About an hour"), (5399, "About an hour"), (5400, "2 hours"),
    (47 * 3600, "47 hours"), (48 * 3600, "2 days"), (14 * 86400, "2 weeks"),
    (60 * 86400, "2 months"), (800 * 86400, "2 years"),
])
def test_human_duration(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


def test_ids_and_quotes() -> None:
    digest = "sha256:" + "ab" * 32
    assert short_id(digest) == "ab" * 6
    assert short_id("cd" * 32) == "cd" * 6
    assert short_id(digest, no_trunc=True) == digest
    assert ellipsis("echo hello", 20) == "echo hello"
    assert ellipsis("sh -c 'sleep 1000; echo done'", 20) == "sh -c 'sleep 1000; …"
    assert go_quote('sh -c "x"') == '"sh -c \\"x\\""'
    assert go_quote("a…") == '"a…"'


def test_table_is_docker_tabwriter() -> None:
    header = ("CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES")
    assert table(header, []) == (
        "CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n")
    out = table(("REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"),
                [("busybox", "latest", "0123456789ab", "2 hours ago", "4.26MB")])
    assert out.splitlines() == [
        "REPOSITORY   TAG       IMAGE ID       CREATED       SIZE",
        "busybox      latest    0123456789ab   2 hours ago   4.26MB",
    ]


def test_ports_column() -> None:
    assert ports([]) == ""
    assert ports([{"PrivatePort": 80, "Type": "tcp"},
                  {"IP": "0.0.0.0", "PrivatePort": 443, "PublicPort": 8443, "Type": "tcp"},
                  {"IP": "::", "PrivatePort": 443, "PublicPort": 8443, "Type": "tcp"}]) == \
        "80/tcp, 0.0.0.0:8443->443/tcp, [::]:8443->443/tcp"


def test_references() -> None:
    assert split_reference("busybox:1.36") == ("busybox", "1.36")
    assert split_reference("busybox") == ("busybox", "")
    assert split_reference("localhost:5000/app") == ("localhost:5000/app", "")
    assert split_reference("localhost:5000/app:v1") == ("localhost:5000/app", "v1")
    assert familiar_tagged("busybox") == "busybox:latest"
    assert familiar_tagged("docker.io/library/busybox") == "busybox:latest"
    assert familiar_tagged("me/app:1") == "me/app:1"
    assert familiar_tagged("app@sha256:00") == "app@sha256:00"
