"""Outgoing HTTP for WebSub: public addresses only, the checked address, one total deadline."""
import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import HTTPError

MAX_READ = 64 * 1024
LATE = "제한 시간 안에 끝나지 않았습니다 (no complete answer within the deadline)."
# Not public, though Python 3.11's is_global lets them through: CGNAT, IETF protocol
# assignments, benchmarking, deprecated site-local IPv6 and local-use NAT64.
NOT_PUBLIC = tuple(ipaddress.ip_network(n) for n in (
    "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "fec0::/10", "64:ff9b:1::/48"))
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class Refused(Exception):
    """A URL we will not connect to: not http(s), or an address that is not public."""


class Unresolved(Exception):
    """A host name that does not resolve (now): worth retrying later, never worth a request."""


@dataclass(frozen=True)
class Target:
    """Where a checked URL goes: its host for Host and TLS, and the addresses that passed."""

    scheme: str
    host: str
    port: int
    netloc: str
    path: str
    addresses: tuple


def host_key(url):
    """Return the host a URL calls, as limits and the worker's per-host caps count it."""
    try:
        return (urlsplit(url).hostname or "")[:255]
    except ValueError:
        return ""


def parse_networks(raw):
    """Return networks from a TOML list or a comma/space separated string of CIDRs."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or [])
    try:
        return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items)
    except ValueError as error:
        raise ValueError(f"WEBSUB_ALLOWED_CALLBACK_NETWORKS: {error}") from None


def _embedded_ipv4(ip):
    """Return the IPv4 address an IPv6 address stands for (mapped, NAT64), else None."""
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public(ip):
    """Tell whether an address is globally reachable unicast (embedded IPv4 judged too)."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return is_public(inner)
    if ip.version == 6 and ip.sixtofour is not None and not is_public(ip.sixtofour):
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or getattr(ip, "is_site_local", False)
        or any(ip in net for net in NOT_PUBLIC))


def permitted(ip, allowed=()):
    """Tell whether we may connect to ip: public, or inside a configured network."""
    inner = _embedded_ipv4(ip)
    if any(addr in net for addr in (ip, inner) if addr is not None for net in allowed):
        return True
    return is_public(ip)


def resolve(url, allowed=()):
    """Check an http(s) URL and resolve its host once; return the Target or raise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("주소 형식이 잘못되었습니다 (malformed URL).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("http 또는 https 주소만 쓸 수 있습니다 (only http and https).")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Unresolved(f"호스트 {parts.hostname}을(를) 찾을 수 없습니다 "
                         f"(host does not resolve).") from None
    addresses = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not permitted(ip, allowed):
            # Every address must pass: a name that also points inside is refused outright.
            raise Refused(f"{parts.hostname}의 주소 {ip}은(는) 공개 주소가 아니라 연결할 수 "
                          f"없습니다 (address {ip} is not public).")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    netloc = parts.netloc.rpartition("@")[2]  # credentials in a URL are never sent
    return Target(parts.scheme, parts.hostname, port, netloc, path, tuple(addresses))


class _Deadline:
    """Shuts a connection's socket down when the total time runs out, whatever it is waiting on."""

    def __init__(self, seconds):
        self.lock = threading.Lock()
        self.expired = False
        self.connection = None
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True
        self.timer.start()

    def _fire(self):
        with self.lock:
            self.expired = True
            sock = self.connection.sock if self.connection is not None else None
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def watch(self, connection):
        """Hand over a connected socket; raise if the time already ran out while connecting."""
        with self.lock:
            if self.expired:
                raise TimeoutError(LATE)
            self.connection = connection

    def cancel(self):
        self.timer.cancel()


def request(method, url, body=None, headers=None, *, deadline=10.0, allowed=(),
            max_read=MAX_READ):
    """Send one request to a checked address, never redirected; return (status, body head)."""
    target = resolve(url, allowed)
    started = time.monotonic()
    guard = _Deadline(deadline)
    connection = None
    try:
        connection = _connect(target, started + deadline)
        guard.watch(connection)
        connection.timeout = max(0.01, started + deadline - time.monotonic())
        connection.request(method, target.path, body=body,
                           headers={"Host": target.netloc, "Accept-Encoding": "identity",
                                    **(headers or {})},
                           preload_content=False, decode_content=False)
        response = connection.getresponse()
        answer = response.status, response.read(max_read, decode_content=False)
    except Exception as error:
        if guard.expired:
            raise TimeoutError(f"{LATE} ({deadline:g} s)") from error
        raise
    else:
        if guard.expired:  # a cut connection can look like a short, complete answer
            raise TimeoutError(f"{LATE} ({deadline:g} s)")
        return answer
    finally:
        guard.cancel()
        if connection is not None:
            connection.close()


def _connect(target, ends):
    """Connect to the first checked address that answers; TLS is verified against the host name."""
    error = TimeoutError(LATE)
    for address in target.addresses:
        # The socket timeout bounds the TCP connect and, separately, the whole TLS handshake:
        # half the time left each keeps both within the deadline.
        timeout = (ends - time.monotonic()) / 2
        if timeout <= 0:
            break
        if target.scheme == "https":
            connection = HTTPSConnection(address, target.port, timeout=timeout,
                                         server_hostname=target.host, assert_hostname=target.host)
        else:
            connection = HTTPConnection(address, target.port, timeout=timeout)
        try:
            connection.connect()
            return connection
        except (OSError, HTTPError) as failure:  # refused, timed out, TLS: try the next address
            connection.close()
            error = failure
    raise error
