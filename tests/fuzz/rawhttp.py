"""A minimal HTTP/1.1 client over a socket: the fuzzer must send bytes that http.client and
urllib refuse to build (control characters in headers, broken percent-encoding, raw non-ASCII
in the target), and it must see exactly what the server answered (or that it answered nothing)."""
import socket
import urllib.request


def build(method, target, headers, body=b""):
    """Request bytes. `target` and header values may be str (UTF-8) or bytes (sent as they are);
    Content-Length is added for a body unless the headers already name it."""
    def b(v):
        return v if isinstance(v, bytes) else str(v).encode("utf-8", "surrogateescape")

    lines = [b(method) + b" " + b(target) + b" HTTP/1.1", b"Host: 127.0.0.1"]
    names = {b(k).lower() for k, _ in headers}
    for k, v in headers:
        lines.append(b(k) + b": " + b(v))
    if body and b"content-length" not in names and b"transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def send(port, raw, timeout=15.0):
    """Sends the request bytes; returns (status or None when the server answered nothing, head, body prefix)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse early (oversized headers) and still answer: read it
        chunks = []
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                chunks.append(data)
                if sum(map(len, chunks)) > 4 * 1024 * 1024:
                    break
        except ConnectionResetError:
            pass
    data = b"".join(chunks)
    if not data.startswith(b"HTTP/"):
        return None, data[:200], b""
    head, _, body = data.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None, head[:200], b""
    return status, head, body[:2000]


def healthy(port, timeout=10.0):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False
