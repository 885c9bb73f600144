"""Times GET /healthz every 20 ms on one keep-alive connection for SECONDS; prints p50 and p99 in ms."""
import http.client
import sys
import time

port, seconds = int(sys.argv[1]), float(sys.argv[2])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
times = []
end = time.time() + seconds
while time.time() < end:
    start = time.perf_counter()
    conn.request("GET", "/healthz")
    r = conn.getresponse()
    r.read()
    times.append((time.perf_counter() - start) * 1000)
    if r.status != 200:
        raise SystemExit(f"/healthz answered {r.status}")
    time.sleep(0.02)
times.sort()
print(f"{times[len(times) // 2]:.1f} {times[min(len(times) - 1, int(len(times) * 0.99))]:.1f} {len(times)}")
