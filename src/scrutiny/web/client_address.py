"""Which address a request comes from, for per-client limits, without believing what the client says of itself.

The connection's peer is the client, unless the peer is a proxy named in `Settings.trusted_proxies`
($SCRUTINY_TRUSTED_PROXIES: addresses or networks). Then the client is the right-most address in X-Forwarded-For
that is not itself a trusted proxy: each proxy appends the address it saw, so everything left of that entry was
written by the client and may be forged. With no trusted proxies (the default) forwarding headers are ignored,
X-Forwarded-For and `Forwarded` alike; `Forwarded` is never read (the proxies this serves behind write XFF).
`scrutiny serve` gives uvicorn the same list, so uvicorn's own proxy handling agrees (and is off by default).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import Request

from scrutiny.errors import BadInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadProxySetting(BadInput):
    """A trusted proxy that is neither an IP address nor a network: refused at start, not guessed at."""


@lru_cache(maxsize=16)
def trusted_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """The trusted proxies as networks (a single address is a /32 or /128)."""
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise BadProxySetting(f"trusted proxy {entry!r} (SCRUTINY_TRUSTED_PROXIES) is not an IP address or "
                                  "network, like 127.0.0.1 or 10.0.0.0/8") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An XFF entry as an address: bare, `host:port`, or `[v6]:port`; None when it is not one."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _is_trusted(text: str, networks: Iterable[Network]) -> bool:
    found = _address(text)
    return found is not None and any(found in network for network in networks)


def resolve(peer: str, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """The client's address, given the connection's `peer`, every X-Forwarded-For header's value, and the
    trusted proxies."""
    networks = trusted_networks(trusted)
    if not networks or not _is_trusted(peer, networks):
        return peer
    chain = [entry.strip() for value in forwarded_for for entry in value.split(",") if entry.strip()]
    for entry in reversed(chain):
        if not _is_trusted(entry, networks):
            found = _address(entry)
            return str(found) if found is not None else entry
    return chain[0] if chain else peer  # every hop a trusted proxy: the first one is as far back as we can see


def client_address(request: Request) -> str:
    """The address a per-client limit counts against (see the module's docstring)."""
    peer = request.client.host if request.client else "unknown"
    settings = getattr(request.app.state, "settings", None)
    trusted: tuple[str, ...] = getattr(settings, "trusted_proxies", ())
    return resolve(peer, request.headers.getlist("x-forwarded-for"), trusted)
