"""``url-policy``: which ``image_url`` URLs a client may send to competitors.

Competitors (and the model providers behind them) fetch image URLs; a URL to a loopback,
link-local or private address would make them fetch from inside our network on a client's
behalf (SSRF). So only the allowed schemes pass (``data:`` and ``https:`` by default), a
``data:`` URL must really be base64, and an https host must not be, or resolve to, a
non-public address. The guardrail never fetches anything itself. (A host may resolve
differently later — DNS rebinding — which is why competitors have no egress but the
platform.)
"""

from __future__ import annotations

import asyncio
import binascii
import ipaddress
import socket
from typing import ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from janus.builtin.guardrails._messages import image_urls, split_data_url
from janus.errors import GuardrailViolation
from janus.hookspecs import hookimpl
from janus.interfaces import Phase, RequestContext

# Decoding this much base64 takes a few milliseconds: larger payloads go to a thread.
_INLINE_DECODE_CHARS = 256 * 1024


class UrlPolicy:
    class Settings(BaseModel):
        model_config = ConfigDict(extra="forbid")
        allowed_schemes: list[str] = Field(default_factory=lambda: ["data", "https"])
        allow_private_hosts: bool = False
        resolve_hosts: bool = True
        resolve_timeout_s: float = Field(2.0, gt=0)
        # Run alongside the upstream call, hiding DNS latency (it only ever blocks).
        parallel: bool = False

    phases: ClassVar[frozenset[Phase]] = frozenset({"request"})

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.parallel = settings.parallel

    async def check_request(self, request: RequestContext) -> None:
        for url, param in image_urls(request.body):
            await self._check(url, param)

    async def _check(self, url: str, param: str) -> None:
        scheme = url.partition(":")[0].lower()
        if scheme not in self.settings.allowed_schemes:
            allowed = ", ".join(f"{s}:" for s in self.settings.allowed_schemes)
            raise _refused(f"Only {allowed} image URLs are accepted.", param)
        if scheme == "data":
            await _check_data_url(url, param)
            return
        try:
            host = urlsplit(url).hostname
        except ValueError:
            host = None
        if not host:
            raise _refused("The image URL has no host.", param)
        if not self.settings.allow_private_hosts:
            for address in await self._addresses(host, param):
                if not is_public_address(address):
                    raise _refused(
                        "The image URL points at a private, loopback or link-local address.",
                        param,
                    )

    async def _addresses(self, host: str, param: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if not self.settings.resolve_hosts:
            return [] if host.lower() != "localhost" else ["127.0.0.1"]
        try:
            return await resolve_host(host, self.settings.resolve_timeout_s)
        except (OSError, TimeoutError):
            raise _refused(f"The image URL's host '{host}' cannot be resolved.", param) from None


async def resolve_host(host: str, timeout_s: float) -> list[str]:
    """The addresses ``host`` resolves to (itself when it is an IP address); raises
    ``OSError`` or ``TimeoutError`` when it cannot be resolved in time."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    async with asyncio.timeout(timeout_s):
        infos = await asyncio.get_running_loop().getaddrinfo(host, 443, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


# IPv6 forms that carry an IPv4 address the packet (or a translator) ends up at: such an
# address is as public as the IPv4 address inside it.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # the well-known NAT64 prefix (RFC 6052)
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def is_public_address(address: str) -> bool:
    """Whether ``address`` is a public unicast address (not loopback, private, link-local,
    site-local, multicast or reserved): what may be fetched on an untrusted party's behalf.

    IPv6 addresses that embed an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, 6to4
    ``2002::/16``, NAT64 ``64:ff9b::/96``) are judged by that IPv4 address, since that is
    where they lead; the deprecated IPv4-compatible ``::a.b.c.d`` form, Teredo and anything
    outside global unicast ``2000::/3`` are never public."""
    ip = ipaddress.ip_address(address.partition("%")[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is None:
            return ip in _GLOBAL_UNICAST and ip.is_global and ip.teredo is None
        ip = embedded
    return ip.is_global and not ip.is_multicast


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


async def _check_data_url(url: str, param: str) -> None:
    parts = split_data_url(url)
    if parts is None or not parts[1]:
        raise _refused("A data: image URL must be base64 ('data:<type>;base64,<data>').", param)
    payload = parts[2]
    try:
        if len(payload) > _INLINE_DECODE_CHARS:
            await asyncio.to_thread(binascii.a2b_base64, payload, strict_mode=True)
        else:
            binascii.a2b_base64(payload, strict_mode=True)
    except (binascii.Error, ValueError):
        raise _refused("The data: image URL is not valid base64.", param) from None


def _refused(message: str, param: str) -> GuardrailViolation:
    return GuardrailViolation(message, code="invalid_image_url", param=param)


@hookimpl
def register_guardrails(register):
    register("url-policy", UrlPolicy)
