"""--user by name or number, --group-add and HOME, from the container's own files."""

import time


def test_users_from_the_image(berth_cli):
    assert berth_cli("run", "--rm", "busybox", "sh", "-c", "id; echo $HOME")[1] == (
        "uid=0(root) gid=0(root)\n/root\n")
    assert berth_cli("run", "--rm", "-u", "nobody", "busybox", "sh", "-c", "id; echo $HOME")[1] \
        == "uid=65534(nobody) gid=65534(nobody)\n/nonexistent\n"
    assert berth_cli("run", "--rm", "-u", "65534", "busybox", "id", "-g")[1] == "65534\n"
    assert berth_cli("run", "--rm", "-u", "4242:4343", "busybox", "sh", "-c",
                     "id -u; id -g; echo $HOME")[1] == "4242\n4343\n/\n"
    assert berth_cli("run", "--rm", "-u", "nobody", "--group-add", "root", "--group-add", "77",
                     "busybox", "id", "-G")[1] == "65534 0 77\n"
    assert berth_cli("run", "--rm", "-e", "HOME=/elsewhere", "busybox", "sh", "-c",
                     "echo $HOME")[1] == "/elsewhere\n"


def test_users_the_container_made(berth_cli):
    code, _, _ = berth_cli("run", "-d", "--name", "user-maker", "busybox", "sh", "-c",
                             "echo 'app:x:1000:1000::/home/app:/bin/sh' >> /etc/passwd; "
                             "sleep 60")
    try:
        assert code == 0
        for _ in range(50):
            if berth_cli("exec", "user-maker", "grep", "-c", "app", "/etc/passwd")[1] == "1\n":
                break
            time.sleep(0.1)
        assert berth_cli("exec", "-u", "app", "user-maker", "sh", "-c", "id -u; echo $HOME")[1] \
            == "1000\n/home/app\n"
    finally:
        berth_cli("rm", "-f", "user-maker")


def test_unknown_user_or_group(berth_cli):
    code, _, err = berth_cli("run", "--rm", "-u", "ghost", "busybox", "true")
    assert code == 125
    assert "unable to find user ghost: no matching entries in passwd file" in err
    code, _, err = berth_cli("run", "--rm", "-u", "nobody:ghosts", "busybox", "true")
    assert code == 125 and "unable to find group ghosts" in err
    assert berth_cli("ps", "-aq")[1] == ""  # --rm: nothing left
