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
