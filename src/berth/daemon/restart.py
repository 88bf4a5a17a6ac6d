"""Restart policies: ``no``, ``on-failure[:N]``, ``always``, ``unless-stopped``.

docker's rules: ``always`` and ``unless-stopped`` bring a container back
whenever it exits, unless it was stopped by hand (``stop``, ``kill``); at
berthd's start ``always`` brings back even those, ``unless-stopped`` does not.
``on-failure`` restarts on a non-zero exit, at most N times when N is given.
Between restarts the container is ``restarting`` and waits: 100 ms, doubled
each time up to a minute, back to 100 ms once a run lasted 10 s.
"""

from dataclasses import dataclass
from typing import Any

from berth.errors import InvalidArgument

NAMES = ("no", "always", "unless-stopped", "on-failure")
FIRST_DELAY = 0.1
MAX_DELAY = 60.0
RESET_AFTER = 10.0


@dataclass(frozen=True, slots=True)
class RestartPolicy:
    name: str = "no"
    max_retries: int = 0

    @classmethod
    def from_host_config(cls, host_config: dict[str, Any]) -> "RestartPolicy":
        raw = host_config.get("RestartPolicy") or {}
        if not isinstance(raw, dict):
            raise InvalidArgument("invalid restart policy: not an object")
        name = str(raw.get("Name") or "no")
        try:
            retries = int(raw.get("MaximumRetryCount") or 0)
        except (TypeError, ValueError):
            raise InvalidArgument("invalid restart policy: bad MaximumRetryCount") from None
        if name not in NAMES:
            raise InvalidArgument(f"invalid restart policy '{name}'")
        if retries < 0:
            raise InvalidArgument("maximum retry count cannot be negative")
        if retries and name != "on-failure":
            raise InvalidArgument(
                f"maximum retry count cannot be used with restart policy '{name}'")
        if name != "no" and host_config.get("AutoRemove"):
            raise InvalidArgument(
                "Conflicting options: AutoRemove and restart policy cannot be used together")
        return cls(name, retries)

    def after_exit(self, exit_code: int, restart_count: int, manually_stopped: bool) -> bool:
        """Whether an exit (not by hand) brings the container back."""
        if manually_stopped or self.name == "no":
            return False
        if self.name == "on-failure":
            return exit_code != 0 and (not self.max_retries or restart_count < self.max_retries)
        return True

    def at_daemon_start(self, exit_code: int, restart_count: int,
                        manually_stopped: bool) -> bool:
        """Whether berthd's start brings back this exited container (docker's
        ``ShouldRestart``: ``always`` even after a stop by hand)."""
        return self.name == "always" or self.after_exit(exit_code, restart_count,
                                                        manually_stopped)


def next_delay(previous: float, ran_for: float) -> float:
    if ran_for >= RESET_AFTER or previous <= 0:
        return FIRST_DELAY
    return min(previous * 2, MAX_DELAY)
