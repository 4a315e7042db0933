"""Local stand-ins for the outside world of notifications, on 127.0.0.1 with random ports:
a WeCom / DingTalk group robot (HTTP) that records every call and answers as scripted, and
an SMTP sink that speaks just enough SMTP to take mail and keep it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass
class RobotCall:
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    answer_status: int
    answer: dict[str, Any]


@dataclass
class Robot:
    """A recording group robot. `answers` is consumed one per call; when empty, `default`."""

    url: str = ""
    calls: list[RobotCall] = field(default_factory=list)
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    default: tuple[int, dict[str, Any]] = (200, {"errcode": 0, "errmsg": "ok"})
    #: When set, the robot checks DingTalk's signature like DingTalk does.
    dingtalk_secret: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self) -> list[str]:
        return [c.body["text"]["content"] for c in self.calls]

    def answer(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self.dingtalk_secret:
            timestamp = query.get("timestamp", "")
            expected = base64.b64encode(
                hmac.new(
                    self.dingtalk_secret.encode(),
                    f"{timestamp}\n{self.dingtalk_secret}".encode(),
                    hashlib.sha256,
                ).digest()
            ).decode()
            if not timestamp or query.get("sign") != expected:
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default


def start_robot() -> tuple[Robot, HTTPServer]:
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            status, answer = robot.answer(query)
            robot.calls.append(RobotCall(parsed.path, query, body, status, answer))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    robot.url = f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test-key"
    return robot, server


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data)

    @property
    def subject(self) -> str:
        return str(make_header(decode_header(self.message["Subject"])))

    def text(self) -> str:
        message = self.message
        part = message.get_payload(decode=True)
        charset = message.get_content_charset() or "utf-8"
        return part.decode(charset) if isinstance(part, bytes) else str(part)


class SmtpSink(socketserver.ThreadingTCPServer):
    """Takes every message (no auth, no TLS) and keeps it in `mails`."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.mails: list[Mail] = []
        super().__init__(("127.0.0.1", 0), _SmtpHandler)


class _SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ESMTP")
        sender, recipients = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                sender = line.split(":", 1)[1].strip().strip("<>").split(">")[0]
                recipients = []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>").split(">")[0])
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                chunks = []
                while True:
                    data_line = self.rfile.readline()
                    if data_line in (b".\r\n", b".\n", b""):
                        break
                    if data_line.startswith(b".."):
                        data_line = data_line[1:]
                    chunks.append(data_line)
                self.server.mails.append(Mail(sender, list(recipients), b"".join(chunks)))
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def start_smtp() -> SmtpSink:
    sink = SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    return sink


@contextmanager
def running_robot() -> Iterator[Robot]:
    """A recording robot for the length of the block (body of a `robot` fixture)."""
    robot, server = start_robot()
    try:
        yield robot
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def running_smtp(settings: Any) -> Iterator[SmtpSink]:
    """An SMTP sink for the length of the block, with Django's real SMTP backend pointed at it
    through pytest-django's `settings` (body of an `smtp` fixture).

    Not fixtures in a tests/notify/conftest.py: that module would shadow tests/conftest.py for
    the `from conftest import …` of these test modules.
    """
    sink = start_smtp()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sink.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "shouwang@example.org"
    try:
        yield sink
    finally:
        sink.shutdown()
        sink.server_close()
