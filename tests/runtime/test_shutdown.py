"""Issue 10, operations: SIGTERM lets the request under way finish, then the WAL is checkpointed
and the process exits 0."""
import os
import signal
import subprocess
import time

from conftest import BIN, ROOT


def test_sigterm_finishes_the_request_under_way_and_checkpoints(serve, tmp_path):
    db = str(tmp_path / "s.sqlite")
    subprocess.run([BIN, "init", "--db", db], check=True, cwd=ROOT, capture_output=True)
    s = serve(db=db)
    # Writes through the server so the WAL has content: failed logins are recorded (throttle).
    for _ in range(3):
        sock = s.connect()
        body = b'{"username":"nobody","password":"wrong"}'
        sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        while sock.recv(4096):
            pass
    assert os.path.getsize(db + "-wal") > 0, "the test needs writes in the WAL"
    # A slow request: its header and half its body are in when SIGTERM arrives.
    sock = s.connect()
    body = b'{"username":"nobody","password":"wrong-again"}'
    sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body[:10]))
    time.sleep(0.5)
    s.proc.send_signal(signal.SIGTERM)
    time.sleep(1)
    assert s.proc.poll() is None, "the server quit with a request under way"
    sock.sendall(body[10:])
    sock.settimeout(10)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed without an answer: {answer!r}"
        answer += chunk
    assert answer.split(b" ")[1] in (b"400", b"401", b"429"), answer
    assert s.proc.wait(15) == 0, s.log()
    wal = db + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0, f"-wal holds {os.path.getsize(wal)} bytes"
    assert "WAL checkpointed" in s.log()
