"""netguard.Caller on the wire: one write per request, nothing smuggled, reuse only when read to the end."""
import http.client
import socket
import threading
import time

import httptools
import pytest

from feedserver.websub import netguard

LOOPBACK = netguard.parse_networks("127.0.0.0/8")


class CountingSocket:
    """A connected socket that counts its writes (everything else goes to the real one)."""

    def __init__(self, sock, writes):
        self._sock, self._writes = sock, writes

    def sendall(self, data):
        self._writes.append(len(data))
        return self._sock.sendall(data)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def test_each_request_leaves_in_one_write_with_its_headers_and_body(websub, monkeypatch):
    """Headers and body in one sendall: no second segment for the subscriber to wait for."""
    writes, connect = [], netguard._connect

    def counted(target, ends):
        connection = connect(target, ends)
        connection.sock = CountingSocket(connection.sock, writes)
        return connection
    monkeypatch.setattr(netguard, "_connect", counted)
    sink, body = websub.Sink(), b"<feed>" + b"x" * 50_000 + b"</feed>"
    try:
        with netguard.Caller(LOOPBACK) as caller:
            answers = [caller.request("POST", sink.url(f"/cb/{n}"), body,
                                      {"Content-Type": "application/atom+xml", "X-Hub-Signature": f"sha256={n}"})
                       for n in range(3)]
        assert answers == [(204, b"")] * 3 and sink.connections == 1
        assert len(writes) == 3 and all(size > len(body) for size in writes)
        for n, (headers, got) in enumerate(sink.by_path()[f"/cb/{n}"][0] for n in range(3)):
            assert got == body and headers["X-Hub-Signature"] == f"sha256={n}"
            assert headers["Host"] == sink.base.removeprefix("http://")
            assert headers["Content-Length"] == str(len(body))
    finally:
        sink.stop()


@pytest.mark.parametrize("url_path, headers, error", [
    ("/cb/a b", {}, http.client.InvalidURL),
    ("/cb/a\x00b", {}, http.client.InvalidURL),
    ("/cb/1", {"X-Test": "a\r\nX-Smuggled: 1"}, ValueError),
    ("/cb/1", {"X-Test": "a\nGET /internal HTTP/1.1"}, ValueError),
    ("/cb/1", {"X Bad": "a"}, ValueError),
])
def test_a_request_that_could_smuggle_another_is_never_sent(websub, url_path, headers, error):
    sink = websub.Sink()
    try:
        with netguard.Caller(LOOPBACK) as caller, pytest.raises(error):
            caller.request("POST", sink.url(url_path), b"x", headers)
        assert sink.count() == 0 and sink.connections == 0
    finally:
        sink.stop()


class RawServer:
    """Answers each request with the canned bytes its path names; counts connections."""

    ANSWERS = {
        "/ok": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "/ok-bye": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",  # then closed, unannounced
        "/close": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        "/close-spaced": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection:  Keep-Alive, CLOSE \r\n\r\nok",
        "/http10": b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: 1\r\n\r\n",
        "/big": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 100,
        "/big-split": (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 50, b"y" * 50),  # 2 writes
        "/huge": b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" + b"y" * 300_000,
        "/short": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        "/cut-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n",
        "/cut-head": b"HTTP/1.1 200 OK\r\nContent-Le",
        "/until-close": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil closed",
        "/until-close-big": b"HTTP/1.1 200 OK\r\n\r\n" + b"z" * 300_000,
        "/continue": b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\n\r\nok",
        "/no-content": b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
        "/not-modified": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
        "/head": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
        "/trailing": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n",
        "/twolengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
        "/length-and-chunked": (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        "/bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",
        "/folded": b"HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length: 2\r\n\r\nok",
        "/no-colon": b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 2\r\n\r\nok",
        "/bad-name": b"HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 2\r\n\r\nok",
        "/garbage": b"SSH-2.0-OpenSSH_9.6\r\n",
        "/http2": b"HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        "/switch": b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
        "/long-line": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 70_000 + b"\r\nContent-Length: 2\r\n\r\nok",
        "/longest-line": b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 65_000 + b"\r\nContent-Length: 2\r\n\r\nok",
        "/many-headers": (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(100))
                          + b"Content-Length: 2\r\n\r\nok"),
        "/100-headers": (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(99))
                         + b"Content-Length: 2\r\n\r\nok"),
        "/big-head": (b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: %s\r\n" % (n, b"h" * 60_000) for n in range(5))
                      + b"Content-Length: 2\r\n\r\nok"),
        "/endless-continue": b"HTTP/1.1 100 Continue\r\nX-Pad: " + b"c" * 1000 + b"\r\n\r\n",
        # A whole answer, then (in a later segment, unasked) another one on the idle connection.
        "/late-extra": (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", b"HTTP/1.1 204 No Content\r\n\r\n"),
    }
    CLOSING = ("/ok-bye", "/close", "/close-spaced", "/http10", "/short", "/cut-chunked", "/cut-head",
               "/until-close", "/until-close-big")

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}{path}"

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn, conn.makefile("rb") as reader:
            try:
                while line := reader.readline():
                    path = line.split()[1].decode()
                    length = 0
                    while (header := reader.readline()) not in (b"\r\n", b""):
                        if header.lower().startswith(b"content-length:"):
                            length = int(header.split(b":")[1])
                    reader.read(length)
                    if path == "/endless-continue":  # interim answers until the client gives up
                        while True:
                            conn.sendall(self.ANSWERS[path])
                    answer = self.ANSWERS[path]
                    for n, part in enumerate(answer if isinstance(answer, tuple) else (answer,)):
                        time.sleep(0.05 if n else 0)  # a later part comes in a later segment
                        conn.sendall(part)
                    if path in self.CLOSING:
                        return
            except OSError:  # the client closed first: it had read what it wanted
                return

    def stop(self):
        self.listener.close()


@pytest.fixture
def server():
    server = RawServer()
    yield server
    server.stop()


@pytest.mark.parametrize("path, method, answer, connections", [
    ("/ok", "POST", (200, b"ok"), 1),  # read to its end: kept alive
    ("/chunked", "POST", (200, b"ok"), 1),  # the last chunk and its trailer read: kept alive
    ("/continue", "POST", (200, b"ok"), 1),  # an interim 100 skipped; any case of a header name
    ("/no-content", "POST", (204, b""), 1),  # no body after a 204, whatever its length says
    ("/not-modified", "GET", (304, b""), 1),  # nor after a 304
    ("/100-headers", "POST", (200, b"ok"), 1),  # at the header limit
    ("/longest-line", "POST", (200, b"ok"), 1),  # a header line just under its limit
    ("/big", "POST", (200, b"y" * 10), 1),  # past max_read: the rest read (and dropped), then reused
    ("/big-split", "POST", (200, b"y" * 10), 1),  # ... also when the rest comes later
    ("/close", "POST", (200, b"ok"), 3),  # the server asked to close
    ("/close-spaced", "POST", (200, b"ok"), 3),  # however it spells it
    ("/http10", "POST", (200, b"ok"), 3),  # HTTP/1.0 without keep-alive
    ("/until-close", "POST", (200, b"until clos"), 3),  # no length: read until closed, never reused
    ("/until-close-big", "POST", (200, b"z" * 10), 3),  # ... and only as far as wanted
    ("/huge", "POST", (200, b"y" * 10), 3),  # far past max_read: not read on, so closed
    ("/head", "HEAD", (200, b""), 3),  # no body after a HEAD; where its head ended is not known
    ("/trailing", "POST", (200, b"ok"), 3),  # bytes after the answer would answer the next request
])
def test_a_connection_is_reused_only_after_an_answer_read_to_its_end(server, path, method, answer,
                                                                     connections):
    with netguard.Caller(LOOPBACK, max_read=10) as caller:
        assert [caller.request(method, server.url(path), b"x" if method == "POST" else None, {})
                for _ in range(3)] == [answer] * 3
    assert server.connections == connections


@pytest.mark.parametrize("path, error", [
    ("/short", http.client.IncompleteRead),  # cut before its length
    ("/cut-chunked", http.client.IncompleteRead),  # cut before its last chunk
    ("/cut-head", http.client.IncompleteRead),  # cut inside its head
])
def test_an_answer_cut_before_its_end_is_an_error_not_a_short_answer(server, path, error):
    with netguard.Caller(LOOPBACK) as caller, pytest.raises(error):
        caller.request("POST", server.url(path), b"x", {})


@pytest.mark.parametrize("path, error", [
    ("/twolengths", httptools.HttpParserError),  # framing in doubt: refused, never guessed
    ("/length-and-chunked", httptools.HttpParserError),  # the classic smuggling pair
    ("/bad-length", httptools.HttpParserError),
    ("/folded", httptools.HttpParserError),  # obsolete line folding: refused, as llhttp does
    ("/no-colon", httptools.HttpParserError),
    ("/bad-name", httptools.HttpParserError),
    ("/garbage", httptools.HttpParserError),
    ("/http2", http.client.UnknownProtocol),
    ("/switch", http.client.HTTPException),
    ("/long-line", http.client.LineTooLong),  # http.client's limits: 65536 bytes a line,
    ("/many-headers", http.client.HTTPException),  # 100 headers,
    ("/big-head", http.client.HTTPException),  # and 256 KiB for the whole head
    ("/endless-continue", http.client.HTTPException),  # interim answers included
])
def test_a_malformed_or_oversized_answer_fails_at_once_and_is_not_reused(server, path, error):
    """The server keeps each connection open: a parse error must end the request, never hang."""
    with netguard.Caller(LOOPBACK, deadline=5) as caller:
        for _ in range(2):
            began = time.monotonic()
            with pytest.raises(error):
                caller.request("POST", server.url(path), b"x", {})
            assert time.monotonic() - began < 2
        assert caller.connections == {}
    assert server.connections == 2


def test_a_kept_alive_connection_the_subscriber_closed_is_opened_again(server):
    with netguard.Caller(LOOPBACK) as caller:
        assert [caller.request("POST", server.url("/ok-bye"), b"x", {}) for _ in range(3)] == [(200, b"ok")] * 3
    assert server.connections == 3


def test_bytes_that_arrive_on_an_idle_connection_are_never_taken_for_the_next_answer(server):
    with netguard.Caller(LOOPBACK) as caller:
        assert caller.request("POST", server.url("/late-extra"), b"x", {}) == (200, b"ok")
        time.sleep(0.2)  # the unasked 204 arrives while the connection is idle
        assert caller.request("POST", server.url("/late-extra"), b"x", {}) == (200, b"ok")
    assert server.connections == 2


def test_deadlines_that_ended_in_time_do_not_pile_up_in_the_watchdog():
    """A fan-out sends thousands of requests a second, each with a 10-second deadline."""
    for _ in range(5000):
        netguard._Deadline(10.0).cancel()
    live = netguard._Deadline(10.0)
    assert len(netguard._WATCHDOG.heap) <= 2 * netguard._Watchdog.COMPACT_FROM
    assert any(entry[2] is live for entry in netguard._WATCHDOG.heap)
    live.cancel()
