#!/usr/bin/env python3
"""Durability of acknowledged parking cases under load, across a kill -9.

50 clients post cases for DURATION seconds, each with its own Idempotency-Key and
retrying the same key after any failure, the way a phone does on a dropped connection.
Halfway through, the server is killed with SIGKILL and restarted on the same file.
Afterwards every case acknowledged with 201 must be in the database, each key must
have produced exactly one case, and a retried key must have returned the same id.

Usage: parking_load.py MACHIGIS_BINARY DB_PATH PORT [DURATION] [CLIENTS]
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

binary, db, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
duration = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
clients = int(sys.argv[5]) if len(sys.argv) > 5 else 50
base = f"http://127.0.0.1:{port}"


def run(*args):
    return subprocess.run([binary, *args, "--db", db], check=True, capture_output=True, text=True).stdout.strip()


run("init")
run("user", "add", "loadtest", "--role", "road_traffic")
token = run("token", "create", "loadtest")
server = {"proc": None}


def start():
    log = open(db + ".server.log", "a")
    server["proc"] = subprocess.Popen([binary, "serve", "--db", db, "--port", str(port)], stdout=log, stderr=log)
    for _ in range(200):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except Exception:
            time.sleep(0.05)
    raise SystemExit("server did not start")


start()
acked = {}  # key -> id
lock = threading.Lock()
stop_at = time.time() + duration
replays_checked = [0]
errors = []


def post(key, body):
    req = urllib.request.Request(
        base + "/api/parking/incidents", data=body, method="POST",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/geo+json", "Idempotency-Key": key})
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status != 201:
            raise RuntimeError(f"status {r.status}")
        return json.load(r)["id"]


def client(n):
    rnd = random.Random(n)
    while time.time() < stop_at:
        key = str(uuid.uuid4())
        lon = 135.545 + rnd.random() * 0.04
        lat = 34.765 + rnd.random() * 0.025
        body = json.dumps({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
                           "properties": {"observed_at": time.strftime("%Y-%m-%dT%H:%M:%S+09:00", time.gmtime(time.time() + 9 * 3600 - 60)),
                                          "category": "違法駐車", "vehicle_type": "普通"}}).encode()
        deadline = time.time() + 60
        while True:
            try:
                got = post(key, body)
                break
            except urllib.error.HTTPError as e:
                if e.code < 500:
                    errors.append(f"client {n}: HTTP {e.code} {e.read()[:200]!r}")
                    return
                time.sleep(0.05)
            except Exception:
                if time.time() > deadline:
                    errors.append(f"client {n}: no answer for key {key} within 60 s")
                    return
                time.sleep(0.05)  # server down: retry the same key
        with lock:
            acked[key] = got
        if rnd.random() < 0.1:  # a phone retrying after a lost response
            try:
                again = post(key, body)
                if again != got:
                    errors.append(f"retry of {key} returned {again}, first {got}")
                replays_checked[0] += 1
            except Exception:
                pass


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
time.sleep(duration / 2)
with lock:
    before_kill = dict(acked)
server["proc"].send_signal(signal.SIGKILL)
server["proc"].wait()
start()
for t in threads:
    t.join()
server["proc"].terminate()
server["proc"].wait()

con = sqlite3.connect(db)
stored = {row[0] for row in con.execute("SELECT id FROM parking_incidents")}
keys = dict(con.execute("SELECT key, incident_id FROM parking_idempotency WHERE user = 'loadtest'").fetchall())
missing = [i for i in acked.values() if i not in stored]
lost_before_kill = [i for i in before_kill.values() if i not in stored]
wrong_key = [k for k, i in acked.items() if keys.get(k) != i]
duplicates = len(stored) - len(set(keys.values()))
print(f"acknowledged {len(acked)} cases ({len(before_kill)} before kill -9), stored {len(stored)}, replays checked {replays_checked[0]}")
problems = errors[:5]
if missing:
    problems.append(f"{len(missing)} acknowledged cases missing, e.g. {missing[:3]}")
if lost_before_kill:
    problems.append(f"{len(lost_before_kill)} cases acknowledged before the kill are gone")
if wrong_key:
    problems.append(f"{len(wrong_key)} keys map to another case than acknowledged")
if duplicates:
    problems.append(f"{duplicates} cases exist without their own idempotency key (duplicates)")
if len(acked) < clients:
    problems.append(f"only {len(acked)} cases acknowledged: the load did not run")
if problems:
    print("FAIL:\n  " + "\n  ".join(problems))
    print("durability: 0 passed, 1 failed")
    sys.exit(1)
print("durability: 1 passed, 0 failed")
