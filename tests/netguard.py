"""A test helper that records and refuses every network connection and name lookup that
does not stay on this machine (loopback addresses, ``localhost``, Unix sockets).

Python-level: ``socket.socket.connect``/``connect_ex``, ``socket.getaddrinfo`` and
``socket.gethostbyname`` are patched, which covers urllib3, requests, httpx, aiohttp and
asyncio. gRPC's C core opens its own sockets, so when grpc is installed its channel
factories (``grpc[.aio].insecure_channel`` / ``secure_channel``, what OpenTelemetry's
exporters call) are patched too; install the guard before anything imports them.
"""
from __future__ import annotations

import ipaddress
import socket


def is_local(host) -> bool:
    if host in (None, "", "localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode()
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def grpc_host(target: str) -> str:
    """The host of a gRPC target ("dns:///h:4317", "ipv4:1.2.3.4:50051", "[::1]:4317", "h")."""
    t = str(target).split("///", 1)[-1]
    for scheme in ("dns:", "ipv4:", "ipv6:"):
        t = t.removeprefix(scheme)
    if t.startswith("unix:"):
        return "localhost"
    if t.startswith("["):
        return t[1:t.index("]")]
    return t.rsplit(":", 1)[0] if t.count(":") == 1 else t


class NetGuard:
    """``install()`` starts recording (and refusing) outbound attempts into ``attempts``;
    ``uninstall()`` puts the real functions back."""

    def __init__(self):
        self.attempts: list[str] = []
        self.grpc_guarded = False   # grpc installed and its channel factories patched
        self._saved: list[tuple[object, str, object | None]] = []

    def _refuse(self, what: str, target) -> None:
        self.attempts.append(f"{what} {target!r}")
        raise OSError(f"outbound network refused in tests: {what} {target!r}")

    def install(self) -> "NetGuard":
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
        real_getaddrinfo, real_gethostbyname = socket.getaddrinfo, socket.gethostbyname
        guard = self

        def outbound(sock, address) -> bool:
            return sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(address[0])

        def connect(sock, address):
            if outbound(sock, address):
                guard._refuse("connect", address)
            return real_connect(sock, address)

        def connect_ex(sock, address):
            if outbound(sock, address):
                guard.attempts.append(f"connect_ex {address!r}")
                return 111  # ECONNREFUSED
            return real_connect_ex(sock, address)

        def getaddrinfo(host, *args, **kw):
            if not is_local(host):
                guard._refuse("getaddrinfo", host)
            return real_getaddrinfo(host, *args, **kw)

        def gethostbyname(host):
            if not is_local(host):
                guard._refuse("gethostbyname", host)
            return real_gethostbyname(host)

        for owner, name, fn in ((socket.socket, "connect", connect), (socket.socket, "connect_ex", connect_ex),
                                (socket, "getaddrinfo", getaddrinfo), (socket, "gethostbyname", gethostbyname)):
            self._patch(owner, name, fn)
        self._guard_grpc()
        return self

    def _patch(self, owner, name: str, fn) -> None:
        own = name in vars(owner)  # socket.socket inherits connect from _socket.socket
        self._saved.append((owner, name, getattr(owner, name) if own else None))
        setattr(owner, name, fn)

    def _guard_grpc(self) -> None:
        try:
            import grpc
            import grpc.aio
        except ImportError:
            return
        for module in (grpc, grpc.aio):
            for name in ("insecure_channel", "secure_channel"):
                self._patch(module, name, self._channel_factory(getattr(module, name), f"grpc {name}"))
        self.grpc_guarded = True

    def _channel_factory(self, real, what: str):
        def channel(target, *args, **kw):
            if not is_local(grpc_host(target)):
                self._refuse(what, target)
            return real(target, *args, **kw)
        return channel

    def uninstall(self) -> None:
        while self._saved:
            owner, name, fn = self._saved.pop()
            if fn is None:
                delattr(owner, name)
            else:
                setattr(owner, name, fn)
