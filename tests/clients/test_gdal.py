"""GDAL as a real client: the OAPIF driver reads the OGC API, ogr2ogr copies a collection
to a GeoPackage, and the MVT driver reads the exported tile pyramid and MBTiles file."""
import csv
import io
import json
import os
import re
import sqlite3
import subprocess

from conftest import count_in_bbox, public_collections

PIPE_COLUMNS = ["pipe_no", "system", "diameter_mm", "width_mm", "height_mm", "material", "length_m", "slope_permille",
                "depth_up_m", "depth_down_m", "install_year", "upstream_mh", "downstream_mh", "treatment_area"]


def run(*args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"{args}: {r.stderr[-2000:]}"
    return r.stdout


def test_ogrinfo_lists_the_public_collections(base):
    out = run("ogrinfo", "-ro", "-q", f"OAPIF:{base}/ogc")
    layers = sorted(re.findall(r"^\d+: (\S+)", out, flags=re.M))
    assert layers == public_collections(base)
    assert "sewer_pipes" in layers and "manholes" in layers
    assert "parking_incidents" not in layers


def test_ogrinfo_spatial_filter_count(base, db):
    box = (135.555, 34.770, 135.565, 34.780)
    expected = count_in_bbox(db, "sewer_pipes", *box)
    assert expected > 0
    out = run("ogrinfo", "-ro", "-so", "-spat", *map(str, box), f"OAPIF:{base}/ogc", "sewer_pipes")
    assert int(re.search(r"Feature Count: (\d+)", out).group(1)) == expected
    # Reading the features (not only the count) gives the same number.
    out = run("ogrinfo", "-ro", "-al", "-q", "-spat", *map(str, box), f"OAPIF:{base}/ogc", "sewer_pipes")
    assert len(re.findall(r"^OGRFeature\(sewer_pipes\)", out, flags=re.M)) == expected


def test_ogr2ogr_to_geopackage_keeps_every_feature_and_attribute(base, db, work):
    gpkg = os.path.join(work, "pipes.gpkg")
    run("ogr2ogr", "-f", "GPKG", "-lco", "GEOMETRY_NAME=geom", gpkg, f"OAPIF:{base}/ogc", "sewer_pipes")
    cols = ", ".join(PIPE_COLUMNS)
    want = {r[0]: r for r in db.execute(f"SELECT {cols}, AsGeoJSON(Transform(geom, 4326), 9) FROM sewer_pipes")}
    out = sqlite3.connect(gpkg)
    out.enable_load_extension(True)
    out.load_extension("mod_spatialite")
    types = {row[1]: row[2] for row in out.execute("PRAGMA table_info(sewer_pipes)")}
    # GDAL declares 32-bit integer fields MEDIUMINT in a GeoPackage.
    assert types["diameter_mm"] in ("INTEGER", "MEDIUMINT") and types["width_mm"] == types["diameter_mm"], "types from the JSON schema"
    assert types["length_m"] == "REAL"
    got = {r[0]: r for r in out.execute(f"SELECT {cols}, AsGeoJSON(GeomFromGPB(geom), 9) FROM sewer_pipes")}
    assert len(got) == len(want) == db.execute("SELECT count(*) FROM sewer_pipes").fetchone()[0]
    for key, row in want.items():
        g = got[key]
        assert g[:-1] == row[:-1], key
        wx = [c for p in json.loads(row[-1])["coordinates"] for c in p]
        gx = [c for p in json.loads(g[-1])["coordinates"] for c in p]
        # The API writes 7 decimals (about 1 cm).
        assert len(wx) == len(gx) and max(abs(a - b) for a, b in zip(wx, gx)) <= 6e-8, key


def test_mvt_driver_reads_the_exported_pyramid(db):
    tiles = os.environ["MACHIGIS_TILES"]
    # A tile folder is opened at one zoom level; metadata.json one level up names the layers and fields.
    out = run("ogrinfo", "-ro", "-so", "-oo", "TILE_EXTENSION=mvt", f"MVT:{tiles}/16")
    layers = sorted(re.findall(r"^\d+: (\S+)", out, flags=re.M))
    assert layers == ["manholes", "sewer_pipes"]
    info = run("ogrinfo", "-ro", "-so", "-oo", "TILE_EXTENSION=mvt", f"MVT:{tiles}/16", "sewer_pipes")
    fields = set(re.findall(r"^(\w+): (?:String|Real|Integer|Integer64)", info, flags=re.M))
    assert set(PIPE_COLUMNS) <= fields
    # Every pipe is in some z16 tile, with its attributes.
    csv_text = run("ogr2ogr", "-f", "CSV", "/vsistdout/", "-oo", "TILE_EXTENSION=mvt", f"MVT:{tiles}/16",
                   "sewer_pipes", "-select", "pipe_no,system,diameter_mm")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    by_no = {r["pipe_no"]: r for r in rows}
    want = dict(db.execute("SELECT pipe_no, system FROM sewer_pipes").fetchall())
    assert set(by_no) == set(want)
    assert all(by_no[k]["system"] == v for k, v in want.items())


def test_mvt_driver_reads_the_mbtiles(db):
    mbtiles = os.environ["MACHIGIS_MBTILES"]
    out = run("ogrinfo", "-ro", "-so", mbtiles)
    layers = sorted(re.findall(r"^\d+: (\S+)", out, flags=re.M))
    assert layers == ["manholes", "sewer_pipes"]
    csv_text = run("ogr2ogr", "-f", "CSV", "/vsistdout/", "-oo", "ZOOM_LEVEL=16", mbtiles, "manholes", "-select", "mh_no")
    got = {r["mh_no"] for r in csv.DictReader(io.StringIO(csv_text))}
    assert got == {r[0] for r in db.execute("SELECT mh_no FROM manholes")}
