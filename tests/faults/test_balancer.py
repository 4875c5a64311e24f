"""HAProxy in front of app nodes (backend/front/haproxy.py), with two tiny HTTP servers standing in for the nodes:
health checks on /readyz, both nodes used, a drained node gets no new requests, a dead node's GET and keyed POST
are retried on the other one, and a POST without an Idempotency-Key is not (it may have been done)."""

from __future__ import annotations

import http.client
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.front.haproxy import Balancer
from bench.harness import free_port

pytestmark = pytest.mark.skipif(shutil.which("haproxy") is None, reason="HAProxy not installed (make sysdeps-test)")


class Node(ThreadingHTTPServer):
    """Answers /readyz; other paths answer with the node's name, or drop the connection without a word when
    `dying` (as a node killed mid-request does)."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        self.name, self.dying, self.seen = name, False, []
        super().__init__(("127.0.0.1", free_port()), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        if self.path != "/readyz":
            self.server.seen.append(self.command)
            if self.server.dying:
                self.close_connection = True
                self.connection.close()
                return
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


def _send(port: int, method: str, headers: dict | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request(method, "/api/v1/x", body=b"{}" if method == "POST" else None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.fixture()
def cluster(tmp_path):
    nodes = [Node("node1"), Node("node2")]
    balancer = Balancer(
        prefix=tmp_path / "haproxy", listen=f"127.0.0.1:{free_port()}", nodes=[n.address for n in nodes]
    )
    balancer.start()
    try:
        balancer.wait_up("node1", timeout_s=10)
        balancer.wait_up("node2", timeout_s=10)
        yield balancer, nodes
    finally:
        balancer.stop()
        for node in nodes:
            node.shutdown()
            node.server_close()


def test_both_nodes_serve_and_a_drained_node_gets_nothing_new(cluster):
    balancer, nodes = cluster
    assert {_send(balancer.port, "GET")[1] for _ in range(10)} == {"node1", "node2"}
    balancer.drain("node1")
    assert balancer.servers()["node1"]["status"] == "MAINT"
    before = len(nodes[0].seen)
    assert {_send(balancer.port, "GET")[1] for _ in range(10)} == {"node2"}
    assert len(nodes[0].seen) == before
    balancer.set_state("node1", "ready")
    balancer.wait_up("node1", timeout_s=10)


def test_a_dying_node_s_reads_and_keyed_writes_are_retried_elsewhere_but_not_unkeyed_writes(cluster):
    balancer, nodes = cluster
    nodes[0].dying = True
    for _ in range(6):  # leastconn alternates between idle nodes: node1 is tried for some of these
        assert _send(balancer.port, "GET") == (200, "node2")
        assert _send(balancer.port, "POST", {"Idempotency-Key": "k-" + str(time.monotonic())}) == (200, "node2")
    assert "GET" in nodes[0].seen and "POST" in nodes[0].seen  # they did reach the dying node first
    outcomes = {_send(balancer.port, "POST")[0] for _ in range(6)}
    assert 502 in outcomes  # an unkeyed write that reached node1 is answered 502, not sent twice
