"""docker's formatter: format strings, its tabwriter, table headers, the rows of ps,
images and history."""

import json

import pytest

from berth.cli.contexts import ContainerContext, HistoryContext, ImageContext
from berth.cli.format import table
from berth.cli.formatter import FormatError, tabwrite, template_text, write

NOW = 1_700_000_000.0
CONTAINER = {
    "Id": "3cfc8567757bc3459a74e951ac0c0994c988d76760cd52088b02188637d234b6",
    "Names": ["/web"], "Image": "busybox", "Command": "sleep 1000", "Created": NOW - 120,
    "State": "running", "Status": "Up 2 minutes", "Labels": {"foo": "bar", "com.x": "1"},
    "Ports": [{"PrivatePort": 80, "Type": "tcp"}], "Mounts": [],
    "NetworkSettings": {"Networks": {"bridge": {}}},
}


@pytest.mark.parametrize(("fmt", "text"), [
    ("json", "{{json .}}"),
    ("table {{.ID}}\\t{{.Names}}", "{{.ID}}\t{{.Names}}"),
    ("  {{.ID}}\\n  ", "{{.ID}}\n"),
    ("{{.ID}}\t", "{{.ID}}\t"),
])
def test_template_text(fmt: str, text: str) -> None:
    assert template_text(fmt) == text


def test_tabwrite_is_go_tabwriter() -> None:
    assert tabwrite("NAMES\tSTATUS\nweb\tUp\n") == "NAMES     STATUS\nweb       Up\n"
    # the last cell of a line is no column; an empty one still pads the cell before it
    assert tabwrite("a\t\nlonger-than-ten\t\n") == "a" + " " * 17 + "\nlonger-than-ten   \n"
    # a line without tabs ends the column blocks
    assert tabwrite("a\tb\nplain line\nxxxxxxxxxxxxx\tc\n") == (
        "a         b\nplain line\nxxxxxxxxxxxxx   c\n")
    assert tabwrite("日本\tx\n", minwidth=0, padding=1) == "日本 x\n"
    # the same as the default tables
    header, rows = ("A", "B", "C"), [("1", "22222222222222", "3")]
    assert tabwrite("\t".join(header) + "\n" + "\t".join(rows[0]) + "\n") == table(header, rows)


def test_write_table_json_and_custom() -> None:
    rows = [ContainerContext(CONTAINER, NOW, True)]
    header = ContainerContext.HEADER
    assert write("table {{.ID}}\\t{{.Names}}\\t{{.Status}}", rows, header) == (
        "CONTAINER ID   NAMES     STATUS\n3cfc8567757b   web       Up 2 minutes\n")
    assert write("table {{.Names}}\\t{{.Label \"com.docker.compose.project\"}}", rows,
                 header) == "NAMES     project\nweb       \n"
    assert write("{{.Names}}: {{.Labels}} {{.Label \"com.x\"}} {{.Ports}} {{.Networks}}",
                 rows, header) == "web: com.x=1,foo=bar 1 80/tcp bridge\n"
    line = json.loads(write("json", rows, header))
    assert line["ID"] == "3cfc8567757b" and line["Command"] == '"sleep 1000"'
    assert line["Platform"] is None and line["RunningFor"] == "2 minutes ago"
    assert sorted(line) == sorted(ContainerContext.JSON_FIELDS)
    assert write("{{.Names}}", [], header) == ""
    assert write("table {{.Names}}", [], header) == "NAMES\n"


def test_write_errors_print_nothing() -> None:
    rows = [ContainerContext(CONTAINER, NOW, True)]
    with pytest.raises(FormatError) as e:
        write("{{.Foo}}", rows, ContainerContext.HEADER)
    assert e.value.message == ('template parsing error: template: :1:2: executing "" at '
                               "<.Foo>: can't evaluate field Foo in type "
                               "*formatter.ContainerContext")
    with pytest.raises(FormatError, match="template parsing error: template: :1: unclosed"):
        write("{{.Foo", rows, ContainerContext.HEADER)


def test_container_fields() -> None:
    ctx = ContainerContext({**CONTAINER, "Image": "busybox@sha256:" + "a" * 64,
                            "Mounts": [{"Name": "a-very-long-volume-name", "Driver": "local"}],
                            "SizeRw": 12, "SizeRootFs": 2_000_000}, NOW, True)
    assert ctx.Image() == "busybox"
    assert ctx.Mounts() == "a-very-long-vo…" and ctx.LocalVolumes() == "1"
    assert ctx.Size() == "12B (virtual 2MB)"
    full = ContainerContext(CONTAINER, NOW, False)
    assert full.ID() == CONTAINER["Id"] and full.Command() == '"sleep 1000"'
    assert ContainerContext({}, NOW, True).Image() == "<no image>"


def test_image_and_history_fields() -> None:
    image = {"Id": "sha256:" + "b" * 64, "Created": NOW - 3600, "Size": 1_986_000,
             "Containers": -1, "SharedSize": -1}
    ctx = ImageContext(image, "busybox", "latest", "<none>", NOW, True)
    assert (ctx.ID(), ctx.Repository(), ctx.Tag(), ctx.Size(), ctx.VirtualSize()) == (
        "b" * 12, "busybox", "latest", "1.99MB", "1.986MB")
    assert (ctx.Containers(), ctx.SharedSize(), ctx.UniqueSize()) == ("N/A", "N/A", "N/A")
    assert ctx.CreatedSince() == "About an hour ago"
    assert '"Digest":"\\u003cnone\\u003e"' in write("json", [ctx], ImageContext.HEADER)
    entry = {"Id": "<missing>", "Created": NOW - 60, "CreatedBy": "/bin/sh -c\t#(nop) x",
             "Size": 1234, "Comment": "c"}
    h = HistoryContext(entry, NOW, True, True)
    assert (h.ID(), h.CreatedSince(), h.CreatedBy(), h.Size(), h.Comment()) == (
        "<missing>", "About a minute ago", "/bin/sh -c #(nop) x", "1.23kB", "c")
    raw = HistoryContext(entry, NOW, True, False)
    assert raw.Size() == "1234" and raw.CreatedSince() == raw.CreatedAt()
    assert HistoryContext({**entry, "Created": 0}, NOW, True, True).CreatedSince() == "N/A"
    assert write("table {{.ID}}\\t{{.CreatedBy}}", [h], HistoryContext.HEADER) == (
        "IMAGE       CREATED BY\n<missing>   /bin/sh -c #(nop) x\n")
