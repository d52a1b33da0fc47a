"""The address of whoever sent a request, seen through the proxies the deployment trusts (and only those).

Used for sign-in events, the `source.ip` of the application's own events, and every per-address throttle.
`X-Forwarded-For` is read only when the connection comes from a trusted proxy (`TRUSTED_PROXIES`) or a fixed
number of proxies stands in front (`TRUSTED_PROXY_HOPS`); otherwise anyone could claim any address.
"""
import ipaddress

from django.conf import settings


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def _trusted(address, networks) -> bool:
    return any(address in network for network in networks if address.version == network.version)


def _forwarded_for(request) -> list:
    """The X-Forwarded-For chain, leftmost (the original client) first, each entry an address or None."""
    header = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    return [_address(part) for part in header.split(",") if part.strip()]


def _through_trusted_networks(peer, chain, networks):
    """From the right: skip each trusted proxy; the first address not trusted is the client."""
    if not _trusted(peer, networks):
        return peer
    client = peer
    for hop in reversed(chain):
        if hop is None:  # a garbled entry: stop at the last address a trusted proxy vouched for
            return client
        client = hop
        if not _trusted(hop, networks):
            return hop
    return client


def _through_hops(peer, chain, hops):
    """With `hops` proxies in front, the client is the hops-th address from the right of X-Forwarded-For."""
    if len(chain) < hops:
        return peer
    return chain[-hops] or peer


def client_address(request) -> str | None:
    """The client's IP address as text, or None when the connection has no IP address (a Unix socket)."""
    peer = _address(request.META.get("REMOTE_ADDR"))
    if peer is None:
        return None
    if settings.TRUSTED_PROXIES:
        client = _through_trusted_networks(peer, _forwarded_for(request), settings.TRUSTED_PROXIES)
    elif settings.TRUSTED_PROXY_HOPS:
        client = _through_hops(peer, _forwarded_for(request), settings.TRUSTED_PROXY_HOPS)
    else:
        client = peer
    return str(client)
