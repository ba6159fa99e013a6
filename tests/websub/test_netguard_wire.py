"""netguard.Caller on the wire: one write per request, nothing smuggled, reuse only when read to the end."""
import http.client
import io
import socket
import threading

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
        "/close": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
        "/chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        "/big": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"y" * 100,
        "/short": b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
        "/continue": b"HTTP/1.1 100 Continue\r\nX-A: 1\r\n\r\nHTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\n\r\nok",
        "/twolengths": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
    }
    CLOSING = ("/close", "/short", "/twolengths")

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
            while line := reader.readline():
                path = line.split()[1].decode()
                length = 0
                while (header := reader.readline()) not in (b"\r\n", b""):
                    if header.lower().startswith(b"content-length:"):
                        length = int(header.split(b":")[1])
                reader.read(length)
                conn.sendall(self.ANSWERS[path])
                if path in self.CLOSING:
                    return

    def stop(self):
        self.listener.close()


@pytest.mark.parametrize("path, answer, connections", [
    ("/ok", (200, b"ok"), 1),  # read to its end: kept alive
    ("/chunked", (200, b"ok"), 1),  # the last chunk read: kept alive
    ("/continue", (200, b"ok"), 1),  # an interim 100 skipped; any case of a header name
    ("/close", (200, b"ok"), 3),  # the server asked to close
    ("/twolengths", (200, b"ok"), 3),  # framing in doubt: read until closed, never reused
    ("/big", (200, b"y" * 10), 3),  # not read to its end: unread bytes would answer the next request
])
def test_a_connection_is_reused_only_after_an_answer_read_to_its_end(path, answer, connections):
    server = RawServer()
    try:
        with netguard.Caller(LOOPBACK, max_read=10) as caller:
            assert [caller.request("POST", server.url(path), b"x", {}) for _ in range(3)] == [answer] * 3
        assert server.connections == connections
    finally:
        server.stop()


def test_an_answer_cut_before_its_length_is_an_error_not_a_short_answer():
    server = RawServer()
    try:
        with netguard.Caller(LOOPBACK) as caller, pytest.raises(http.client.IncompleteRead):
            caller.request("POST", server.url("/short"), b"x", {})
    finally:
        server.stop()


def _fields(raw):
    return netguard._read_fields(io.BytesIO(raw))


def test_header_lines_are_read_as_http_client_reads_them():
    raw = (b"Content-Type: text/plain\r\nX-Folded: a\r\n  b\r\nConnection:  close \r\n"
           b"Vary: a\r\nvary: b\r\n\r\nbody")
    fields, theirs = _fields(raw), http.client.parse_headers(io.BytesIO(raw))
    assert fields.get("connection") == theirs.get("connection").strip() == "close"
    assert fields.get("CONTENT-TYPE") == theirs.get("content-type") == "text/plain"
    assert fields.get("x-folded") == "a b" and fields.get("vary") == "a, b"
    assert fields.get("missing") is None and _fields(b"") == {}


@pytest.mark.parametrize("raw, error", [
    (b"X-Long: " + b"a" * 70_000 + b"\r\n\r\n", http.client.LineTooLong),
    (b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n", http.client.HTTPException),
    (b"no colon here\r\n\r\n", http.client.HTTPException),
    (b"Bad Name: 1\r\n\r\n", http.client.HTTPException),
])
def test_header_lines_past_the_limits_or_malformed_are_an_error(raw, error):
    with pytest.raises(error):
        _fields(raw)


def test_deadlines_that_ended_in_time_do_not_pile_up_in_the_watchdog():
    """A fan-out sends thousands of requests a second, each with a 10-second deadline."""
    for _ in range(5000):
        netguard._Deadline(10.0).cancel()
    live = netguard._Deadline(10.0)
    assert len(netguard._WATCHDOG.heap) <= 2 * netguard._Watchdog.COMPACT_FROM
    assert any(entry[2] is live for entry in netguard._WATCHDOG.heap)
    live.cancel()
