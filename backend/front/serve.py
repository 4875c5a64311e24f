"""`python -m backend.front.serve`: the API as `make run` serves it - gunicorn on a unix socket, nginx in front on
the public address buffering whole requests (slow clients cost nginx a connection, never a gunicorn thread).

Both run in the foreground under this launcher: nginx with `daemon off` and a prefix folder of its own
(config, pid, error log, temp files; nginx runs as whoever starts it, root in the sandbox), gunicorn with
backend/gunicorn_conf.py. Ctrl-C or SIGTERM stops both; if either exits, the other is stopped too.

With demo data, a third child keeps the demo kiosks beating (backend/fleet/simulator.py, signed heartbeats through
nginx like real kiosks); `--no-simulator` leaves it out. It stops with the others.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ROOT = Path(__file__).resolve().parents[2]
UPLOAD_MAX_BODY = "520m"  # VERIFICATION_MAX_UPLOAD_BYTES (512 MiB) and the multipart framing around it


def render(
    *,
    prefix: Path,
    listen: str,
    upstream: str,
    worker_processes: str = "auto",
    worker_connections: int = 4096,
    client_header_timeout: str = "10s",
    client_body_timeout: str = "10s",
    upload_max_body: str = UPLOAD_MAX_BODY,
) -> Path:
    """Write {prefix}/nginx.conf from the template; returns its path."""
    values = {
        "prefix": str(prefix),
        "listen": listen,
        "upstream": upstream,
        "worker_processes": worker_processes,
        "worker_connections": str(worker_connections),
        "client_header_timeout": client_header_timeout,
        "client_body_timeout": client_body_timeout,
        "upload_max_body": upload_max_body,
    }
    for name, value in values.items():
        if any(c in value for c in ";{}#\n\t "):
            raise ValueError(f"{name}: {value!r} would break the nginx configuration")
    values["user_directive"] = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError("the nginx template has a placeholder nobody filled in")
    for folder in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "temp" / folder).mkdir(parents=True, exist_ok=True)
    target = prefix / "nginx.conf"
    target.write_text(text, encoding="utf-8")
    return target


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise SystemExit("nginx is not installed (Debian: apt-get install nginx); `make run` installs it as root")
    return found


def _wait_for_socket(path: Path, process: subprocess.Popen, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode} before it was ready")
        if path.exists():
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(str(path))
                    return
                except OSError:
                    pass
        time.sleep(0.1)
    raise SystemExit("gunicorn did not open its socket in time")


def _wait_for_port(listen: str, process: subprocess.Popen, timeout_s: float) -> None:
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    # A wildcard listen address is reached on loopback (this is a connect, not a bind).
    if host == "*" or (host[:1].isdigit() and ipaddress.ip_address(host).is_unspecified):
        host = "127.0.0.1"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"nginx exited with {process.returncode}; see its error.log")
        try:
            with socket.create_connection((host, int(port)), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("nginx did not start listening in time")


class Front:
    """gunicorn + nginx as one unit: start(), wait(), stop()."""

    def __init__(
        self,
        *,
        listen: str,
        prefix: Path,
        workers: int,
        app: str = "backend:create_app()",
        gunicorn_args: tuple[str, ...] = (),
        env: dict | None = None,
        nginx_options: dict | None = None,
        log_path: Path | None = None,
    ) -> None:
        self.listen, self.prefix, self.workers, self.app = listen, prefix, workers, app
        self.gunicorn_args, self.nginx_options = gunicorn_args, nginx_options or {}
        self.env = dict(os.environ if env is None else env)
        # The app trusts exactly one proxy hop (nginx) for the client address: see backend/app.py.
        self.env.setdefault("PROXY_FIX_HOPS", "1")
        self.socket = prefix / "gunicorn.sock"
        self.log_path = log_path  # gunicorn's output (its access log); None: this process's stdout
        self.gunicorn: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None

    def start(self, timeout_s: float = 60) -> Front:
        # Private: nginx's error log may quote a request line (with its query) when the upstream fails.
        self.prefix.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        config = render(prefix=self.prefix, listen=self.listen, upstream=f"unix:{self.socket}", **self.nginx_options)
        nginx = nginx_binary()
        command = [nginx, "-p", str(self.prefix), "-c", str(config), "-e", str(self.prefix / "error.log")]
        subprocess.run([*command, "-t", "-q"], check=True)
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        output = open(self.log_path, "ab") if self.log_path else None
        try:
            self.gunicorn = subprocess.Popen(
                [
                    gunicorn,
                    "--config",
                    str(ROOT / "backend" / "gunicorn_conf.py"),
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"unix:{self.socket}",
                    *self.gunicorn_args,
                    self.app,
                ],
                env=self.env,
                cwd=ROOT,
                start_new_session=True,
                stdout=output,
                stderr=output,
            )
        finally:
            if output is not None:
                output.close()
        try:
            _wait_for_socket(self.socket, self.gunicorn, timeout_s)
            self.nginx = subprocess.Popen(command, start_new_session=True)
            _wait_for_port(self.listen, self.nginx, timeout_s)
        except BaseException:
            self.stop()
            raise
        return self

    def wait(self) -> int:
        """Block until either process exits; then stop the other. Returns the first exit code."""
        while True:
            for process in (self.nginx, self.gunicorn):
                if process is not None and process.poll() is not None:
                    code = process.returncode
                    self.stop()
                    return code
            time.sleep(0.5)

    def stop(self) -> None:
        # nginx: SIGQUIT finishes the requests in flight; gunicorn: SIGTERM is its graceful stop.
        for process, sig in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if process is not None and process.poll() is None:
                process.send_signal(sig)
        for process in (self.nginx, self.gunicorn):
            if process is None:
                continue
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        self.socket.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:5000", help="the public address nginx listens on")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--prefix",
        type=Path,
        default=ROOT / "instance" / "front",
        help="nginx's folder: config, pid, error log, temp files, and gunicorn's socket",
    )
    parser.add_argument(
        "--no-simulator", action="store_true", help="do not start the demo fleet simulator (backend/fleet/simulator.py)"
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="write the nginx configuration into the prefix and exit (for a system nginx)",
    )
    parser.add_argument(
        "--demo", action="store_true", help="once up, print the demo logins too (`flask demo-banner`; make run)"
    )
    parser.add_argument(
        "--upstream", default=None, help="with --render-only: gunicorn's address, e.g. unix:/run/congdan/gunicorn.sock"
    )
    args = parser.parse_args(argv)
    if args.render_only:
        prefix = args.prefix.resolve()
        upstream = args.upstream or f"unix:{prefix / 'gunicorn.sock'}"
        print(render(prefix=prefix, listen=args.listen, upstream=upstream))
        return 0
    front = Front(listen=args.listen, prefix=args.prefix.resolve(), workers=args.workers).start()
    # The demo kiosks keep beating only for the demo data (make run passes --demo).
    simulator = start_simulator(args.listen) if args.demo and not args.no_simulator else None

    def _stop(signum, _frame):
        stop_simulator(simulator)
        front.stop()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"congdan: nginx on http://{args.listen} -> gunicorn on unix:{front.socket} (Ctrl-C stops both)", flush=True)
    print(addresses(args.listen), flush=True)
    if args.demo:
        # The logins come from the database the server uses, so run with the server's environment.
        shown = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "backend", "demo-banner"],
            cwd=ROOT,
            env=front.env,
            capture_output=True,
            text=True,
            check=False,
        )
        print(shown.stdout.rstrip() or shown.stderr.rstrip(), flush=True)
    if simulator is not None:
        print("congdan: demo kiosks beating (fleet simulator; --no-simulator to leave it out)", flush=True)
    try:
        return front.wait()
    finally:
        stop_simulator(simulator)


def start_simulator(listen: str) -> subprocess.Popen:
    """The demo fleet simulator as a child process, sending to nginx's address."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if host == "*" or (host[:1].isdigit() and ipaddress.ip_address(host).is_unspecified):
        host = "127.0.0.1"
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "backend", "fleet-simulate", "--url", f"http://{host}:{port}"],
        cwd=ROOT,
        start_new_session=True,
    )


def stop_simulator(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def addresses(listen: str) -> str:
    """Where to go once the server is up (the front door links to all of them)."""
    host, _, port = listen.rpartition(":")
    if host in ("", "*", "[::]") or (host[:1].isdigit() and ipaddress.ip_address(host).is_unspecified):
        host = "127.0.0.1"  # a wildcard listen is reached on loopback from this machine
    base = f"http://{host}:{port}"
    return "\n".join(
        [
            f"  Trang chủ / Front door:            {base}/",
            f"  Đăng nhập cán bộ / Staff login:    {base}/login",
            f"  Tài liệu API / API docs (offline): {base}/api/docs",
            f"  OpenID Connect discovery:          {base}/.well-known/openid-configuration",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
