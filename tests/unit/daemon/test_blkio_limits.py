"""Block I/O limits: docker's checks, warnings and drops; device paths to numbers; the
CLI's flags as docker's CLI parses them."""

import os
from typing import Any

import pytest

from berth.cli.hostconfig import host_config
from berth.cli.parser import parse
from berth.cli.usage import UsageError
from berth.daemon import blkio, validate
from berth.daemon.specgen import resources
from berth.errors import FailedPrecondition, InvalidArgument

ALL = dict.fromkeys(("weight", "weight_device", "read_bps", "write_bps", "read_iops",
                     "write_iops"), True)
NONE = dict.fromkeys(ALL, False)
WEIGHT_WARNING = ("Your kernel does not support Block I/O weight or the cgroup is not "
                  "mounted. Weight discarded.")


def test_unsupported_limits_are_dropped_with_dockers_warnings() -> None:
    hc = {"BlkioWeight": 300, "BlkioWeightDevice": [{"Path": "/dev/null", "Weight": 20}],
          "BlkioDeviceWriteBps": [{"Path": "/dev/null", "Rate": 1}]}
    out, warnings = blkio.checked(hc, {**ALL, "weight": False, "weight_device": False})
    assert out["BlkioWeight"] == 0 and out["BlkioWeightDevice"] == []
    assert out["BlkioDeviceWriteBps"] == hc["BlkioDeviceWriteBps"]
    assert warnings == [WEIGHT_WARNING,
                        "Your kernel does not support Block I/O weight_device or the cgroup "
                        "is not mounted. Weight-device discarded."]
    out, warnings = blkio.checked(hc, ALL)
    assert (out["BlkioWeight"], warnings) == (300, [])
    _, warnings = blkio.checked({"BlkioDeviceReadIOps": [{"Path": "/dev/x", "Rate": 1}]}, NONE)
    assert warnings == ["Your kernel does not support IOPS Block read limit or the cgroup is "
                        "not mounted. Block I/O IOPS read limit discarded."]


def test_unset_fields_show_as_dockerd_shows_them() -> None:
    out, warnings = blkio.checked({"Memory": 1}, NONE)
    assert warnings == []
    assert out == {"Memory": 1, "BlkioWeight": 0, "BlkioWeightDevice": None,
                   "BlkioDeviceReadBps": None, "BlkioDeviceWriteBps": None,
                   "BlkioDeviceReadIOps": None, "BlkioDeviceWriteIOps": None}


@pytest.mark.parametrize("weight", [5, 9, 1001, 65535])
def test_weight_out_of_range(weight: int) -> None:
    for support in (ALL, NONE):  # refused before it would be dropped
        with pytest.raises(InvalidArgument, match=r"^Range of blkio weight is from 10 to 1000$"):
            blkio.checked({"BlkioWeight": weight}, support)


def test_windows_io_limits_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="does not support Maximum IO Bandwidth"):
        blkio.checked({"IOMaximumBandwidth": 10}, ALL)


def test_block_io_resolves_device_paths() -> None:
    null = os.stat("/dev/null").st_rdev
    assert (os.major(null), os.minor(null)) == (1, 3)
    hc: dict[str, Any] = {
        "BlkioWeight": 500, "BlkioWeightDevice": [{"Path": "/dev/null", "Weight": 30},
                                                  {"Path": "/dev/zero", "Weight": 0}],
        "BlkioDeviceReadBps": [{"Path": "/dev/null", "Rate": 1 << 20}],
        "BlkioDeviceWriteIOps": [{"Path": "/dev/zero", "Rate": 7}],
        "BlkioDeviceWriteBps": None}
    assert resources(hc)["blockIO"] == {
        "weight": 500, "weightDevice": [{"major": 1, "minor": 3, "weight": 30}],
        "throttleReadBpsDevice": [{"major": 1, "minor": 3, "rate": 1 << 20}],
        "throttleWriteIOPSDevice": [{"major": 1, "minor": 5, "rate": 7}]}
    assert "blockIO" not in resources({"BlkioWeight": 0, "BlkioDeviceReadBps": []})


def test_a_missing_device_gets_dockers_error() -> None:
    hc = {"BlkioDeviceWriteBps": [{"Path": "/dev/nosuch-berth", "Rate": 1}]}
    with pytest.raises(FailedPrecondition) as e:
        blkio.block_io(hc)
    assert e.value.message == "stat /dev/nosuch-berth: no such file or directory"
    # the check at create leaves the lookup to the start
    assert blkio.block_io(blkio.without_device_limits(hc)) == {}


@pytest.mark.parametrize(("body", "message"), [
    ({"BlkioWeight": 70000}, "cannot unmarshal number 70000 into Go struct field "
                             "HostConfig.BlkioWeight of type uint16"),
    ({"BlkioWeight": "x"}, "cannot unmarshal string into Go struct field "
                           "HostConfig.BlkioWeight of type uint16"),
    ({"BlkioDeviceWriteBps": "x"}, "cannot unmarshal string into Go struct field "
                                   "HostConfig.BlkioDeviceWriteBps of type []struct"),
    ({"BlkioDeviceWriteBps": [{"Path": "/dev/vda", "Rate": -5}]},
     "cannot unmarshal number -5 into Go struct field "
     "ThrottleDevice.HostConfig.BlkioDeviceWriteBps.Rate of type uint64"),
    ({"BlkioWeightDevice": [{"Path": 3, "Weight": 10}]},
     "cannot unmarshal number into Go struct field "
     "WeightDevice.HostConfig.BlkioWeightDevice.Path of type string"),
    ({"BlkioDeviceReadIOps": [1]}, "cannot unmarshal number into Go struct field "
                                   "HostConfig.BlkioDeviceReadIOps of type blkiodev."
                                   "ThrottleDevice"),
])
def test_api_types(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as e:
        validate.create_body({"Image": "bb", "HostConfig": body})
    assert e.value.message == "json: " + message


def _hc(*flags: str) -> dict[str, Any]:
    return host_config(parse(["run", *flags, "busybox"]))


def test_cli_flags() -> None:
    hc = _hc("--blkio-weight", "300", "--blkio-weight-device", "/dev/vda:200",
             "--device-read-bps", "/dev/vda:1mb", "--device-write-bps", "/dev/vdb:512",
             "--device-read-iops", "/dev/vda:100", "--device-write-iops", "/dev/vda:5",
             "--device-write-iops", "/dev/vdb:6")
    assert hc["BlkioWeight"] == 300
    assert hc["BlkioWeightDevice"] == [{"Path": "/dev/vda", "Weight": 200}]
    assert hc["BlkioDeviceReadBps"] == [{"Path": "/dev/vda", "Rate": 1 << 20}]
    assert hc["BlkioDeviceWriteBps"] == [{"Path": "/dev/vdb", "Rate": 512}]
    assert hc["BlkioDeviceReadIOps"] == [{"Path": "/dev/vda", "Rate": 100}]
    assert hc["BlkioDeviceWriteIOps"] == [{"Path": "/dev/vda", "Rate": 5},
                                          {"Path": "/dev/vdb", "Rate": 6}]
    assert "BlkioWeight" not in _hc()


_RATE = ("The correct format is <device-path>:<number>[<unit>]. Number must be a positive "
         "integer. Unit is optional and can be kb, mb, or gb")


@pytest.mark.parametrize(("flags", "detail"), [
    (("--blkio-weight", "abc"), 'strconv.ParseUint: parsing "abc": invalid syntax'),
    (("--blkio-weight", "-1"), 'strconv.ParseUint: parsing "-1": invalid syntax'),
    (("--blkio-weight", "70000"), 'strconv.ParseUint: parsing "70000": value out of range'),
    (("--blkio-weight-device", "/dev/vda:5"), "invalid weight for device: /dev/vda:5"),
    (("--blkio-weight-device", "vda:300"), "bad format for device path: vda:300"),
    (("--blkio-weight-device", "/dev/vda"), "bad format: /dev/vda"),
    (("--device-write-bps", "/dev/vda:abc"), f"invalid rate for device: /dev/vda:abc. {_RATE}"),
    (("--device-write-bps", "/dev/vda:-1"), f"invalid rate for device: /dev/vda:-1. {_RATE}"),
    (("--device-read-iops", "/dev/vda:1kb"),
     "invalid rate for device: /dev/vda:1kb. The correct format is <device-path>:<number>. "
     "Number must be a positive integer"),
    (("--device-read-bps", "foo:1"), "bad format for device path: foo:1"),
])
def test_cli_flag_errors(flags: tuple[str, str], detail: str) -> None:
    with pytest.raises(UsageError) as e:
        _hc(*flags)
    assert e.value.message == f'invalid argument "{flags[1]}" for "{flags[0]}" flag: {detail}'
    assert e.value.status == 125
