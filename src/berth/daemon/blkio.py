"""Docker's block I/O limits: ``--blkio-weight``, ``--blkio-weight-device``,
``--device-read-bps``/``--device-write-bps``, ``--device-read-iops``/``--device-write-iops``.

Three steps, as dockerd takes them:

- ``checked``: at create and update, a weight outside 10..1000 is refused, and a
  limit the host's cgroups cannot apply (no ``blkio.weight`` on this v1 host, no
  ``io`` controller on a v2 one) is dropped from the HostConfig with docker's
  warning, which the API returns in ``Warnings``. berth checks the range before
  the drop; dockerd drops first, so on a host without weight support it accepts
  a weight of 5 with only the warning, where berth says the value is wrong.
- ``block_io``: when the spec is built for a start (not at create:
  ``without_device_limits``), each device path is resolved
  to its major:minor on the host (a device may appear, or be numbered anew,
  between create and start), with docker's ``stat PATH: ...`` error for a
  missing one. The runtime writes the OCI ``linux.resources.blockIO`` into the
  container's cgroup (``berth.runtime.cgroups``).
"""

import os
from typing import Any

from berth.errors import FailedPrecondition, InvalidArgument
from berth.runtime.cgroups import blkio_support

# HostConfig field -> (OCI blockIO field, key in ``blkio_support()``)
THROTTLES: dict[str, tuple[str, str]] = {
    "BlkioDeviceReadBps": ("throttleReadBpsDevice", "read_bps"),
    "BlkioDeviceWriteBps": ("throttleWriteBpsDevice", "write_bps"),
    "BlkioDeviceReadIOps": ("throttleReadIOPSDevice", "read_iops"),
    "BlkioDeviceWriteIOps": ("throttleWriteIOPSDevice", "write_iops"),
}
FIELDS = ("BlkioWeight", "BlkioWeightDevice", *THROTTLES)
_SUPPORT = {"BlkioWeight": "weight", "BlkioWeightDevice": "weight_device",
            **{key: value[1] for key, value in THROTTLES.items()}}
_WARNINGS = {
    "BlkioWeight": "Your kernel does not support Block I/O weight or the cgroup is not "
                   "mounted. Weight discarded.",
    "BlkioWeightDevice": "Your kernel does not support Block I/O weight_device or the cgroup "
                         "is not mounted. Weight-device discarded.",
    "BlkioDeviceReadBps": "Your kernel does not support BPS Block I/O read limit or the "
                          "cgroup is not mounted. Block I/O BPS read limit discarded.",
    "BlkioDeviceWriteBps": "Your kernel does not support BPS Block I/O write limit or the "
                           "cgroup is not mounted. Block I/O BPS write limit discarded.",
    "BlkioDeviceReadIOps": "Your kernel does not support IOPS Block read limit or the cgroup "
                           "is not mounted. Block I/O IOPS read limit discarded.",
    "BlkioDeviceWriteIOps": "Your kernel does not support IOPS Block write limit or the "
                            "cgroup is not mounted. Block I/O IOPS write limit discarded.",
}


def checked(host_config: dict[str, Any],
            support: dict[str, bool] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The HostConfig with the block I/O limits this host cannot apply dropped, and
    docker's warnings for them; every field is there, unset ones as dockerd shows them
    (0 and null). ``support`` is ``blkio_support()`` unless given."""
    weight = int(host_config.get("BlkioWeight") or 0)
    if weight and not 10 <= weight <= 1000:
        raise InvalidArgument("Range of blkio weight is from 10 to 1000")
    if host_config.get("IOMaximumBandwidth") or host_config.get("IOMaximumIOps"):
        raise InvalidArgument("Invalid QoS settings: linux does not support Maximum IO "
                              "Bandwidth or Maximum IO IOps")
    out: dict[str, Any] = {"BlkioWeight": 0, **dict.fromkeys(FIELDS[1:]), **host_config}
    wanted = [key for key in FIELDS if host_config.get(key)]
    if not wanted:
        return out, []
    support = blkio_support() if support is None else support
    warnings = []
    for key in wanted:
        if not support.get(_SUPPORT[key]):
            out[key] = 0 if key == "BlkioWeight" else []
            warnings.append(_WARNINGS[key])
    return out, warnings


def device_numbers(path: str) -> tuple[int, int]:
    """The major and minor numbers of the device node at ``path`` on the host."""
    try:
        rdev = os.stat(path).st_rdev
    except OSError as e:
        raise FailedPrecondition(f"stat {path}: {(e.strerror or str(e)).lower()}") from None
    return os.major(rdev), os.minor(rdev)


def without_device_limits(host_config: dict[str, Any]) -> dict[str, Any]:
    """The HostConfig for the spec built at create only to check it: device paths
    are looked up at start, as dockerd does."""
    return {**host_config, **dict.fromkeys(FIELDS[1:])}


def block_io(host_config: dict[str, Any]) -> dict[str, Any]:
    """OCI ``linux.resources.blockIO`` for the HostConfig, device paths resolved."""
    out: dict[str, Any] = {}
    if host_config.get("BlkioWeight"):
        out["weight"] = int(host_config["BlkioWeight"])
    weights = [{**_numbers(d["Path"]), "weight": int(d["Weight"])}
               for d in host_config.get("BlkioWeightDevice") or [] if d.get("Weight")]
    if weights:
        out["weightDevice"] = weights
    for key, (field, _) in THROTTLES.items():
        entries = [{**_numbers(d["Path"]), "rate": int(d.get("Rate") or 0)}
                   for d in host_config.get(key) or []]
        if entries:
            out[field] = entries
    return out


def _numbers(path: object) -> dict[str, int]:
    major, minor = device_numbers(str(path or ""))
    return {"major": major, "minor": minor}
