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

import httptools
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
MAX_HEAD = 256 * 1024  # all of an answer's head, interim answers included
MAX_DRAIN = 64 * 1024  # body bytes read past max_read (and dropped) to keep a connection
RECV_SIZE = 64 * 1024


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
        if idle is not None and not idle.is_connected:
            # Readable while idle: closed by the subscriber, or bytes nobody asked for, which
            # would be taken for the next request's answer (urllib3's own check before reuse).
            idle.close()
            idle = None
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

    Straight on the socket, the answer parsed by httptools (llhttp): urllib3's request and
    response objects cost more than the rest of a kept-alive POST to a fast subscriber.
    """
    sock.settimeout(max(0.01, ends - time.monotonic()))  # the watchdog cuts whatever is left
    sock.sendall(message)
    answer = _Answer(method, max_read)
    feed, head = answer.parser.feed_data, 0
    while True:
        data = sock.recv(RECV_SIZE)
        if not data:
            return answer.at_end()
        if not answer.final:  # the chunk that completes the head counts whole
            head += len(data)
            if head > MAX_HEAD:
                raise http.client.HTTPException(f"answer head over {MAX_HEAD} bytes")
        try:
            feed(data)
        except _PARSER_ERRORS:
            if answer.error is not None:  # a limit of ours, raised inside a callback
                raise answer.error from None
            if not answer.done:
                raise
            # Stopped after the answer (a HEAD's head, bytes after it): never reused.
            return answer.result(), False
        if answer.done:
            return answer.result(), answer.keep
        if answer.final and answer.seen >= max_read and (
                answer.seen > max_read + MAX_DRAIN or not answer.parser.should_keep_alive()):
            # Read on past what we keep only to reuse the connection, and only so far.
            return answer.result(), False


# What httptools raises on a malformed answer, or one switching protocols.
_PARSER_ERRORS = (httptools.HttpParserError, httptools.HttpParserUpgrade)


class _Stop(Exception):
    """Raised in a callback to stop the parser: the answer is complete for us."""


class _Answer:
    """One answer as httptools' parser reports it: status, the body's head, where it stands.

    llhttp does the framing (Content-Length, chunked, until closed; a repeated or conflicting
    length is an error, not a guess); these callbacks keep http.client's limits on the head.
    """

    __slots__ = ("parser", "method", "max_read", "status", "final", "done", "error",
                 "headers", "line", "framed", "body", "kept", "seen", "started", "keep")

    def __init__(self, method, max_read):
        self.method, self.max_read = method, max_read
        self.final = self.done = self.started = False
        self.error, self.body, self.kept, self.seen, self.keep = None, [], 0, 0, False
        self.parser = httptools.HttpResponseParser(self)

    def _fail(self, error):
        self.error = error
        raise error

    def on_message_begin(self):
        if self.done:  # bytes after the answer would answer our next request
            raise _Stop()
        self.started, self.headers, self.line, self.framed = True, 0, 0, False

    def on_status(self, reason):
        self.line += len(reason)
        if self.line > MAX_LINE - 15:  # "HTTP/1.1 200 " and CRLF
            self._fail(http.client.LineTooLong("status line"))

    def on_header(self, name, value):
        self.headers += 1
        if self.headers > MAX_HEADERS:
            self._fail(http.client.HTTPException(f"got more than {MAX_HEADERS} headers"))
        if len(name) + len(value) + 4 > MAX_LINE:  # ": " and CRLF
            self._fail(http.client.LineTooLong("header line"))
        name = name.lower()
        if name == b"content-length":
            self.framed = True
        elif name == b"transfer-encoding":  # chunked last, or the body runs until closed
            self.framed = value.rpartition(b",")[2].strip().lower() == b"chunked"

    def on_headers_complete(self):
        status = self.parser.get_status_code()
        if status == 101:
            self._fail(http.client.HTTPException("the server switched protocols"))
        if status < 200:
            return  # an interim answer (100 Continue): the final one follows
        version = self.parser.get_http_version()
        if not version.startswith(("1.", "0.9")):
            self._fail(http.client.UnknownProtocol(f"HTTP/{version}"))
        self.status, self.final = status, True
        if self.method == "HEAD":  # no body, whatever its length says
            self.done = True
            raise _Stop()

    def on_body(self, data):
        room = self.max_read - self.kept
        if room > 0:
            self.body.append(data[:room] if len(data) > room else data)
            self.kept += min(room, len(data))
        self.seen += len(data)

    def on_message_complete(self):
        self.done = self.final  # after an interim answer, read on
        self.keep = self.done and self.parser.should_keep_alive()  # llhttp resets it after this

    def result(self):
        return self.status, b"".join(self.body)

    def at_end(self):
        """The other side closed: the answer if it runs until then, else an error."""
        if self.done or (self.final and not self.framed):
            return self.result(), False
        if not self.started:  # a kept-alive connection it had closed before our request
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        raise http.client.IncompleteRead(b"".join(self.body))


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
