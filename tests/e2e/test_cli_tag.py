"""berth tag: another name for the same image, docker's refusals for bad names."""


def test_tag_names_the_same_image(berth_cli):
    assert berth_cli("tag", "busybox", "tagged/box:1.0")[:2] == (0, "")
    assert berth_cli("tag", "busybox:latest", "localhost:5000/box")[0] == 0
    ids = {berth_cli("images", "-q", name)[1].strip()
           for name in ("busybox", "tagged/box:1.0", "localhost:5000/box")}
    assert len(ids) == 1 and "" not in ids
    assert berth_cli("run", "--rm", "tagged/box:1.0", "echo", "via tag")[1] == "via tag\n"


def test_tag_refusals(berth_cli):
    code, _, err = berth_cli("tag", "nosuchimage", "x")
    assert code == 1 and "No such image: nosuchimage:latest" in err
    code, _, err = berth_cli("tag", "busybox", "UPPER")
    assert code == 1 and "repository name must be lowercase" in err
    code, _, err = berth_cli("tag", "busybox")
    assert code == 1 and "requires at least 2 arguments" in err
