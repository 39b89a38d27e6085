"""Which addresses kaiwatch may connect to for links that strangers wrote (R3).

Pure functions, no I/O: :mod:`flows.fetch.client` calls them on literal hosts before a
request, on every address a name resolves to before dialling it, and on the
address a connection actually reached.

Python's :mod:`ipaddress` is not enough on its own: it calls ``100.64.0.1``
(CGNAT) not private, and ``64:ff9b::7f00:1`` (127.0.0.1 through NAT64) or
``::ffff:8.8.8.8`` global. So IPv4 addresses carried inside IPv6 forms are
unwrapped and judged as IPv4, and the ranges it misjudges are listed here::

    check_address("10.0.0.5")          -> "a private address 10.0.0.5"
    check_address("64:ff9b::7f00:1")   -> "a loopback address 127.0.0.1 (as the NAT64 address 64:ff9b::7f00:1)"
    check_address("93.184.215.14")     -> None  (global: allowed)
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["IPAddress", "check_address", "legacy_ipv4", "parse_ip", "unwrap_ipv4"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.ip_network("100.64.0.0/10")  # RFC 6598; not "private" to ipaddress
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215; "global" to ipaddress 3.11
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d
_PRIVATE = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
# The carrier prefixes that are only a route to their IPv4 address: judge the IPv4 alone.
# (Teredo and IPv4-compatible addresses are not globally routable in themselves.)
_TRANSPARENT_FORMS = frozenset({"IPv4-mapped", "NAT64", "6to4"})

# One part of a numeric IPv4 host as inet_aton() and browsers read it: hex, octal or decimal.
_PART = re.compile(r"0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*", re.I)


def parse_ip(host: str) -> IPAddress | None:
    """Return ``host`` as an address if it is a standard IPv4 or IPv6 literal, else None.

    Brackets and an IPv6 zone (``%eth0``, ``%25eth0``) are accepted.
    """
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]  # the zone says which interface, not which address
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address a non-standard numeric host stands for, else None.

    ``2130706433``, ``0x7f.1``, ``127.1`` and ``0177.0.0.1`` all mean 127.0.0.1
    to the system resolver. A standard dotted quad gives None (see
    :func:`parse_ip`), as does any host that is not all numbers.
    """
    if len(host) > 253 or parse_ip(host) is not None:  # 253: the longest DNS name
        return None
    parts = host.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.fullmatch(part) for part in parts):
        return None
    numbers = [
        int(part, 16) if part[:2].lower() == "0x" else int(part, 8 if part[0] == "0" else 10)
        for part in parts
    ]
    # As inet_aton(): a.b.c.d, a.b.cd (16 bits), a.bcd (24 bits), abcd (32 bits).
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 1 << (8 * (5 - len(numbers))):
        return None
    value = last
    for index, number in enumerate(leading):
        value |= number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def unwrap_ipv4(ip: IPAddress) -> tuple[ipaddress.IPv4Address, str] | None:
    """Return the IPv4 address an IPv6 address carries, and the form's name, or None.

    The forms: IPv4-mapped (``::ffff:a.b.c.d``), NAT64 (``64:ff9b::/96``),
    6to4 (``2002::/16``), Teredo (``2001::/32``, the client address) and the
    deprecated IPv4-compatible (``::a.b.c.d``).
    """
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped, "IPv4-mapped"
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), "NAT64"
    if ip.sixtofour is not None:
        return ip.sixtofour, "6to4"
    if ip.teredo is not None:
        return ip.teredo[1], "Teredo"
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1, judged as IPv6 below
        return ipaddress.IPv4Address(int(ip)), "IPv4-compatible"
    return None


def check_address(address: str | IPAddress) -> str | None:
    """Return why kaiwatch may not connect to ``address``, or None if it is global.

    The reason is a phrase naming the kind of address and the address, made
    to follow "resolves to" or "is": ``"a private address 10.0.0.5"``.
    IPv4 carried in IPv6 is judged as IPv4 (:func:`unwrap_ipv4`).

    :param address: an IPv4 or IPv6 address (a string may carry an IPv6 zone).
    :raises ValueError: ``address`` is not an IP address.
    """
    ip = address if not isinstance(address, str) else parse_ip(address)
    if ip is None:
        raise ValueError(f"not an IP address: {address!r}")
    wrapped = unwrap_ipv4(ip)
    if wrapped is not None:
        inner, form = wrapped
        kind = _kind(inner)
        if kind is not None:
            return f"{kind} {inner} (as the {form} address {ip})"
        if form in _TRANSPARENT_FORMS:
            return None
    kind = _kind(ip)
    return None if kind is None else f"{kind} {ip}"


def _kind(ip: IPAddress) -> str | None:
    """Name the kind of a non-global address ("a loopback address"); None if global."""
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip in _CGNAT:
        return "a shared (CGNAT) address"
    if ip.is_multicast:
        return "a multicast address"
    if any(ip in net for net in _PRIVATE):
        return "a private address"
    if ip in _NAT64_LOCAL:
        return "a local-use NAT64 address"
    if ip.is_reserved:
        return "a reserved address"
    if not ip.is_global:
        return "a special-purpose address"
    return None
