"""Generated requests against every public and staff endpoint of a running MachiGIS server.

Case i of seed S is generated from random.Random(f"{S}/{i}") alone, so any case can be rebuilt
with FUZZ_SEED=S FUZZ_CASE=i. A case fails when the server answers >= 500, or answers nothing and
then no longer answers /healthz (or its process is gone).

Usage: http_fuzz.py PORT SERVER_PID CASES  (staff credentials in MACHIGIS_* variables, see run.sh)"""
import json
import os
import random
import sys
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

import atoms
import rawhttp

PORT = int(sys.argv[1])
SERVER_PID = int(sys.argv[2])
CASES = int(sys.argv[3])
SEED = int(os.environ["FUZZ_SEED"])
ONLY = os.environ.get("FUZZ_CASE")
TOKENS = {role: os.environ.get(f"MACHIGIS_TOKEN_{role.upper()}", "") for role in ("road_traffic", "election", "admin")}
COOKIE = os.environ.get("MACHIGIS_COOKIE", "")
CSRF = os.environ.get("MACHIGIS_CSRF", "")
CASE_ID = os.environ.get("MACHIGIS_CASE_ID", "")

PUBLIC_LAYERS = ["sewer_pipes", "manholes", "polling_districts", "polling_stations"]
LAYERS = PUBLIC_LAYERS + ["parking_incidents"]
# The layers' own attributes (layers/*.yaml), so that most generated filters get past name checks
# and reach the SQL they compile to.
PROPERTIES = {  # layer: (text attributes, numeric attributes)
    "sewer_pipes": (["pipe_no", "system", "material", "upstream_mh", "downstream_mh", "treatment_area"],
                    ["diameter_mm", "width_mm", "length_m", "slope_permille", "install_year"]),
    "manholes": (["mh_no", "system", "type"], ["depth_m", "ground_elev_m", "install_year"]),
    "polling_districts": (["name"], ["district_no", "station_no"]),
    "polling_stations": (["name", "address"], ["station_no"]),
    "parking_incidents": (["id", "category", "status", "plate", "notes"], ["duration_min", "accuracy_m"]),
}


def good_leaf(r, layer):
    """A comparison that type-checks, so that long chains of them reach SQLite."""
    texts, numbers = PROPERTIES.get(layer, (["x"], ["y"]))
    if r.random() < 0.5:
        return f"{r.choice(texts)} {r.choice(['=', '<>', 'LIKE'])} '{r.choice(['合流', 'G-%', 'x', ''])}'"
    return f"{r.choice(numbers)} {r.choice(['=', '<', '>=', '<>'])} {r.randint(-5, 3000)}"
ELECTIONS = ["2022-sangiin", "2024-shugiin"]


# ---------------------------------------------------------------- values

def number(r, lo, hi):
    x = r.random()
    if x < 0.5:
        return str(r.randint(lo, hi))
    if x < 0.7:
        return repr(r.uniform(lo, hi))
    return str(r.choice(atoms.NUMBERS))


def lon(r):
    return repr(r.uniform(135.5, 135.65)) if r.random() < 0.8 else str(r.choice(atoms.NUMBERS))


def lat(r):
    return repr(r.uniform(34.73, 34.82)) if r.random() < 0.8 else str(r.choice(atoms.NUMBERS))


def bbox(r):
    if r.random() < 0.3:
        return r.choice(atoms.STRINGS)
    w, s = r.uniform(135.4, 135.7), r.uniform(34.6, 34.9)
    box = [w, s, w + r.choice([0.0, 1e-9, 0.001, 0.05, 10, -0.01]), s + r.choice([0.0, 1e-9, 0.001, 0.05, 10, -0.01])]
    if r.random() < 0.2:
        box = [r.choice(atoms.NUMBERS) for _ in range(r.choice([4, 6]))]
    return ",".join(repr(v) if isinstance(v, float) else str(v) for v in box)


def date(r):
    if r.random() < 0.4:
        return r.choice(atoms.STRINGS)
    y, m, d = r.randint(1, 9999), r.randint(0, 13), r.randint(0, 32)
    forms = [f"{y:04d}-{m:02d}-{d:02d}", f"{y:04d}-{m:02d}-{d:02d}T{r.randint(0, 25):02d}:{r.randint(0, 61):02d}:00+09:00",
             f"{y}-{m}-{d}", f"{y:04d}-{m:02d}-{d:02d}T00:00:00.{r.randint(0, 10**12)}Z", f"{y:04d}{m:02d}{d:02d}"]
    return r.choice(forms)


def datetime_param(r):
    if r.random() < 0.5:
        return date(r)
    return f"{r.choice([date(r), '..', ''])}/{r.choice([date(r), '..', ''])}"


def hostile(r):
    return r.choice(atoms.STRINGS)


def wkt(r):
    x, y = lon(r), lat(r)
    forms = [f"POINT({x} {y})", f"POINT ({x})", f"LINESTRING({x} {y}, {lon(r)} {lat(r)})", f"LINESTRING({x} {y})",
             f"POLYGON(({x} {y}, {lon(r)} {lat(r)}, {lon(r)} {lat(r)}, {x} {y}))", f"POLYGON(({x} {y}))",
             f"POLYGON(({x} {y}, {lon(r)} {lat(r)}, {x} {y}))",  # too few points
             f"MULTIPOINT(({x} {y}), ({lon(r)} {lat(r)}))", f"MULTIPOINT({x} {y})", "POINT EMPTY", "POLYGON EMPTY",
             f"BBOX({x},{y},{lon(r)},{lat(r)})", f"BBOX({x},{y})", "POINT(nan nan)", "POINT(1e400 0)",
             "MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((0 0, 1 0, 1 1, 0 0)))", "GEOMETRYCOLLECTION(POINT(0 0))",
             "POINT(" + " ".join(["1"] * r.randint(3, 6)) + ")", "LINESTRING(" + ",".join(["135.57 34.77"] * r.randint(2, 3000)) + ")"]
    return r.choice(forms)


def cql_value(r):
    x = r.random()
    if x < 0.3:
        return str(r.choice(atoms.NUMBERS))
    if x < 0.6:
        s = r.choice(atoms.STRINGS + ["合流", "VU", "G-0001%", "%", "_", "S-%"])
        return "'" + s.replace("'", "''") + "'"
    if x < 0.7:
        return r.choice(["TRUE", "FALSE", "NULL", "DATE('2026-01-01')", "TIMESTAMP('2026-01-01T00:00:00Z')"])
    if x < 0.85:
        return wkt(r)
    return r.choice(atoms.CQL_PROPERTIES)


def cql(r, depth=0, layer="sewer_pipes"):
    """A CQL2 text expression: mostly well-formed from the grammar, sometimes hostile."""
    x = r.random()
    if depth > 4 or x < 0.45:
        if r.random() < 0.3:
            return good_leaf(r, layer)
        p = r.choice(sum(PROPERTIES.get(layer, ([], ["x"])), []) if r.random() < 0.8 else atoms.CQL_PROPERTIES)
        kind = r.randint(0, 11)
        if kind >= 10:  # a geometry (or BBOX) where a scalar belongs
            g = r.choice([f"POINT({lon(r)} {lat(r)})", "POINT(0 0)", f"BBOX({lon(r)},{lat(r)},{lon(r)},{lat(r)})"])
            return r.choice([f"{g} IS NULL", f"{g} IS NOT NULL", f"NOT {g} IS NULL", f"{g} = {cql_value(r)}",
                             f"{p} = {g}", f"{g} IN ({g}, 1)", f"{g} BETWEEN 1 AND {g}", f"{g} LIKE 'x'"])
        if kind <= 3:
            return f"{p} {r.choice(['=', '<>', '<', '<=', '>', '>=', '==', '=<', '!='])} {cql_value(r)}"
        if kind == 4:
            return f"{p} {r.choice(['LIKE', 'NOT LIKE'])} {cql_value(r)}"
        if kind == 5:
            n = r.choice([0, 1, 2, 5, 50, 999, 1000, 1001, 3000])
            return f"{p} {r.choice(['IN', 'NOT IN'])} ({', '.join(cql_value(r) for _ in range(min(n, 5)))}{', 1' * max(0, n - 5)})"
        if kind == 6:
            return f"{p} {r.choice(['BETWEEN', 'NOT BETWEEN'])} {cql_value(r)} AND {cql_value(r)}"
        if kind == 7:
            return f"{r.choice([p, cql_value(r), wkt(r), wkt(r)])} IS {r.choice(['', 'NOT '])}NULL"
        if kind == 8:
            fn = r.choice(["S_INTERSECTS", "S_WITHIN", "S_CONTAINS", "S_DISJOINT", "T_INTERSECTS", "CASEI", "UPPER"])
            return f"{fn}({r.choice(['geom', 'geometry', p])}, {wkt(r)})"
        return cql_value(r)
    if x < 0.75:
        op = r.choice(["AND", "OR", "and", "or", "AND NOT", "&&", ","])
        n = r.choice([2, 2, 3, 5, 20, 100, 1200]) if depth == 0 else 2
        if n > 20:  # long chains: SQLite's parser stack and the term bound
            return f" {op} ".join(good_leaf(r, layer) for _ in range(n))
        return f" {op} ".join(cql(r, depth + 1, layer) for _ in range(n))
    if x < 0.85:
        return "NOT " + cql(r, depth + 1, layer)
    if x < 0.93:
        d = r.choice([1, 2, 39, 40, 41, 200, 5000])
        return "(" * d + cql(r, 5, layer) + ")" * r.choice([d, d - 1, d + 1])
    return mutate_text(r, cql(r, depth + 1, layer))


def mutate_text(r, s):
    s = list(s)
    for _ in range(r.randint(1, 4)):
        op = r.randint(0, 3)
        i = r.randint(0, len(s))
        if op == 0 and s:
            del s[min(i, len(s) - 1)]
        elif op == 1:
            s.insert(i, r.choice(["(", ")", "'", '"', ",", " ", "\x00", "\\", "é", "𠀋", "AND", "9e999", "--", "/*"]))
        elif op == 2 and s:
            j = r.randint(0, len(s))
            s[i:i] = s[min(i, j):max(i, j)]
        else:
            s = s[:i]
    return "".join(s)


# ---------------------------------------------------------------- requests

def query(r, spec):
    """A query string from {name: generator}: a few known parameters with good values, one of them
    hostile now and then (so most requests get past the first check and reach deeper code), plus
    unknown, repeated and empty parameters and broken percent-encoding now and then."""
    names = r.sample(sorted(spec), k=min(len(spec), r.choice([0, 1, 1, 2, 2, 3, 4])))
    pairs = [(name, spec[name](r)) for name in names]
    if pairs and r.random() < 0.25:
        i = r.randrange(len(pairs))
        pairs[i] = (pairs[i][0], hostile(r))
    if r.random() < 0.05:
        pairs.append((r.choice(sorted(spec) or ["x"]), hostile(r)))  # repeated
    if r.random() < 0.05:
        pairs.append((hostile(r), hostile(r)))  # unknown
    if not pairs:
        return ""
    enc = r.random()
    parts = []
    for k, v in pairs:
        if enc < 0.85:
            parts.append(urllib.parse.quote(k, safe="") + "=" + urllib.parse.quote(v, safe=""))
        elif enc < 0.93:
            parts.append(urllib.parse.quote_plus(k) + "=" + urllib.parse.quote_plus(v))
        else:  # hostile encodings: raw bytes, lone %, overlong and surrogate UTF-8
            v2 = urllib.parse.quote(v, safe="%/")
            v2 += r.choice(["", "%", "%C0%AF", "%ED%A0%80", "%FF", "%e3%81", "%00", "%2", "&&&", "=="])
            parts.append(k.encode("ascii", "ignore").decode() + "=" + v2)
    return "?" + "&".join(parts)


def seg(r, good):
    """A path segment: a good value, a hostile one percent-encoded, or a hostile raw one."""
    x = r.random()
    if x < 0.7:
        return urllib.parse.quote(r.choice(good), safe="")
    if x < 0.9:
        return urllib.parse.quote(hostile(r), safe="")
    return r.choice(["%", "%00", "%2F", "..", "%2e%2e", "a%ZZ", "%C0%AF", "　", "x" * 3000, "%ED%A0%80", ";", "?"])


def limit(r):
    return number(r, -5, 20000)


def ogc_params(r, layer):
    spec = {"f": lambda r: r.choice(["json", "html", "geojson", "xml", "JSON"]), "bbox": bbox,
            "bbox-crs": crs, "crs": crs, "limit": limit, "offset": lambda r: number(r, -5, 10**10),
            "datetime": datetime_param, "filter-lang": lambda r: r.choice(["cql2-text", "cql2-json", ""]),
            "filter-crs": crs}
    texts, numbers = PROPERTIES.get(layer, ([], []))
    for name in texts:
        spec[name] = lambda r: r.choice(["合流", "汚水", "G-00001", "open", "x", hostile(r)])
    for name in numbers:
        spec[name] = lambda r: number(r, -10, 7000)
    # Half the items requests carry a filter alone, so that it is not refused for another parameter
    # first and reaches the SQL it compiles to.
    q = query(r, spec) if r.random() < 0.5 else ""
    if not q or r.random() < 0.6:  # the filter is the richest input: most items requests carry one
        f = urllib.parse.quote(cql(r, 0, layer), safe="")
        q = (q + "&" if q else "?") + "filter=" + f
    return q


def crs(r):
    return r.choice(["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/6674",
                     "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3857",
                     "EPSG:6674", "http://www.opengis.net/def/crs/EPSG/0/", "http://www.opengis.net/def/crs/EPSG/0/99999999999999999999",
                     "[EPSG:4326]", hostile(r)])


def get_sewer(r):
    k = r.randint(0, 3)
    if k == 0:
        spec = {"q": lambda r: r.choice(["G-0001", "s-00", "Ｇ－０", "GM-", "%", "_", "*"]), "system": hostile,
                "diameter_min": lambda r: number(r, -10, 7000), "diameter_max": lambda r: number(r, -10, 7000),
                "material": lambda r: r.choice(["VU", "HP", "vu"]), "year_from": lambda r: number(r, 1800, 2200),
                "year_to": lambda r: number(r, 1800, 2200), "bbox": bbox, "layer": lambda r: r.choice(["pipes", "manholes", "both", ""]),
                "limit": lambda r: number(r, -1, 2000), "offset": lambda r: number(r, -1, 10**12)}
        return "/api/sewer/search" + query(r, spec)
    if k == 1:
        spec = {"lon": lon, "lat": lat, "layer": lambda r: r.choice(["pipes", "manholes", "x"]),
                "k": lambda r: number(r, -1, 200), "radius_m": lambda r: number(r, -1, 10000)}
        return "/api/sewer/nearest" + query(r, spec)
    kind = r.choice(["pipes", "manholes"])
    return f"/api/sewer/{kind}/" + seg(r, ["G-00001", "S-00012", "GM-00001", "Ｇ－００００１", "g-00001", "nosuch"])


def get_ogc(r):
    layer = r.choice(LAYERS + ["nosuch"])
    lseg = seg(r, [layer]) if r.random() < 0.2 else layer
    k = r.randint(0, 12)
    if k == 0:
        return r.choice(["/ogc", "/ogc/", "/ogc/conformance", "/ogc/api", "/ogc/collections"]) + query(r, {"f": hostile})
    if k == 1:
        return f"/ogc/collections/{lseg}" + query(r, {"f": hostile})
    if k == 2:
        return f"/ogc/collections/{lseg}/items/" + seg(r, ["G-00001", "GM-00001", CASE_ID or "x", "1"]) + query(r, {"f": hostile, "crs": crs})
    if k == 3:
        return f"/ogc/collections/{lseg}/" + r.choice(["queryables", "schema"]) + query(r, {"f": hostile})
    return f"/ogc/collections/{lseg}/items" + ogc_params(r, layer)


def get_tiles(r):
    names = r.sample(LAYERS, r.randint(1, 3))
    if r.random() < 0.15:
        names = [r.choice(["nosuch", "", ",", "a" * 300, "sewer_pipes,sewer_pipes"])]
    lseg = ",".join(names)
    if r.random() < 0.15:
        return f"/tiles/{lseg}.json"
    z = r.choice([r.randint(0, 22), -1, 23, 31, 64, 2**40])
    if isinstance(z, int) and 0 <= z <= 22 and r.random() < 0.8:
        # Near the city, where the tiles hold data.
        n = 2 ** z
        x = int((135.57 + 180) / 360 * n) + r.choice([0, 0, 1, -1])
        y = int((1 - 0.6532) / 2 * n) + r.choice([0, 0, 1, -1])
    else:
        x, y = r.choice(atoms.NUMBERS + [0]), r.choice(atoms.NUMBERS + [0])
    parts = [str(z), str(x), str(y)]
    if r.random() < 0.1:
        parts[r.randint(0, 2)] = urllib.parse.quote(hostile(r), safe="")
    return f"/tiles/{lseg}/{parts[0]}/{parts[1]}/{parts[2]}.{r.choice(['mvt'] * 9 + ['pbf'])}"


def get_elections(r):
    e = seg(r, ELECTIONS + ["nosuch"])
    k = r.randint(0, 5)
    if k == 0:
        return "/api/elections" + query(r, {})
    if k == 1:
        return f"/api/elections/{e}"
    if k == 2:
        spec = {"classes": lambda r: number(r, -1, 12), "method": lambda r: r.choice(["quantile", "equal", "jenks", "x"]),
                "compare": lambda r: r.choice(ELECTIONS + ["nosuch"]), "at": lambda r: r.choice(["11:00", "11時", "確定", "14:00", "25:00"])}
        return f"/api/elections/{e}/turnout.geojson" + query(r, spec)
    if k == 3:
        return f"/api/elections/{e}/stations.geojson" + query(r, {})
    if k == 4:
        spec = {"radius_m": lambda r: number(r, -10, 100000), "dissolve": lambda r: r.choice(["true", "false", "1"])}
        return f"/api/elections/{e}/regulated-zones.geojson" + query(r, spec)
    return f"/api/elections/{e}/regulated-zones/check" + query(r, {"lon": lon, "lat": lat})


def get_parking(r):
    k = r.randint(0, 3)
    cats = lambda r: r.choice(["違法駐車", "迷惑駐車", "放置車両", "その他", "x"])
    if k == 0:
        spec = {"bbox": bbox, "from": date, "to": date, "category": cats,
                "status": lambda r: r.choice(["open", "in_progress", "resolved", "x"]), "q": hostile,
                "limit": lambda r: number(r, -1, 20000), "offset": lambda r: number(r, -1, 10**12)}
        return "/api/parking/incidents" + query(r, spec)
    if k == 1:
        return "/api/parking/incidents/" + seg(r, [CASE_ID or "x", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "0" * 26])
    if k == 2:
        spec = {"from": date, "to": date, "category": cats, "cell": lambda r: r.choice(["250m", "100m", "1km"])}
        return "/api/parking/hotspots" + query(r, spec)
    spec = {"format": lambda r: r.choice(["csv", "geojson", "xlsx"]), "from": date, "to": date,
            "encoding": lambda r: r.choice(["utf-8", "cp932", "shift_jis", "latin1"]), "include_plate": lambda r: r.choice(["true", "false", "yes"])}
    return "/api/parking/export" + query(r, spec)


def json_mutate(r, value, depth=0):
    """Replaces, removes or retypes parts of a JSON value."""
    if depth > 6:
        return value
    x = r.random()
    if x < 0.1:
        return r.choice([None, True, 0, -1, 1e308, "", [], {}, hostile(r), r.choice(atoms.NUMBERS)])
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            y = r.random()
            if y < 0.1:
                continue
            out[k if y > 0.05 else hostile(r)] = json_mutate(r, v, depth + 1) if y < 0.5 else v
        if r.random() < 0.1:
            out[hostile(r)] = hostile(r)
        return out
    if isinstance(value, list):
        out = [json_mutate(r, v, depth + 1) if r.random() < 0.4 else v for v in value if r.random() > 0.1]
        if r.random() < 0.1:
            out.append(r.choice(atoms.NUMBERS))
        return out
    return value


def case_feature(r):
    props = {"observed_at": date(r) if r.random() < 0.3 else "2026-11-22T13:05:00+09:00",
             "category": r.choice(["違法駐車", "迷惑駐車", "放置車両", "その他"]), "vehicle_type": "普通",
             "plate": "なにわ 500 あ 12-34", "duration_min": 30, "notes": "fuzz", "accuracy_m": 5, "address": "摂津市"}
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [135.5764, 34.7771]}, "properties": props}


def one_field(r, value):
    """The value with exactly one leaf replaced, so the rest of a body passes and that leaf is checked."""
    value = json.loads(json.dumps(value))
    node = value
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            return value
        k = r.choice(keys)
        if isinstance(node[k], (dict, list)) and node[k] and r.random() < 0.7:
            node = node[k]
            continue
        node[k] = r.choice([None, True, "", [], {}, hostile(r), r.choice(atoms.NUMBERS), hostile(r) * 50])
        return value


def json_body(r, value):
    x = r.random()
    if x < 0.3:
        return json.dumps(value if r.random() < 0.2 else one_field(r, value), ensure_ascii=False).encode()
    if x < 0.6:
        return json.dumps(json_mutate(r, value), ensure_ascii=r.random() < 0.5).encode()
    if x < 0.7:
        d = r.choice([100, 1000, 100000])
        return (b"[" * d + b"]" * d) if r.random() < 0.5 else (b'{"a":' * d + b"1" + b"}" * d)
    if x < 0.8:
        raw = json.dumps(value, ensure_ascii=False).encode()
        return raw[: r.randint(0, len(raw))]
    if x < 0.9:
        raw = bytearray(json.dumps(value, ensure_ascii=False).encode())
        for _ in range(r.randint(1, 5)):
            raw[r.randrange(len(raw))] = r.randrange(256)
        return bytes(raw)
    return r.choice([b"", b"null", b"\xef\xbb\xbf{}", b'{"type":"Feature","type":"x"}', b"NaN", b'{"a":1e999999}',
                     b'"\\ud800"', b'{"properties":{"notes":"\\u0000"}}', b"\xff\xfe{\x00}\x00", b"x" * 300000])


def auth_headers(r, write):
    x = r.random()
    if x < 0.5:
        h = [("Authorization", "Bearer " + TOKENS["road_traffic"])]
    elif x < 0.6:
        h = [("Authorization", "Bearer " + TOKENS["admin"])]
    elif x < 0.7:
        h = [("Authorization", "Bearer " + TOKENS["election"])]
    elif x < 0.8:
        h = [("Cookie", f"machigis_session={COOKIE}" if COOKIE else "x=1")]
        if write and r.random() < 0.7:
            h.append(("X-CSRF-Token", CSRF if r.random() < 0.7 else hostile(r)))
    elif x < 0.9:
        h = [("Authorization", r.choice(["Bearer", "Bearer ", "Basic Zm9vOmJhcg==", "Bearer mgt_" + "A" * 5000,
                                         "Bearer " + hostile(r), "bearer " + TOKENS["road_traffic"], "Bearer  x"]))]
    else:
        h = []
    return h


def hostile_headers(r):
    """Oversized, control-character, non-ASCII and contradictory headers."""
    h = []
    for _ in range(r.choice([0, 0, 0, 1, 2, 4])):
        name = r.choice(["Accept", "Accept-Encoding", "If-None-Match", "If-Match", "Idempotency-Key", "Content-Type",
                         "Origin", "Sec-Fetch-Site", "X-Forwarded-Proto", "X-Forwarded-For", "Range", "Cookie",
                         "X-Request-Id", "Accept-Language", "Referer", "User-Agent", "X-Fuzz"])
        value = r.choice([hostile(r), "x" * r.choice([1000, 8000, 70000]), b"\xff\xfe\x80", b"a\x01b", b"a\x7fb",
                          b"a\rb", "*", "W/\"v1\"", "\"v\"", "\"v1\", \"v2\"", "gzip;q=nan", "*/*;q=2", "text/html;;;",
                          "application/geo+json; charset=latin1", "multipart/form-data; boundary=", "https://evil.example",
                          "cross-site", "https, http", "1.2.3.4, 999.999.1.1", "bytes=0-0,1-1"])
        h.append((name, value))
    if r.random() < 0.03:
        h += [("X-Many-%d" % i, "y") for i in range(r.choice([100, 1000]))]
    return h


def request(r):
    """One generated request: (method, target, headers, body)."""
    area = r.choices(["sewer", "ogc", "tiles", "elections", "parking-get", "parking-post", "parking-patch", "auth", "misc"],
                     weights=[12, 35, 12, 10, 8, 10, 10, 8, 5])[0]
    headers, body, method = [], b"", "GET"
    if area == "sewer":
        target = get_sewer(r)
    elif area == "ogc":
        target = get_ogc(r)
        if r.random() < 0.2:
            headers += auth_headers(r, False)
    elif area == "tiles":
        target = get_tiles(r)
        if r.random() < 0.3:
            headers.append(("Accept-Encoding", r.choice(["gzip", "br", "gzip;q=0", "*", hostile(r)])))
        if r.random() < 0.2:
            headers += auth_headers(r, False)
    elif area == "elections":
        target = get_elections(r)
        if r.random() < 0.4:
            headers += auth_headers(r, False)
    elif area == "parking-get":
        target = get_parking(r)
        headers += auth_headers(r, False)
    elif area == "parking-post":
        method, target = "POST", "/api/parking/incidents"
        headers += auth_headers(r, True)
        headers.append(("Content-Type", r.choice(["application/geo+json", "application/geo+json", "application/json", "text/plain", "",
                                                  "application/x-www-form-urlencoded", hostile(r)])))
        if r.random() < 0.6:
            headers.append(("Idempotency-Key", r.choice([f"fuzz-{SEED}-{r.randint(0, 50)}", "", " ", "k" * 10000,
                                                         b"a\x01b", "キー", hostile(r)])))
        body = json_body(r, case_feature(r))
    elif area == "parking-patch":
        method = "PATCH"
        target = "/api/parking/incidents/" + seg(r, [CASE_ID or "x", "0" * 26])
        headers += auth_headers(r, True)
        if r.random() < 0.8:
            headers.append(("If-Match", r.choice(["*", "*", "*", '"v1"', '"v2"', "v1", '"v"', '"v-1"', '"v99999999999999999999"',
                                                  'W/"v1"', '"v1", "v2"', "", b"\x00", hostile(r)])))
        headers.append(("Content-Type", r.choice(["application/json", "application/merge-patch+json", "text/plain", hostile(r)])))
        props = {"status": r.choice(["open", "in_progress", "resolved", "duplicate", "not_actionable", "x", None]),
                 "duplicate_of": r.choice([CASE_ID, "x", None, ""]), "notes": hostile(r), "assignee": hostile(r),
                 "observed_at": date(r), "category": r.choice(["違法駐車", "x"]), "duration_min": r.choice(atoms.NUMBERS)}
        patch = {"properties": {k: v for k, v in props.items() if r.random() < 0.3}}
        if r.random() < 0.3:
            patch["geometry"] = {"type": r.choice(["Point", "LineString", "x"]), "coordinates": [float(lon(r)) if r.random() < 0.9 else 0, 34.77]}
        body = json_body(r, patch)
    elif area == "auth":
        k = r.randint(0, 2)
        if k == 0:
            method, target = "POST", "/api/auth/login"
            headers.append(("Content-Type", r.choice(["application/json", "application/x-www-form-urlencoded", "text/plain", hostile(r)])))
            if r.random() < 0.3:
                headers.append(("Origin", r.choice(["http://127.0.0.1", "https://evil.example", "null", hostile(r)])))
            creds = {"name": r.choice(["fuzz_rt", "nosuch", hostile(r)]), "password": r.choice(["wrong", "x" * 100, "x" * 100000, hostile(r)])}
            body = json_body(r, creds) if r.random() < 0.8 else urllib.parse.urlencode(creds).encode()
        elif k == 1:
            method, target = "POST", "/api/auth/logout"
            headers += [h for h in auth_headers(r, True) if h[0] != "Authorization" or r.random() < 0.5]
            # Never end the fuzzer's own session: the cookie cases after this one need it.
            headers = [h for h in headers if h[0] != "Cookie"] + ([("Cookie", "machigis_session=" + hostile(r))] if r.random() < 0.5 else [])
        else:
            target = "/api/auth/me"
            headers += auth_headers(r, False)
    else:
        target = r.choice(["/", "/healthz", "/api/config", "/index.html", "/index.html%00.js", "//api/parking/incidents",
                           "/api//auth/me", "/%2e%2e/%2e%2e/etc/passwd", "/staff/parking/", "/election/", "/nosuch",
                           "/" + "a/" * 2000, "*", "/?" + "a=1&" * 3000, "/\x7f", "/%", "/%ZZ"])
        method = r.choice(["GET", "HEAD", "OPTIONS", "DELETE", "PUT", "TRACE", "CONNECT", "GET ", "FOO", "get", "P\x00ST"])
    if r.random() < 0.08:
        method = r.choice(["HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "POST"])
    headers += hostile_headers(r)
    return method, target, headers, body


def run_case(i):
    r = random.Random(f"{SEED}/{i}")
    method, target, headers, body = request(r)
    raw = rawhttp.build(method, target, headers, body)
    try:
        status, head, answer = rawhttp.send(PORT, raw)
    except OSError as e:  # refused or timed out: is the server still there?
        status, head, answer = None, repr(e).encode(), b""
    problem = None
    if status is not None and status >= 500:
        problem = f"answered {status}"
    elif status is None and not alive():
        problem = "no answer, and the server no longer answers /healthz"
    return i, status, problem, (method, target, headers, body), head, answer


def alive():
    try:
        os.kill(SERVER_PID, 0)
    except OSError:
        return False
    return rawhttp.healthy(PORT)


def show(value, n=600):
    text = repr(value)
    return text if len(text) <= n else text[:n] + f"… ({len(text)} chars)"


def main():
    cases = [int(ONLY)] if ONLY is not None else range(CASES)
    failures, statuses = [], {}
    with ThreadPoolExecutor(max_workers=3) as pool:
        for i, status, problem, req, head, answer in pool.map(run_case, cases):
            statuses[status] = statuses.get(status, 0) + 1
            if problem:
                failures.append(i)
                method, target, headers, body = req
                print(f"FAIL http case {i} (FUZZ_SEED={SEED} FUZZ_CASE={i}): {problem}")
                print(f"  {method} {show(target)}\n  headers {show(headers)}\n  body {show(body)}")
                print(f"  answer {show(head)} {show(answer[:400])}")
            if not alive() if i % 250 == 249 else False:
                print(f"FAIL after http case {i} (FUZZ_SEED={SEED}): the server is gone")
                failures.append(i)
                break
    summary = ", ".join(f"{k if k is not None else 'no answer'}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: kv[0] or 0))
    print(f"http: {len(cases)} cases, {len(failures)} failed; statuses {summary}")
    if not alive():
        print("FAIL: the server does not answer /healthz after the run")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
