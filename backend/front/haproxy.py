"""HAProxy in front of several app nodes: render its configuration, run it in the foreground, and drive its
runtime API (drain a node before a graceful restart, bring it back, read each node's state and open sessions).

    python -m backend.front.haproxy --listen 127.0.0.1:8080 --node 127.0.0.1:8001 --node 127.0.0.1:8002

Nodes are health-checked on /readyz; reads and writes carrying an Idempotency-Key are retried on another node
when theirs dies mid-request (backend/front/haproxy.cfg.template).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")
BACKEND = "app_nodes"


def _check_address(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or any(c in value for c in " \t\n#{}"):
        raise ValueError(f"{value!r} is not host:port")
    return value


def render(*, prefix: Path, listen: str, nodes: list[str], node_maxconn: int = 64) -> Path:
    """Write {prefix}/haproxy.cfg; node i is named node{i+1}."""
    servers = "\n".join(f"    server node{i + 1} {_check_address(node)} check" for i, node in enumerate(nodes))
    values = {
        "listen": _check_address(listen),
        "servers": servers,
        "admin_socket": str(prefix / "admin.sock"),
        "pidfile": str(prefix / "haproxy.pid"),
        "node_maxconn": str(node_maxconn),
    }
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError("the HAProxy template has a placeholder nobody filled in")
    target = prefix / "haproxy.cfg"
    target.write_text(text, encoding="utf-8")
    return target


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if not found:
        raise SystemExit("HAProxy is not installed (Debian: apt-get install haproxy); `make cluster` installs it")
    return found


class Balancer:
    """One HAProxy process (foreground, `-db`) and its admin socket."""

    def __init__(self, *, prefix: Path, listen: str, nodes: list[str], log_path: Path | None = None) -> None:
        self.prefix, self.listen, self.nodes, self.log_path = prefix, listen, nodes, log_path
        self.process: subprocess.Popen | None = None

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    def start(self, timeout_s: float = 15) -> Balancer:
        self.prefix.mkdir(mode=0o700, parents=True, exist_ok=True)
        config = render(prefix=self.prefix, listen=self.listen, nodes=self.nodes)
        binary = haproxy_binary()
        subprocess.run([binary, "-c", "-q", "-f", str(config)], check=True)
        output = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen([binary, "-db", "-f", str(config)], stdout=output, stderr=output)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("haproxy did not start listening")

    def command(self, line: str) -> str:
        """One command on the runtime API (see HAProxy's management guide)."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.settimeout(5)
            admin.connect(str(self.prefix / "admin.sock"))
            admin.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict]:
        """node name -> {status, scur (open sessions), qcur (queued)} from `show stat`."""
        lines = self.command("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        out = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(","), strict=False))
            if row.get("pxname") == BACKEND and row.get("svname", "").startswith("node"):
                out[row["svname"]] = {
                    "status": row["status"],
                    "scur": int(row["scur"] or 0),
                    "qcur": int(row["qcur"] or 0),
                }
        return out

    def set_state(self, node: str, state: str) -> None:
        """ready | drain | maint. `drain`: no new requests, the open ones finish."""
        answer = self.command(f"set server {BACKEND}/{node} state {state}")
        if answer.strip():
            raise RuntimeError(f"haproxy refused {state} for {node}: {answer.strip()}")

    def drain(self, node: str, timeout_s: float = 30) -> float:
        """Stop sending new requests to `node` and wait until its open requests finished; returns seconds."""
        started = time.monotonic()
        self.set_state(node, "drain")
        while time.monotonic() - started < timeout_s:
            state = self.servers()[node]
            if state["scur"] == 0 and state["qcur"] == 0:
                break
            time.sleep(0.02)
        self.set_state(node, "maint")
        return time.monotonic() - started

    def wait_up(self, node: str, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.servers()[node]["status"].startswith("UP"):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{node} did not come UP behind haproxy")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGUSR1)  # soft stop: finish open connections, then exit
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:8080")
    parser.add_argument("--node", action="append", required=True, help="host:port of an app node (repeat)")
    parser.add_argument("--prefix", default="instance/haproxy")
    options = parser.parse_args()
    balancer = Balancer(prefix=Path(options.prefix).resolve(), listen=options.listen, nodes=options.node).start()
    process = balancer.process
    signal.signal(signal.SIGTERM, lambda *_: balancer.stop())
    signal.signal(signal.SIGINT, lambda *_: balancer.stop())
    return process.wait()


if __name__ == "__main__":
    sys.exit(main())
