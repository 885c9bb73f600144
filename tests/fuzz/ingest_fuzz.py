"""Mutated import files (GeoJSON, CSV in UTF-8 and CP932, Shapefile/DBF) run through `machigis ingest`
against a small store. Case i of seed S is generated from random.Random(f"{S}/ingest/{i}") alone and
rebuilt with FUZZ_SEED=S FUZZ_CASE=i.

A case fails when ingest dies from a signal or prints a Swift fatal error (a crash), when a non-zero
exit left the store changed (a half-written import), or when a successful import left a layer whose
recorded feature count is not its row count.

Turnout CSVs go through `machigis elections import-turnout` the same way.

Usage: ingest_fuzz.py MACHIGIS_BIN LAYER_DIR WORK_DIR CASES"""
import csv
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import struct
import subprocess
import sys

import atoms

BIN, LAYER_DIR, WORK, CASES = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
SEED = int(os.environ["FUZZ_SEED"])
ONLY = os.environ.get("FUZZ_CASE")
SAMPLES = os.path.join(LAYER_DIR, "sample")
# Files of failed cases are kept here (the work folder is removed after the run).
KEEP = os.environ.get("FUZZ_KEEP", "/tmp/machigis-fuzz-failures")
TABLES = ["sewer_pipes", "manholes", "polling_stations", "polling_districts", "parking_incidents"]
ELECTIONS = ["2022-sangiin", "2024-shugiin"]
STORE = os.path.join(WORK, "store.sqlite")


def first_features(path, n):
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    d["features"] = d["features"][:n]
    return d


def make_bases():
    """Small sample files in every format the importer reads, written once per run."""
    base = os.path.join(WORK, "base")
    os.makedirs(base, exist_ok=True)
    mh = first_features(os.path.join(SAMPLES, "manholes.geojson"), 25)
    pipes = first_features(os.path.join(SAMPLES, "sewer_pipes.geojson"), 25)
    stations = first_features(os.path.join(SAMPLES, "elections", "polling_stations.geojson"), 20)
    files = {}
    for name, layer, d in [("manholes", "manholes", mh), ("pipes", "sewer_pipes", pipes), ("stations", "polling_stations", stations)]:
        p = os.path.join(base, name + ".geojson")
        with open(p, "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False)
        files[name + ".geojson"] = (layer, [p])
    # A ledger-style CSV with Japanese headers and lon/lat columns, in UTF-8 and CP932.
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["人孔番号", "排除方式", "深さ", "地盤高", "布設年度", "種別", "経度", "緯度"])
    for f in mh["features"]:
        p = f["properties"]
        w.writerow([p["mh_no"], p["system"], p["depth_m"], p["ground_elev_m"], p["install_year"], p["type"], *f["geometry"]["coordinates"]])
    for enc in ["utf-8", "cp932"]:
        p = os.path.join(base, f"manholes-{enc}.csv")
        with open(p, "wb") as fh:
            fh.write(out.getvalue().encode(enc))
        files[os.path.basename(p)] = ("manholes", [p])
    # Turnout CSVs of the sample elections (imported with `elections import-turnout`), also in CP932.
    for election in ELECTIONS:
        raw = open(os.path.join(SAMPLES, "elections", f"turnout-{election}.csv"), "rb").read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # one sample is in CP932, as an office's export would be
            text = raw.decode("cp932")
        for enc in ["utf-8", "cp932"]:
            p = os.path.join(base, f"turnout-{election}-{enc}.csv")
            with open(p, "wb") as fh:
                fh.write(text.encode(enc))
            files[os.path.basename(p)] = ("turnout:" + election, [p])
    # Shapefiles (with .shx, .dbf in CP932 with a .cpg, .prj) written by GDAL.
    for name, layer in [("manholes", "manholes"), ("pipes", "sewer_pipes")]:
        shp = os.path.join(base, name + ".shp")
        subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP932", shp, os.path.join(base, name + ".geojson")],
                       check=True, capture_output=True)
        files[name + ".shp"] = (layer, [shp] + [shp[:-4] + ext for ext in (".shx", ".dbf", ".prj", ".cpg") if os.path.exists(shp[:-4] + ext)])
    return files


def store_hash():
    """A content hash of the layer tables, their R*Tree indexes and machi_layers/machi_imports."""
    h = hashlib.sha256()
    con = sqlite3.connect(f"file:{STORE}?mode=ro", uri=True)
    try:
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        for t in TABLES + [f"idx_{t}_geom" for t in TABLES] + ["machi_layers", "machi_imports", "elections", "election_turnout"]:
            if t not in names:
                h.update(f"no {t}".encode())
                continue
            h.update(t.encode())
            for row in sorted(repr(row) for row in con.execute(f'SELECT * FROM "{t}"')):  # some have no rowid
                h.update(row.encode())
        counts = {r[0]: r[1] for r in con.execute("SELECT name, feature_count FROM machi_layers")}
        actual = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in TABLES if t in names}
        # A layer whose spatial index is out of step with its rows answers bbox queries wrongly.
        indexed = {t: con.execute(f'SELECT count(*) FROM "idx_{t}_geom"').fetchone()[0] for t in TABLES if f"idx_{t}_geom" in names}
        with_geom = {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE geom IS NOT NULL').fetchone()[0] for t in indexed}
    finally:
        con.close()
    return h.hexdigest(), counts, actual, indexed, with_geom


# ---------------------------------------------------------------- mutations

def byte_mutate(r, data):
    data = bytearray(data)
    for _ in range(r.choice([1, 1, 2, 4, 16])):
        if not data:
            data += bytes([r.randrange(256)])
            continue
        op = r.randint(0, 6)
        i = r.randrange(len(data))
        if op == 0:
            data[i] = r.randrange(256)
        elif op == 1:
            data[i] ^= 1 << r.randrange(8)
        elif op == 2:
            del data[i:i + r.randint(1, 64)]
        elif op == 3:
            data[i:i] = r.choice([b"\x00", b"\xff", b"\xef\xbb\xbf", b"\x81", b"\xe3\x81", b'"', b",", b"\r\n", b"{", b"]",
                                  b"\\u0000", b"1e999", b"-", "𠀋".encode(), "〓".encode("cp932")])
        elif op == 4:
            j = r.randrange(len(data))
            data[i:i] = data[min(i, j):min(max(i, j), min(i, j) + 256)]
        elif op == 5:
            del data[r.randint(0, len(data)):]  # truncate
        else:
            struct_i = i - i % 4
            data[struct_i:struct_i + 4] = struct.pack("<i", r.choice([0, -1, 1, 2**31 - 1, -(2**31), 100000, len(data)]))
    return bytes(data)


def json_struct(r, d):
    """Structural GeoJSON mutations: attribute values and types, geometry types and coordinates."""
    d = json.loads(json.dumps(d))
    feats = d.get("features", [])
    for _ in range(r.randint(1, 4)):
        op = r.randint(0, 9)
        f = r.choice(feats) if feats else None
        if op == 0 and f:
            k = r.choice(list(f["properties"]) or ["x"])
            f["properties"][k] = r.choice([None, "", 1e308, -1, 2**63, True, [], {}, r.choice(atoms.STRINGS), r.choice(atoms.NUMBERS)])
        elif op == 1 and f:
            f["geometry"] = r.choice([None, {}, {"type": "Point"}, {"type": "Point", "coordinates": []},
                                      {"type": "Point", "coordinates": [135.57, 34.77, 1, 2]},
                                      {"type": "Point", "coordinates": [1e308, -1e308]},
                                      {"type": "Point", "coordinates": ["135.57", "34.77"]},
                                      {"type": "LineString", "coordinates": [[135.57, 34.77]]},
                                      {"type": "LineString", "coordinates": [[135.57, 34.77], [135.57, 34.77]]},
                                      {"type": "Polygon", "coordinates": [[[135.57, 34.77], [135.58, 34.77], [135.57, 34.77]]]},
                                      {"type": "MultiPoint", "coordinates": [[135.57, 34.77]]},
                                      {"type": "GeometryCollection", "geometries": []}, {"type": "x", "coordinates": 1}])
        elif op == 2 and f:
            f.pop(r.choice(["type", "properties", "geometry"]), None)
        elif op == 3 and feats:
            feats.append(json.loads(json.dumps(r.choice(feats))))  # duplicate key
        elif op == 4:
            d["crs"] = r.choice([{"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::6674"}},
                                 {"type": "name", "properties": {"name": "EPSG:99999"}}, {"type": "name"}, "x", None])
        elif op == 5:
            d["type"] = r.choice(["Feature", "x", None, 1])
        elif op == 6 and f and f.get("geometry") and isinstance(f["geometry"].get("coordinates"), list):
            c = f["geometry"]["coordinates"]
            for _ in range(r.randint(1, 3)):
                c = [c] if r.random() < 0.5 else c[:1]
            f["geometry"]["coordinates"] = c
        elif op == 7 and f:
            f["properties"][r.choice(atoms.STRINGS)] = r.choice(atoms.STRINGS)
        elif op == 8:
            d["features"] = r.choice([[], {}, None, "x", [None], [1]])
            feats = []
        elif op == 9 and f:
            f["properties"] = r.choice([None, [], "x", {}])
    return json.dumps(d, ensure_ascii=r.random() < 0.3).encode()


def csv_struct(r, data, enc):
    rows = list(csv.reader(io.StringIO(data.decode(enc))))
    for _ in range(r.randint(1, 3)):
        rows = rows or [[]]
        op = r.randint(0, 6)
        row = r.choice(rows)
        if op == 0 and row:
            row[r.randrange(len(row))] = r.choice(atoms.STRINGS)
        elif op == 1:
            row.append(r.choice(atoms.STRINGS))
        elif op == 2 and row:
            row.pop(r.randrange(len(row)))
        elif op == 3:
            rows[0] = [r.choice(["X", "Y", "lon", "lat", "経度", "緯度", "人孔番号", "", "人孔番号"]) for _ in rows[0]]
        elif op == 4:
            rows = rows[:1] if r.random() < 0.5 else rows[1:]
        elif op == 5:
            rows.append(list(rows[r.randrange(len(rows))]))
        else:
            rows.insert(1, [])
    out = io.StringIO()
    csv.writer(out, lineterminator=r.choice(["\r\n", "\n", "\r"])).writerows(rows)
    text = out.getvalue()
    target = r.choice([enc, enc, "utf-8", "cp932", "utf-16"])
    raw = text.encode(target, errors="replace")
    return (b"\xef\xbb\xbf" if r.random() < 0.2 else b"") + raw


def dbf_struct(r, data):
    """DBF header and field-descriptor fields: record count, header and record length, field sizes and types."""
    d = bytearray(data)
    if len(d) < 64:
        return bytes(d)
    for _ in range(r.randint(1, 3)):
        op = r.randint(0, 4)
        if op == 0:
            d[4:8] = struct.pack("<I", r.choice([0, 1, 26, 1000, 2**32 - 1]))
        elif op == 1:
            d[8:10] = struct.pack("<H", r.choice([0, 1, 32, 33, 65535, len(d)]))
        elif op == 2:
            d[10:12] = struct.pack("<H", r.choice([0, 1, 65535]))
        else:
            nfields = max(1, (struct.unpack("<H", bytes(d[8:10]))[0] - 33) // 32)
            off = 32 + 32 * r.randrange(max(1, min(nfields, (len(d) - 32) // 32)))
            if off + 18 <= len(d):
                if op == 3:
                    d[off + 11] = ord(r.choice("CNFLDMB@I0\x00"))
                else:
                    d[off + 16] = r.choice([0, 1, 254, 255])
                    d[off + 17] = r.choice([0, 15, 255])
    return bytes(d)


def shp_struct(r, data):
    """.shp/.shx header: file length, shape type, bounding box; record headers."""
    d = bytearray(data)
    if len(d) < 100:
        return bytes(d)
    op = r.randint(0, 3)
    if op == 0:
        d[24:28] = struct.pack(">i", r.choice([0, 50, 2**31 - 1, -1, len(d) // 2 + 1]))
    elif op == 1:
        d[32:36] = struct.pack("<i", r.choice([0, 1, 3, 5, 8, 11, 13, 15, 18, 23, 25, 28, 31, 99, -1]))
    elif op == 2:
        d[36 + 8 * r.randrange(4):44 + 8 * r.randrange(4)] = struct.pack("<d", r.choice([float("nan"), float("inf"), 1e308, -1e308, 0.0]))[:8]
    elif len(d) > 112:
        d[104:108] = struct.pack(">i", r.choice([0, -1, 2**31 - 1, 1, 2]))  # first record's content length
        if r.random() < 0.5:
            d[108:112] = struct.pack("<i", r.choice([0, 3, 5, 8, 31, -1]))  # its shape type
    return bytes(d)


def make_case(r, bases, case_dir):
    """Writes the mutated files of one case; returns (the machigis command and its arguments, a description)."""
    name = r.choice(sorted(bases))
    layer, paths = bases[name]
    if r.random() < 0.1 and not layer.startswith("turnout:"):
        layer = r.choice(TABLES + ["nosuch"])
    what = []
    out = []
    for p in paths:
        data = open(p, "rb").read()
        ext = os.path.splitext(p)[1]
        target = os.path.join(case_dir, os.path.basename(p))
        if p == paths[0] or r.random() < 0.3:
            x = r.random()
            if ext == ".geojson" and x < 0.5:
                data = json_struct(r, json.loads(data))
                what.append(f"{ext} structural")
            elif ext == ".csv" and x < 0.6:
                data = csv_struct(r, data, "cp932" if "cp932" in p else "utf-8")
                what.append(f"{ext} structural")
            elif ext == ".dbf" and x < 0.6:
                data = dbf_struct(r, data)
                what.append(f"{ext} header")
            elif ext in (".shp", ".shx") and x < 0.6:
                data = shp_struct(r, data)
                what.append(f"{ext} header")
            elif ext in (".prj", ".cpg") and x < 0.5:
                data = r.choice([b"", b"GEOGCS[", b"UTF-8", b"CP932", b"x" * 10000, b"\xff\xfe", b'PROJCS["JGD2011 / Japan Plane Rectangular CS VI"]'])
                what.append(f"{ext} replaced")
            else:
                data = byte_mutate(r, data)
                what.append(f"{ext} bytes")
        if ext != ".shp" and p != paths[0] and r.random() < 0.05:
            what.append(f"{ext} missing")
            continue
        with open(target, "wb") as f:
            f.write(data)
        out.append(target)
    if layer.startswith("turnout:"):
        election = layer.split(":", 1)[1] if r.random() < 0.95 else r.choice(["nosuch", "", "2022-SANGIIN"])
        opts = ["--skip-invalid"] if r.random() < 0.3 else []
        if r.random() < 0.15:
            opts += ["--encoding", r.choice(["auto", "utf-8", "cp932"])]
        return ["elections", "import-turnout", election, out[0], *opts], f"{name}: {', '.join(what)}"
    opts = ["--mode", r.choice(["replace", "replace", "upsert", "append"])]
    if r.random() < 0.3:
        opts.append("--skip-invalid")
    if r.random() < 0.15:
        opts += ["--encoding", r.choice(["auto", "utf-8", "cp932"])]
    if r.random() < 0.1:
        opts += ["--srid", str(r.choice([4326, 6674, 6668, 3857, 0, -1, 99999, 2**31]))]
    if r.random() < 0.05:
        opts += ["--format", r.choice(["geojson", "shp", "csv"])]
    return ["ingest", layer, out[0], *opts], f"{name}: {', '.join(what)}"


def main():
    os.makedirs(WORK, exist_ok=True)
    bases = make_bases()
    if os.path.exists(STORE):
        os.remove(STORE)
    for name in ["manholes.geojson", "pipes.geojson"]:
        layer, paths = bases[name]
        subprocess.run([BIN, "ingest", layer, paths[0], "--db", STORE, "--layers", LAYER_DIR], check=True, capture_output=True)
    # Stations, districts and the two sample elections with their turnout.
    loader = os.path.join(LAYER_DIR, "..", "tools", "load-sample-elections.sh")
    subprocess.run([loader, os.path.abspath(BIN), os.path.abspath(STORE)], check=True, capture_output=True)
    before = store_hash()
    cases = [int(ONLY)] if ONLY is not None else range(CASES)
    failures, exits = [], {}
    for i in cases:
        r = random.Random(f"{SEED}/ingest/{i}")
        case_dir = os.path.join(WORK, "case")
        shutil.rmtree(case_dir, ignore_errors=True)
        os.makedirs(case_dir)
        args, what = make_case(r, bases, case_dir)
        layer = args[1]
        cmd = [BIN, *args, "--db", STORE, "--layers", LAYER_DIR]
        try:
            p = subprocess.run(cmd, capture_output=True, timeout=60)
            rc, err = p.returncode, p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            rc, err = "timeout", ""
        exits[rc] = exits.get(rc, 0) + 1
        after = store_hash()
        problem = None
        if rc == "timeout" or (isinstance(rc, int) and rc < 0) or "Fatal error" in err:
            problem = f"crashed (exit {rc})"
        elif rc != 0 and after[0] != before[0]:
            problem = f"exit {rc} but the store changed (a half-written import)"
        elif rc == 0 and after[1].get(layer) != after[2].get(layer):
            problem = f"machi_layers counts {after[1].get(layer)} features, the table has {after[2].get(layer)}"
        elif after[3] != after[4]:
            problem = f"spatial index rows {after[3]} differ from rows with a geometry {after[4]}"
        if problem:
            failures.append(i)
            print(f"FAIL ingest case {i} (FUZZ_SEED={SEED} FUZZ_CASE={i}): {problem}")
            print(f"  {what}\n  {' '.join(cmd)}\n  stderr: {err[-800:]!r}")
            keep = os.path.join(KEEP, f"{SEED}-{i}")
            shutil.copytree(case_dir, keep, dirs_exist_ok=True)
            print(f"  files kept in {keep}")
        before = after
    print(f"ingest: {len(cases)} cases, {len(failures)} failed; exit codes {dict(sorted(exits.items(), key=str))}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
