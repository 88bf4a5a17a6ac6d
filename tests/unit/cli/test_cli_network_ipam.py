"""``network create``'s --subnet/--ip-range/--gateway/--aux-address as the docker CLI
consolidates them, with its messages."""

import pytest

from berth.cli.commands.network import UsageProblem, ipam_config


def test_each_setting_goes_to_the_subnet_holding_it() -> None:
    assert ipam_config(["10.1.0.0/16", "10.2.0.0/16"], ["10.2.1.0/24"], ["10.1.0.254"],
                       {"a": "10.2.0.9"}) == [
        {"Subnet": "10.1.0.0/16", "Gateway": "10.1.0.254", "AuxiliaryAddresses": {}},
        {"Subnet": "10.2.0.0/16", "IPRange": "10.2.1.0/24",
         "AuxiliaryAddresses": {"a": "10.2.0.9"}}]
    assert ipam_config([], [], [], {}) == []


@pytest.mark.parametrize(("subnets", "ranges", "gateways", "aux", "message"), [
    ([], [], ["10.0.0.1"], {}, "every ip-range or gateway must have a corresponding subnet"),
    (["10.0.0.0/8", "10.1.0.0/16"], [], [], {},
     "multiple overlapping subnet configuration is not supported"),
    (["10.0.0.0/24"], ["10.0.1.0/25"], [], {}, "no matching subnet for range 10.0.1.0/25"),
    (["10.0.0.0/24", "10.9.0.0/24"], ["10.0.0.0/25", "10.0.0.128/25"], [], {},
     "cannot configure multiple ranges (10.0.0.128/25, 10.0.0.0/25) on the same subnet "
     "(10.0.0.0/24)"),
    (["10.0.0.0/24"], [], ["10.0.1.1"], {}, "no matching subnet for gateway 10.0.1.1"),
    (["10.0.0.0/24"], [], [], {"x": "10.0.1.1"}, "no matching subnet for aux-address 10.0.1.1"),
    (["10.0.0.0/24"], ["nope"], [], {}, "invalid CIDR address: nope"),
])
def test_docker_cli_refusals(subnets: list[str], ranges: list[str], gateways: list[str],
                             aux: dict[str, str], message: str) -> None:
    with pytest.raises(UsageProblem) as e:
        ipam_config(subnets, ranges, gateways, aux)
    assert str(e.value) == message
