"""SSRF guard: which resolved addresses an outbound request may connect to.

In server mode (``engine.server_mode``) the dispatcher refuses targets whose host is, or
resolves to, a non-global address: loopback, RFC 1918 private, link-local (which holds
cloud metadata at 169.254.169.254), CGNAT 100.64/10, unspecified, multicast, reserved,
unique-local IPv6, and every IPv4-mapped IPv6 address (``::ffff:127.0.0.1`` would
otherwise smuggle a loopback target past a v6-only check).

The check runs on every address the resolver returns, at connect time (see
``GuardedResolver``), so a hostname that resolves to a public address on the first lookup
and to 127.0.0.1 later (DNS rebinding) is still caught. IP literals never reach a resolver
in aiohttp, so ``check_host`` covers them before the request starts.

The same policy refuses a target when it is created (``refuse_private_targets``: every URL
field of a request, a literal address or a name that resolves to a refused one now), so a
job that could never fire is an error at once, naming INFRAI_ALLOW_PRIVATE_TARGETS, instead
of a failure at every fire. The connect-time check stays for DNS that changes later.

``allow`` (``settings.allow_private_targets``) lists CIDRs (``10.0.0.0/8``) or hostnames
(``internal.example``) that are let through anyway. The embedded engine (not server mode)
allows everything: it acts for the local user, who may target localhost.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

from infrai_mcp.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
# Every field of a request model that names a URL the engine will send to.
URL_FIELDS = ("url", "on_failure_webhook", "result_url", "events_url", "callback_url")
# A create waits this long for DNS; a name that does not resolve in time is left to the
# connect-time check (it may resolve later).
RESOLVE_TIMEOUT = 3.0


class BlockedTarget(Exception):
    """The target address is not allowed; never retried."""


class Policy:
    def __init__(self, *, enabled: bool, allow: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        self.hosts: set[str] = set()
        for item in allow:
            item = item.strip()
            if not item:
                continue
            try:
                self.networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                self.hosts.add(item.lower().rstrip("."))

    def host_allowed(self, host: str) -> bool:
        return not self.enabled or host.lower().rstrip(".") in self.hosts

    def check_ip(self, ip: IPAddress, host: str) -> None:
        """Raise BlockedTarget when ``ip`` (resolved from ``host``) may not be contacted."""
        if self.host_allowed(host):
            return
        if any(ip in net for net in self.networks):
            return
        reason = blocked_reason(ip)
        if reason:
            raise BlockedTarget(
                f"target {host!r} resolves to {ip} ({reason}); server mode refuses private targets. "
                "Allow it with INFRAI_ALLOW_PRIVATE_TARGETS (CIDR or hostname) if intended"
            )

    def check_host(self, host: str) -> None:
        """Check an IP-literal host now (aiohttp does not resolve literals)."""
        if not self.enabled:
            return
        literal = connect_host(host)
        try:
            ip = ipaddress.ip_address(literal)
        except ValueError:
            return  # a name: checked by GuardedResolver at connect time
        self.check_ip(ip, host)


def connect_host(host: str) -> str:
    """The host the HTTP client will really connect to.

    yarl (under aiohttp) IDNA-encodes hosts with NFKC mapping, so '①②⑦.0.0.1' and
    '127。0。0。1' (fullwidth dots) become the literal 127.0.0.1, which aiohttp connects to
    without asking the resolver. Checking the raw text missed them.
    """
    bare = host.strip("[]")
    try:
        return yarl.URL.build(scheme="http", host=bare).raw_host or bare
    except (ValueError, UnicodeError):
        return bare  # aiohttp refuses such a URL itself


def blocked_reason(ip: IPAddress) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return "IPv4-mapped IPv6 address"
    if ip.is_unspecified:
        return "unspecified address"
    if ip.is_loopback:
        return "loopback address"
    if ip.is_link_local:
        return "link-local/metadata address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "carrier-grade NAT address"
    if ip.is_multicast:
        return "multicast address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "private or reserved address"
    return None


class GuardedResolver(AbstractResolver):
    """Resolves with the system resolver, then applies ``Policy`` to every address."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._inner = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self.policy.enabled and not self.policy.host_allowed(host):
            for r in results:
                self.policy.check_ip(ipaddress.ip_address(r["host"]), host)
        return results

    async def close(self) -> None:
        await self._inner.close()




async def refuse_private_targets(policy: Policy, request: Any) -> None:
    """Refuse, at create/update, a URL field of ``request`` that server mode would refuse at
    fire time: a literal refused address, or a name that resolves to one now. Raises
    InvalidInput naming the field and INFRAI_ALLOW_PRIVATE_TARGETS."""
    if not policy.enabled:
        return
    for field in URL_FIELDS:
        url = getattr(request, field, None)
        if not isinstance(url, str):
            continue
        try:
            await _check_target(policy, url)
        except BlockedTarget as exc:
            raise InvalidInput(f"{field}: {exc}", field=field) from None


async def _check_target(policy: Policy, url: str) -> None:
    parsed = yarl.URL(url)
    host = parsed.raw_host or ""
    if not host or policy.host_allowed(host):
        return
    literal = connect_host(host)
    try:
        policy.check_ip(ipaddress.ip_address(literal), host)
        return
    except ValueError:
        pass  # a name: resolve it
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(literal, parsed.port or 443, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT
        )
    except (OSError, TimeoutError, UnicodeError):
        return  # not resolvable now: the connect-time check decides when it fires
    for info in infos:
        policy.check_ip(ipaddress.ip_address(info[4][0]), host)
