"""A real SMTP server in process (aiosmtpd), the settings that point the app at it, and helpers.

The sink keeps a message only once it has answered 250 to the client, as a real relay would:
a message whose client vanished while the server was still deciding counts as never accepted.
"""
import asyncio
import email
import email.policy
import re
import threading

from aiosmtpd.controller import Controller

from tests.support.servers import free_port
from tests.support.websub import FAST


class Sink:
    """Accepted messages, recipients to refuse with 550, and an optional hold on the n-th DATA."""

    def __init__(self):
        self.messages = []  # (recipient, email.message.EmailMessage)
        self.refuse = set()
        self.hold_at = None  # hold the n-th DATA (1-based) until the client goes away
        self.holding = threading.Event()
        self.datas = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.datas += 1
            hold = self.datas == self.hold_at
        if hold:
            self.holding.set()
            for _ in range(400):  # up to 20 s for the test to kill the client
                if server.transport is None or server.transport.is_closing():
                    return "451 4.3.0 client went away"  # never accepted: nothing kept
                await asyncio.sleep(0.05)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt, message))
        return "250 OK"

    def to(self, address):
        """Return the messages accepted for one recipient."""
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == address]

    def count(self):
        with self.lock:
            return len(self.messages)


class SmtpServer:
    """aiosmtpd on a free port of 127.0.0.1; `config` points the app at it."""

    def __init__(self):
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.config = {**FAST, "MAIL_SMTP_HOST": "127.0.0.1", "MAIL_SMTP_PORT": self.port,
                       "MAIL_SMTP_SECURITY": "none", "MAIL_RATE_PER_MINUTE": 0,
                       "MAIL_FROM": "경기도 대변인실 <press@example.go.kr>",
                       "MAIL_REPLY_TO": "desk@example.go.kr", "BASE_URL": "https://press.example.go.kr"}

    def stop(self):
        self.controller.stop()


def link(message, pattern):
    """Return the first URL in a message's plain text that matches pattern."""
    text = message.get_body(("plain",)).get_content()
    found = re.search(r"https?://\S*" + pattern + r"\S*", text)
    assert found, text
    return found.group(0)


def path_of(url):
    return "/" + url.split("/", 3)[3]
