"""Issue 10, operations: X-Request-Id, JSON request logs, /metrics (admin or private listener)."""
import json
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import BIN, ROOT, _port


def get(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


@pytest.fixture(scope="module")
def tokens(store):
    out = {}
    for name, role in [("kanri1", "admin"), ("douro1", "road_traffic")]:
        subprocess.run([BIN, "user", "add", name, "--role", role, "--db", store], cwd=ROOT, capture_output=True, input=b"")
        out[role] = subprocess.run([BIN, "token", "create", name, "--db", store], cwd=ROOT, capture_output=True,
                                   check=True).stdout.decode().strip()
    return out


def test_request_id_on_every_answer(serve):
    s = serve()
    for path in ["/healthz", "/no/such/page", "/ogc/collections/sewer_pipes/items?limit=abc", "/api/auth/me"]:
        status, headers, _ = get(s.url(path), {"X-Request-Id": "abc-123.X_y"})
        assert headers["X-Request-Id"] == "abc-123.X_y", (path, status)
        status, headers, _ = get(s.url(path))
        assert re.fullmatch(r"[0-9a-f-]{36}", headers["X-Request-Id"]), (path, headers["X-Request-Id"])
    for bad in ["a" * 65, "x y", "evil\u00e9", "a;b"]:
        _, headers, _ = get(s.url("/healthz"), {"X-Request-Id": bad.encode("utf-8").decode("latin-1")})
        assert headers["X-Request-Id"] != bad and re.fullmatch(r"[0-9a-f-]{36}", headers["X-Request-Id"])


def test_json_log_has_one_object_per_request_without_query_or_credentials(serve, tokens):
    s = serve("--log-format", "json")
    status, _, _ = get(s.url("/ogc/collections/sewer_pipes/items?limit=1&filter=secret_plate"),
        {"X-Request-Id": "req-json-1", "Authorization": "Bearer " + tokens["admin"], "Cookie": "machigis_session=zzz"})
    time.sleep(0.5)
    lines = [json.loads(l) for l in s.log().splitlines() if l.startswith("{")]
    assert lines, s.log()
    line = next(l for l in lines if l.get("request_id") == "req-json-1")
    assert line["method"] == "GET"
    assert line["path"] == "/ogc/collections/sewer_pipes/items"
    assert line["route"] == "/ogc/collections/{collectionId}/items" or "{" in line["route"]
    assert line["status"] == status == 400  # the filter names no property: a problem, logged too
    assert float(line["duration_ms"]) >= 0
    assert line["client"] == "127.0.0.1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00", line["time"])
    text = s.log()
    assert "secret_plate" not in text and tokens["admin"] not in text and "zzz" not in text


def test_metrics_need_an_admin_token(serve, tokens):
    s = serve()
    get(s.url("/healthz"))
    get(s.url("/ogc/collections/sewer_pipes/items?limit=1"))
    assert get(s.url("/metrics"))[0] == 401
    assert get(s.url("/metrics"), {"Authorization": "Bearer " + tokens["road_traffic"]})[0] == 403
    status, headers, body = get(s.url("/metrics"), {"Authorization": "Bearer " + tokens["admin"]})
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert re.search(r'http_requests_total\{route="/healthz",method="GET",status="200"\} [1-9]', body), body
    # The route template, not the raw path: clients cannot create label values at will.
    assert 'route="/ogc/collections/{collectionId}/items"' in body or "collections/{" in body, body
    assert "sewer_pipes/items" not in body
    assert "http_request_duration_seconds_bucket" in body
    assert "http_requests_in_flight" in body


def test_metrics_on_a_private_listener(serve):
    mport = _port[0] + 50
    s = serve("--metrics-address", f"127.0.0.1:{mport}")
    get(s.url("/healthz"))
    status, _, body = get(f"http://127.0.0.1:{mport}/metrics")
    assert status == 200 and 'route="/healthz"' in body
    assert get(f"http://127.0.0.1:{mport}/healthz")[0] == 404  # nothing else there
