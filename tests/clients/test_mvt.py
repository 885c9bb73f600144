"""Tiles decoded by a real Mapbox Vector Tile decoder (PyPI mapbox-vector-tile): layer and
attribute names, values, and coordinates that round-trip to the stored geometry within one
tile unit."""
import gzip
import json
import math
import urllib.request

import mapbox_vector_tile

from conftest import get_json, tile_of, tile_units


def fetch(url, gz=False):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gz else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        body = r.read()
        return r.status, dict(r.headers), (gzip.decompress(body) if r.headers.get("Content-Encoding") == "gzip" else body)


def segment_distance(p, a, b):
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))


def lines(geometry):
    if geometry["type"] == "LineString":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return geometry["coordinates"]
    raise AssertionError(geometry["type"])


def test_layers_attributes_and_coordinates_round_trip(base, db):
    tj = get_json(base + "/tiles/sewer_pipes,manholes.json")
    assert tj["tilejson"] == "3.0.0"
    fields = {vl["id"]: set(vl["fields"]) for vl in tj["vector_layers"]}
    columns = {t: {r[1] for r in db.execute(f"PRAGMA table_info({t})")} - {"fid", "geom"} for t in ("sewer_pipes", "manholes")}
    assert fields == columns

    # The first vertex of the pipe nearest the middle of the data: its tiles cannot be empty.
    cx, cy = db.execute("SELECT X(Centroid(Extent(geom))), Y(Centroid(Extent(geom))) FROM sewer_pipes").fetchone()
    lon, lat = db.execute(
        "SELECT X(Transform(StartPoint(geom), 4326)), Y(Transform(StartPoint(geom), 4326)) FROM sewer_pipes "
        "ORDER BY Distance(geom, MakePoint(?, ?, 6674)) LIMIT 1", (cx, cy)).fetchone()
    checked = 0
    for z in (15, 17):
        x, y = tile_of(lon, lat, z)
        status, headers, body = fetch(f"{base}/tiles/sewer_pipes,manholes/{z}/{x}/{y}.mvt", gz=(z == 17))
        assert status == 200 and headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
        tile = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
        assert set(tile) == {"sewer_pipes", "manholes"}
        pipes = tile["sewer_pipes"]
        assert pipes["extent"] == 4096
        for f in pipes["features"]:
            assert set(f["properties"]) <= columns["sewer_pipes"]
            row = db.execute(
                "SELECT pipe_no, system, diameter_mm, AsGeoJSON(Transform(geom, 4326), 9) FROM sewer_pipes WHERE fid = ?", (f["id"],)
            ).fetchone()
            assert (f["properties"]["pipe_no"], f["properties"]["system"], f["properties"].get("diameter_mm")) == row[:3]
            source = [tile_units(c[0], c[1], z, x, y) for c in json.loads(row[3])["coordinates"]]
            for part in lines(f["geometry"]):
                for p in part:
                    d = min(segment_distance(p, source[i], source[i + 1]) for i in range(len(source) - 1))
                    assert d <= 1.0, (f["id"], p, d)
                    checked += 1
        # Every pipe with a vertex strictly inside the tile is in it.
        inside = set()
        for fid, gj in db.execute("SELECT fid, AsGeoJSON(Transform(geom, 4326), 9) FROM sewer_pipes"):
            if any(0 < tx < 4096 and 0 < ty < 4096 for tx, ty in (tile_units(c[0], c[1], z, x, y) for c in json.loads(gj)["coordinates"])):
                inside.add(fid)
        assert inside and inside <= {f["id"] for f in pipes["features"]}
    assert checked > 100


def test_conditional_requests_and_empty_tiles(base):
    lon, lat = 135.56, 34.78
    x, y = tile_of(lon, lat, 14)
    status, headers, _ = fetch(f"{base}/tiles/sewer_pipes/14/{x}/{y}.mvt")
    assert status == 200
    req = urllib.request.Request(f"{base}/tiles/sewer_pipes/14/{x}/{y}.mvt", headers={"If-None-Match": headers["ETag"]})
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as e:
        assert e.code == 304
    status, _, body = fetch(f"{base}/tiles/sewer_pipes/14/0/0.mvt")
    assert status == 204 and body == b""
