"""Issue 10, item 3: header, body and idle deadlines and the connection limit."""
import time
import urllib.request

from conftest import closed_within


def test_half_sent_header_is_closed_after_header_timeout(serve):
    s = serve("--header-timeout", "1", "--idle-timeout", "30")
    sock = s.connect()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
    took, data = closed_within(sock, 5)
    assert took is not None, "a half-sent request was still held after 5 s"
    assert took < 3
    assert data.startswith(b"HTTP/1.1 408"), data


def test_slow_body_is_closed_after_body_timeout(serve):
    s = serve("--body-timeout", "1", "--idle-timeout", "30")
    sock = s.connect()
    sock.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
    took, data = closed_within(sock, 5)
    assert took is not None and took < 3, "a request with a half-sent body was still held"
    assert data.startswith(b"HTTP/1.1 408"), data


def test_idle_keep_alive_connection_is_closed_after_idle_timeout(serve):
    s = serve("--idle-timeout", "1")
    sock = s.connect()
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    first = sock.recv(4096)
    assert first.startswith(b"HTTP/1.1 200"), first
    took, _ = closed_within(sock, 5)
    assert took is not None and took < 3, "an idle keep-alive connection was still open after 5 s"


def test_answered_requests_keep_the_connection_within_idle_timeout(serve):
    s = serve("--idle-timeout", "3", "--header-timeout", "1")
    sock = s.connect()
    for _ in range(3):
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 200")
        time.sleep(1.5)  # longer than the header timeout: that one must not run between requests


def test_healthz_answers_with_more_idle_connections_than_the_limit(serve):
    s = serve("--max-connections", "50", "--idle-timeout", "60")
    idle = [s.connect() for _ in range(60)]
    for sock in idle[:30]:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")  # half of them did a request first
    for sock in idle[:30]:
        sock.settimeout(5)
        try:
            sock.recv(4096)
        except OSError:
            pass
    assert_healthz_answers_quickly(s)
    for sock in idle:
        sock.close()


def test_healthz_answers_with_more_half_sent_requests_than_the_limit(serve):
    """Slowloris: every slot holds a request whose header never ends. Evicting only idle
    connections refused everyone (the health check too) until the header deadline."""
    s = serve("--max-connections", "50", "--header-timeout", "60")
    slow = [s.connect() for _ in range(60)]
    for sock in slow:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # no blank line: the header never ends
    time.sleep(0.3)
    assert_healthz_answers_quickly(s)
    for sock in slow:
        sock.close()


def assert_healthz_answers_quickly(s):
    """Five health checks in a row, each answered 200 within 2 s."""
    for _ in range(5):
        start = time.time()
        with urllib.request.urlopen(s.url("/healthz"), timeout=5) as r:
            assert r.status == 200
        assert time.time() - start < 2
