"""Runtime tests against a real debug server on loopback: each test starts its own server with
the options it needs on a scratch store (ports MACHIGIS_RUNTIME_PORT and up)."""
import os
import socket
import subprocess
import time
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("MACHIGIS_BIN", os.path.join(ROOT, ".build/debug/machigis"))
_port = [int(os.environ.get("MACHIGIS_RUNTIME_PORT", "20300"))]


class Server:
    def __init__(self, db, args, tmp):
        self.port = _port[0]
        _port[0] += 1
        self.db = db
        self.log_path = os.path.join(tmp, f"server-{self.port}.log")
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen([BIN, "serve", "--db", db, "--port", str(self.port), *args], stdout=log, stderr=log, cwd=ROOT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1).read()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError("server did not start: " + self.log())

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def connect(self):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        return s

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("store")
    db = str(tmp / "t.sqlite")
    subprocess.run([BIN, "init", "--db", db], check=True, cwd=ROOT, capture_output=True)
    return db


@pytest.fixture
def serve(store, tmp_path):
    servers = []

    def start(*args, db=None):
        s = Server(db or store, args, str(tmp_path))
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def closed_within(sock, seconds):
    """Seconds until the server closed the connection (reading whatever it sent first), or None."""
    sock.settimeout(seconds)
    start = time.time()
    data = b""
    try:
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                return time.time() - start, data
            data += chunk
    except (socket.timeout, TimeoutError):
        return None, data
    except ConnectionResetError:
        return time.time() - start, data
