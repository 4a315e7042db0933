"""Notifications: one inbox row per recipient, the unread count in the header, the inbox
page and API, and the global group-robot webhook of the settings (tested against a local
HTTP server; the outbox itself is tested in test_delivery.py)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from conftest import send
from django.test import TestCase

from shouwang.notify import services
from shouwang.notify.models import Notification


@pytest.fixture
def robot() -> Iterator[tuple[str, queue.Queue[dict[str, Any]], list[int]]]:
    """A local stand-in for a WeCom / DingTalk group robot: records what it is sent."""
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.put(json.loads(self.rfile.read(length)))
            self.send_response(status[0])
            self.end_headers()
            self.wfile.write(b'{"errcode":0}')

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/robot/send?key=test", received, status
    finally:
        server.shutdown()
        server.server_close()


def test_one_row_per_recipient_and_unread_count(world: Any) -> None:
    leader, member = world.users["team_leader"], world.users["patrol_member"]
    rows = services.notify(
        [leader, member, leader, None], kind="test", title="排班已发布", body="11月"
    )
    assert len(rows) == 2
    assert services.unread_count(leader) == 1 and services.unread_count(member) == 1
    assert services.mark_read(leader) == 1
    assert services.unread_count(leader) == 0 and services.unread_count(member) == 1
    # Nobody reads another user's inbox.
    assert list(services.inbox_for(leader).values_list("recipient_id", flat=True)) == [leader.pk]


def test_inbox_page_header_count_and_api(world: Any, login: Any) -> None:
    user = world.users["patrol_member"]
    services.notify([user], kind="test", title="你的排班有变动", body="− 11-12 夜巡岗")
    services.notify([world.users["team_leader"]], kind="test", title="别人的通知")
    client = login("patrol_member")
    home = client.get("/notifications/")
    text = home.content.decode()
    assert home.status_code == 200
    assert "你的排班有变动" in text and "别人的通知" not in text
    assert 'class="badge">1<' in text  # the unread count in the header
    api = client.get("/api/v1/notifications/").json()
    assert api["unread"] == 1 and [n["title"] for n in api["results"]] == ["你的排班有变动"]
    marked = send(client, "post", "/api/v1/notifications/read", {"ids": None})
    assert marked.json() == {"marked": 1}
    assert Notification.objects.get(recipient=user).read_at is not None
    assert client.post("/notifications/read/").status_code == 302
    assert login("team_leader").get("/api/v1/notifications/").json()["unread"] == 1


def test_anonymous_users_have_no_inbox(client: Any) -> None:
    assert client.get("/notifications/").status_code == 302
    assert services.unread_count(None) == 0


def test_webhook_sends_after_commit(world: Any, settings: Any, robot: Any) -> None:
    url, received, _status = robot
    settings.SHOUWANG_WEBHOOK_URL = url
    settings.SHOUWANG_JOBS_EAGER = True  # the sender runs in this thread, after the commit
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.notify([world.users["patrol_member"]], kind="test", title="换班已批准", body="好")
        assert received.empty()  # nothing leaves before the commit
    assert len(callbacks) == 1
    message = received.get(timeout=10)
    assert message["msgtype"] == "text" and "换班已批准" in message["text"]["content"]


def test_webhook_failures_never_raise(robot: Any) -> None:
    url, received, status = robot
    status[0] = 500
    assert services.send_webhook("hello", url) is False
    assert received.get(timeout=10)["text"]["content"] == "hello"
    status[0] = 200
    assert services.send_webhook("hello again", url) is True
    assert services.send_webhook("x", "http://127.0.0.1:9/closed") is False
    assert services.send_webhook("x", "file:///etc/passwd") is False


def test_without_webhook_nothing_is_sent(world: Any, settings: Any, robot: Any) -> None:
    _url, received, _status = robot
    settings.SHOUWANG_WEBHOOK_URL = ""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.notify([world.users["patrol_member"]], kind="test", title="t")
    assert callbacks == [] and received.empty()
