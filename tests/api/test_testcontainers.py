"""testcontainers-python 4.x drives berthd unchanged (its reaper image cannot be pulled
here, so it runs with the reaper off, as the issue allows)."""

import pytest
from testcontainers.core.container import DockerContainer
from testcontainers.core.wait_strategies import LogMessageWaitStrategy


@pytest.fixture
def docker_env(daemon, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{daemon.socket}")
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    yield


def test_busybox_with_a_log_wait(docker_env, berth_cli):
    container = DockerContainer("busybox").with_command(
        'sh -c "echo booting; sleep 0.3; echo ready to serve; sleep 120"').with_env(
        "GREETING", "hello").waiting_for(LogMessageWaitStrategy("ready to serve"))
    with container:
        assert container.exec("sh -c 'echo $GREETING'").output == b"hello\n"
        stdout, stderr = container.get_logs()
        assert stdout == b"booting\nready to serve\n" and stderr == b""
        cid = container.get_wrapped_container().id
        assert cid in berth_cli("ps", "-q", "--no-trunc")[1]
    assert cid not in berth_cli("ps", "-aq", "--no-trunc")[1]  # stopped and removed
