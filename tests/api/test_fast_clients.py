"""What a fast client sees (the docker SDK, as docker-py's own integration tests drive it):
an answer means the change it asked for is done, whatever the next request is."""

import docker
import pytest


@pytest.fixture
def sdk(daemon):
    client = docker.DockerClient(base_url=f"unix://{daemon.socket}")
    yield client
    client.close()


def test_sigkill_answers_after_the_exit_is_recorded(sdk):
    """dockerd waits for the container to stop before it answers a SIGKILL kill: an
    inspect at once after ``kill()`` sees it stopped with 137, in every round."""
    for _ in range(8):
        ct = sdk.containers.run("busybox", ["sleep", "60"], detach=True)
        try:
            ct.kill()
            state = sdk.api.inspect_container(ct.id)["State"]
            assert (state["Running"], state["Status"], state["ExitCode"]) == (
                False, "exited", 137)
        finally:
            ct.remove(force=True)


def test_sigkill_of_a_paused_container_answers_after_its_exit(sdk):
    ct = sdk.containers.run("busybox", ["sleep", "60"], detach=True)
    try:
        ct.pause()
        ct.kill()
        state = sdk.api.inspect_container(ct.id)["State"]
        assert (state["Running"], state["Paused"], state["ExitCode"]) == (False, False, 137)
    finally:
        ct.remove(force=True)


def test_another_signal_answers_once_sent(sdk):
    """Only SIGKILL waits: a SIGTERM the process handles leaves it running."""
    ct = sdk.containers.run("busybox", ["sh", "-c", "trap 'echo got' TERM; "
                                                    "while :; do sleep 0.1; done"], detach=True)
    try:
        ct.kill(signal="SIGTERM")
        assert sdk.api.inspect_container(ct.id)["State"]["Running"] is True
    finally:
        ct.remove(force=True)


@pytest.mark.parametrize("cmd", [["touch", "/test"], ["sh", "-c", "touch /test; sleep 60"]])
def test_commit_right_after_start_works(sdk, cmd):
    """docker-py's ``CommitTest.test_commit``: commit (pausing, the default) at once after
    start, while PID 1 is still being set up or has just exited; every round commits."""
    for _ in range(25):
        ct = sdk.api.create_container("busybox", cmd)
        try:
            sdk.api.start(ct)
            image = sdk.api.commit(ct["Id"])
            try:
                assert sdk.api.inspect_image(image["Id"])["Container"] == ct["Id"]
            finally:
                sdk.api.remove_image(image["Id"])
        finally:
            sdk.api.remove_container(ct, force=True)


def test_pause_as_pid_1_exits_says_not_running(sdk):
    """A pause that meets PID 1 exiting (its exit not yet recorded) is docker's 409, not a
    500 about its cgroup: the kernel has taken a dying process out of its cgroups."""
    for _ in range(25):
        ct = sdk.api.create_container("busybox", ["true"])
        try:
            sdk.api.start(ct)
            try:
                sdk.api.pause(ct)
            except docker.errors.APIError as e:
                assert (e.status_code, e.explanation) == (
                    409, f"Container {ct['Id']} is not running")
            else:
                sdk.api.unpause(ct)
        finally:
            sdk.api.remove_container(ct, force=True)
