"""Whom per-client limits count: one IPv4 address, or one IPv6 /64 (what one host is given)."""
import ipaddress


def client_key(address):
    """Return the address, its IPv4 form when mapped, or its /64 for IPv6; unparsable: as given."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if ip.version == 6:
        mapped = ip.ipv4_mapped
        return str(mapped) if mapped else str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
