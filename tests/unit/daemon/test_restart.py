"""docker's restart rules and back-off, as plain data."""

import pytest

from berth.daemon.restart import FIRST_DELAY, MAX_DELAY, RestartPolicy, next_delay
from berth.errors import InvalidArgument


def policy(name: str, retries: int = 0, **hc: object) -> RestartPolicy:
    return RestartPolicy.from_host_config(
        {"RestartPolicy": {"Name": name, "MaximumRetryCount": retries}, **hc})


def test_after_exit() -> None:
    assert not policy("no").after_exit(1, 0, False)
    assert policy("always").after_exit(0, 99, False)
    assert not policy("always").after_exit(0, 0, True)
    assert policy("unless-stopped").after_exit(0, 0, False)
    assert not policy("on-failure").after_exit(0, 0, False)
    assert policy("on-failure").after_exit(1, 1000, False)
    assert policy("on-failure", 2).after_exit(1, 1, False)
    assert not policy("on-failure", 2).after_exit(1, 2, False)


def test_at_daemon_start() -> None:
    assert policy("always").at_daemon_start(0, 0, True)
    assert not policy("unless-stopped").at_daemon_start(0, 0, True)
    assert policy("unless-stopped").at_daemon_start(0, 0, False)
    assert not policy("no").at_daemon_start(1, 0, False)


@pytest.mark.parametrize(("hc", "message"), [
    ({"RestartPolicy": {"Name": "sometimes"}}, "invalid restart policy 'sometimes'"),
    ({"RestartPolicy": {"Name": "always", "MaximumRetryCount": 3}},
     "maximum retry count cannot be used with restart policy 'always'"),
    ({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": -1}}, "cannot be negative"),
    ({"RestartPolicy": {"Name": "always"}, "AutoRemove": True}, "AutoRemove and restart"),
    ({"RestartPolicy": "always"}, "not an object"),
])
def test_refusals(hc: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        RestartPolicy.from_host_config(hc)


def test_backoff() -> None:
    assert next_delay(0, 0) == FIRST_DELAY
    assert next_delay(0.1, 1) == 0.2
    assert next_delay(40, 1) == MAX_DELAY
    assert next_delay(40, 11) == FIRST_DELAY  # a run of 10 s resets it
    assert policy("").name == "no"
