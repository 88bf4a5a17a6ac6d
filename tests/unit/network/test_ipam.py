"""IPAM as libnetwork's default: pools, gateways, ranges, aux addresses, allocation."""

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path

import pytest

from berth.errors import Forbidden, InvalidArgument
from berth.network import ipam


def test_the_default_pools_in_libnetworks_order() -> None:
    pools = ipam.default_pools()
    assert pools[0] == IPv4Network("172.17.0.0/16") and pools[14] == IPv4Network("172.31.0.0/16")
    assert pools[15] == IPv4Network("192.168.0.0/20") and pools[-1] == IPv4Network(
        "192.168.240.0/20")


def test_a_chosen_subnet_overlaps_nothing_taken() -> None:
    assert ipam.choose_subnet([]) == IPv4Network("172.17.0.0/16")
    taken = [IPv4Network("172.17.5.0/24"), IPv4Network("172.16.0.0/12")]
    assert ipam.choose_subnet(taken) == IPv4Network("192.168.0.0/20")
    with pytest.raises(Forbidden, match="non-overlapping IPv4 address pool"):
        ipam.choose_subnet([IPv4Network("0.0.0.0/1"), IPv4Network("128.0.0.0/1")])


def test_finish_checks_gateway_range_and_aux_against_the_subnet() -> None:
    subnet = IPv4Network("10.77.0.0/24")
    pool = ipam.finish(subnet, {})
    assert pool.gateway == IPv4Address("10.77.0.1") and pool.ip_range is None
    pool = ipam.finish(subnet, {"Gateway": "10.77.0.254", "IPRange": "10.77.0.128/25",
                                "AuxiliaryAddresses": {"host": "10.77.0.130"}})
    assert pool.to_api() == {"Subnet": "10.77.0.0/24", "Gateway": "10.77.0.254",
                             "IPRange": "10.77.0.128/25",
                             "AuxiliaryAddresses": {"host": "10.77.0.130"}}
    assert ipam.Pool.from_api(pool.to_api()) == pool
    for entry, message in (({"Gateway": "10.78.0.1"}, "no matching subnet for gateway"),
                           ({"IPRange": "10.77.1.0/25"}, "no matching subnet for range"),
                           ({"AuxiliaryAddresses": {"a": "10.9.9.9"}},
                            "no matching subnet for aux-address"),
                           ({"Gateway": "nope"}, "invalid gateway address")):
        with pytest.raises(InvalidArgument, match=message):
            ipam.finish(subnet, entry)


def test_request_entries_are_checked() -> None:
    assert ipam.pool_from_request({"Subnet": "10.77.0.5/24"})[0] == IPv4Network("10.77.0.0/24")
    with pytest.raises(InvalidArgument, match="invalid CIDR address: bad"):
        ipam.pool_from_request({"Subnet": "bad"})
    with pytest.raises(InvalidArgument, match="IPv4 only"):
        ipam.pool_from_request({"Subnet": "fd00::/64"})
    with pytest.raises(InvalidArgument, match="need a subnet"):
        ipam.pool_from_request({"Gateway": "10.0.0.1"})
    with pytest.raises(InvalidArgument):
        ipam.pool_from_request("10.0.0.0/8")


def test_allocation_skips_what_is_reserved_and_used() -> None:
    pool = ipam.finish(IPv4Network("10.77.0.0/29"), {"AuxiliaryAddresses": {"x": "10.77.0.2"}})
    assert pool.allocate([]) == IPv4Address("10.77.0.3")
    assert pool.allocate([IPv4Address("10.77.0.3")]) == IPv4Address("10.77.0.4")
    with pytest.raises(Forbidden, match="no available IPv4 addresses"):
        pool.allocate(IPv4Address(f"10.77.0.{n}") for n in range(3, 7))
    ranged = ipam.finish(IPv4Network("10.77.0.0/24"), {"IPRange": "10.77.0.64/26"})
    assert ranged.allocate([]) == IPv4Address("10.77.0.65")
    assert pool.reserve(IPv4Address("10.77.0.6"), []) == IPv4Address("10.77.0.6")
    with pytest.raises(Forbidden, match="Address already in use"):
        pool.reserve(IPv4Address("10.77.0.1"), [])
    with pytest.raises(Forbidden, match="not in the subnet"):
        pool.reserve(IPv4Address("10.78.0.6"), [])


def test_host_routes_read_from_the_kernels_table(tmp_path: Path) -> None:
    table = tmp_path / "route"
    table.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    assert ipam.host_routes(table) == [IPv4Network("192.0.2.0/24")]
