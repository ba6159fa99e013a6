"""Outgoing HTTP for WebSub: public addresses only, the checked address, one total deadline."""
import heapq
import http.client
import ipaddress
import itertools
import re
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
# A control character or space in a request target or Host, or a CR/LF in a header, would let a
# callback URL or a header smuggle a second request: such a request fails (that subscriber
# alone, as http.client's own check did), never sent.
CONTROL = re.compile(r"[\x00-\x20\x7f]")
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
LINE_BREAK = re.compile(r"[\r\n\x00]")
BODY_METHODS = ("POST", "PUT", "PATCH")
MAX_LINE, MAX_HEADERS = 65536, 100  # http.client's limits on an answer's header lines


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
    parts = _split(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _checked_addresses(parts.hostname, port, allowed)
    return _target(parts, port, addresses)


def _split(url):
    """Split an http(s) URL with a host, or refuse it."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise Refused("주소 형식이 잘못되었습니다 (malformed URL).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("http 또는 https 주소만 쓸 수 있습니다 (only http and https).")
    return parts


def _target(parts, port, addresses):
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    netloc = parts.netloc.rpartition("@")[2]  # credentials in a URL are never sent
    return Target(parts.scheme, parts.hostname, port, netloc, path, addresses)


def _checked_addresses(hostname, port, allowed):
    """Resolve a host; every address must be permitted, or the host is refused outright."""
    try:
        infos = socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Unresolved(f"호스트 {hostname}을(를) 찾을 수 없습니다 "
                         f"(host does not resolve).") from None
    addresses = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not permitted(ip, allowed):
            # Every address must pass: a name that also points inside is refused outright.
            raise Refused(f"{hostname}의 주소 {ip}은(는) 공개 주소가 아니라 연결할 수 "
                          f"없습니다 (address {ip} is not public).")
        if str(ip) not in addresses:
            addresses.append(str(ip))
    return tuple(addresses)


class _Watchdog:
    """One thread per process that cuts requests past their total deadline.

    A timer thread per request cost more than a kept-alive POST to a fast subscriber.
    """

    COMPACT_FROM = 1024  # heap entries before ended deadlines are swept out

    def __init__(self):
        self.cond = threading.Condition()
        self.heap = []
        self.order = itertools.count()
        self.thread = None
        self.compact_at = self.COMPACT_FROM

    def add(self, deadline):
        with self.cond:
            if len(self.heap) >= self.compact_at:
                self._compact()
            heapq.heappush(self.heap, (deadline.ends, next(self.order), deadline))
            if self.thread is None or not self.thread.is_alive():  # none yet, or forked
                self.thread = threading.Thread(target=self._run, name="netguard-deadlines",
                                               daemon=True)
                self.thread.start()
            elif self.heap[0][2] is deadline:
                self.cond.notify()

    def _run(self):
        while True:
            with self.cond:
                while not self.heap:
                    self.cond.wait()
                ends, _, deadline = self.heap[0]
                if deadline.cancelled:  # ended in time: nothing to wait for
                    heapq.heappop(self.heap)
                    continue
                delay = ends - time.monotonic()
                if delay > 0:
                    self.cond.wait(delay)
                    continue
                heapq.heappop(self.heap)
            deadline.fire()


    def _compact(self):
        """Drop deadlines that ended in time: a fan-out adds thousands a second, each kept its full time."""
        self.heap = [entry for entry in self.heap if not entry[2].cancelled]
        heapq.heapify(self.heap)
        self.compact_at = max(self.COMPACT_FROM, 2 * len(self.heap))  # amortized: the heap doubles first


_WATCHDOG = _Watchdog()


class _Deadline:
    """Shuts a connection's socket down when the total time runs out, whatever it is waiting on."""

    def __init__(self, seconds):
        self.lock = threading.Lock()
        self.expired = False
        self.cancelled = False
        self.connection = None
        self.ends = time.monotonic() + seconds
        _WATCHDOG.add(self)

    def fire(self):
        with self.lock:
            if self.cancelled:
                return
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
        with self.lock:
            self.cancelled = True
            self.connection = None  # the Caller keeps or closes it; the watchdog must not hold it


def request(method, url, body=None, headers=None, *, deadline=10.0, allowed=(),
            max_read=MAX_READ):
    """Send one request to a checked address, never redirected; return (status, body head)."""
    with Caller(allowed, deadline, max_read) as caller:
        return caller.request(method, url, body, headers)


class _Stale(Exception):
    """A kept-alive connection the other side had closed before our request."""


# What a kept-alive connection closed by the other side raises before any answer arrives.
STALE = (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected)


class Caller:
    """Guarded requests over kept-alive connections, one per origin, checked once per origin.

    A fan-out batch sends hundreds of POSTs to one callback host: its name is resolved and its
    addresses checked once, and its connection is reused while the subscriber keeps it open.
    Each request still has its own total deadline and is never redirected.
    """

    def __init__(self, allowed=(), deadline=10.0, max_read=MAX_READ):
        self.allowed, self.deadline, self.max_read = allowed, deadline, max_read
        self.origins = {}  # (scheme, host, port) -> checked addresses
        self.connections = {}  # (scheme, host, port) -> idle kept-alive connection

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close every kept-alive connection."""
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()

    def request(self, method, url, body=None, headers=None):
        """Send one request; return (status, first max_read bytes of the body)."""
        parts = _split(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        key = (parts.scheme, parts.hostname, port)
        if key not in self.origins:
            self.origins[key] = _checked_addresses(parts.hostname, port, self.allowed)
        target = _target(parts, port, self.origins[key])
        headers = headers or {}
        idle = self.connections.pop(key, None)
        if idle is not None:
            try:
                return self._send(key, idle, target, method, body, headers)
            except _Stale:
                pass  # the subscriber closed it between two requests: connect again
        return self._send(key, None, target, method, body, headers)

    def _send(self, key, connection, target, method, body, headers):
        started, reused = time.monotonic(), connection is not None
        head = _head(method, target, headers, body)
        guard = _Deadline(self.deadline)
        try:
            connection = connection or _connect(target, started + self.deadline)
            guard.watch(connection)
            answer, reusable = _exchange(connection.sock, started + self.deadline, method,
                                         head + (body or b""), self.max_read)
        except Exception as error:
            if connection is not None:
                connection.close()
            if guard.expired:
                raise TimeoutError(f"{LATE} ({self.deadline:g} s)") from error
            if reused and isinstance(error, STALE):
                raise _Stale() from error
            raise
        finally:
            guard.cancel()
        if guard.expired:  # a cut connection can look like a short, complete answer
            connection.close()
            raise TimeoutError(f"{LATE} ({self.deadline:g} s)")
        if reusable:
            self.connections[key] = connection
        else:
            connection.close()
        return answer


def _head(method, target, headers, body):
    """Return a request's line and headers as bytes; refuse any that could smuggle a second request."""
    if CONTROL.search(target.path) or CONTROL.search(target.netloc):
        raise http.client.InvalidURL("주소에 쓸 수 없는 문자가 있습니다 (control character in URL).")
    fields = {"Host": target.netloc, "Accept-Encoding": "identity", **headers}
    if body is not None or method in BODY_METHODS:
        fields["Content-Length"] = str(len(body or b""))
    lines = [f"{method} {target.path} HTTP/1.1"]
    for name, value in fields.items():
        value = str(value)
        if not HEADER_NAME.fullmatch(name) or LINE_BREAK.search(value):
            raise ValueError(f"invalid header {name!r}")
        lines.append(f"{name}: {value}")
    lines += ["", ""]
    return "\r\n".join(lines).encode("latin-1")


def _exchange(sock, ends, method, message, max_read):
    """Send a whole request in one write and read its answer; return ((status, body head), reusable).

    Straight on the socket with http.client's response parser: urllib3's request and response
    objects cost more than the rest of a kept-alive POST to a fast subscriber.
    """
    sock.settimeout(max(0.01, ends - time.monotonic()))  # the watchdog cuts whatever is left
    sock.sendall(message)
    response = _Answer(sock, method=method)
    try:
        response.begin()
        data = response.read(max_read)
        if len(data) < max_read and response.length:  # the other side closed before the end
            raise http.client.IncompleteRead(data, response.length)
        # Reused only when read to its end and the server did not ask to close.
        reusable = response.isclosed() and not response.will_close
    finally:
        response.close()
    return (response.status, data), reusable


class _Fields(dict):
    """An answer's header fields by lower-case name; a repeated one's values joined by commas."""

    def get(self, name, default=None):
        return super().get(name.lower(), default)


def _read_fields(fp):
    """Read header lines up to the blank one, within http.client's limits on size and count."""
    fields, last = _Fields(), None
    for _ in range(MAX_HEADERS + 1):
        line = fp.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return fields
        text = line.decode("latin-1").rstrip("\r\n")
        if text[:1] in (" ", "\t") and last is not None:  # an obsolete folded line continues the field
            fields[last] += " " + text.strip()
            continue
        name, colon, value = text.partition(":")
        if not colon or not HEADER_NAME.fullmatch(name):
            raise http.client.HTTPException(f"malformed header line {text[:80]!r}")
        last, value = name.lower(), value.strip()
        fields[last] = f"{fields[last]}, {value}" if last in fields else value
    raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")


class _Answer(http.client.HTTPResponse):
    """http.client's response with its header lines parsed by _read_fields.

    http.client hands them to the email package, whose parser cost more than the rest of a
    kept-alive POST. The framing rules are http.client's: a repeated Content-Length is no
    number, so such an answer is read until the other side closes and never reused.
    """

    def begin(self):
        version, status, reason = self._read_status()
        while status == http.client.CONTINUE:
            _read_fields(self.fp)
            version, status, reason = self._read_status()
        if version not in ("HTTP/1.0", "HTTP/0.9") and not version.startswith("HTTP/1."):
            raise http.client.UnknownProtocol(version)
        self.code = self.status = status
        self.reason = reason.strip()
        self.version = 10 if version in ("HTTP/1.0", "HTTP/0.9") else 11
        self.headers = self.msg = _read_fields(self.fp)
        self.chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        self.chunk_left = None
        self.will_close = self._check_close()
        length = self.headers.get("content-length", "")
        self.length = int(length) if length.isascii() and length.isdigit() and not self.chunked else None
        if status in (http.client.NO_CONTENT, http.client.NOT_MODIFIED) or status < 200 \
                or self._method == "HEAD":
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:
            self.will_close = True


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
