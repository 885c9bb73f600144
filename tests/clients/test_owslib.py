"""owslib's OGC API – Features client: collections, items with bbox, a CQL2 text filter,
queryables, and a staff token opening a staff layer."""
import os

from owslib.ogcapi import REQUEST_HEADERS
from owslib.ogcapi.features import Features

from conftest import count_in_bbox, public_collections


def test_lists_the_collections(base):
    f = Features(base + "/ogc")
    assert sorted(f.feature_collections()) == public_collections(base)
    conf = f.conformance()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conf
    assert "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text" in conf


def test_items_with_bbox(base, db):
    box = [135.560, 34.772, 135.570, 34.782]
    expected = count_in_bbox(db, "manholes", *box)
    assert expected > 10
    r = Features(base + "/ogc").collection_items("manholes", bbox=box, limit=10)
    assert r["numberMatched"] == expected
    assert r["numberReturned"] == 10
    for feature in r["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def test_items_with_a_cql2_filter(base, db):
    cql = "system = '雨水' AND diameter_mm BETWEEN 300 AND 900 AND NOT material IN ('VU')"
    expected = db.execute(
        "SELECT count(*) FROM sewer_pipes WHERE system = '雨水' AND diameter_mm BETWEEN 300 AND 900 AND NOT material IN ('VU')"
    ).fetchone()[0]
    assert expected > 0
    r = Features(base + "/ogc").collection_items("sewer_pipes", filter=cql, limit=1000)
    assert r["numberMatched"] == expected == len(r["features"])
    for feature in r["features"]:
        p = feature["properties"]
        assert p["system"] == "雨水" and 300 <= p["diameter_mm"] <= 900 and p["material"] != "VU"


def test_spatial_cql2_filter_matches_spatialite(base, db):
    poly = "POLYGON((135.545 34.775, 135.590 34.775, 135.570 34.790, 135.545 34.775))"
    expected = db.execute(
        "SELECT count(*) FROM sewer_pipes WHERE ST_Intersects(geom, Transform(GeomFromText(?, 4326), 6674)) = 1", (poly,)
    ).fetchone()[0]
    assert expected > 0
    r = Features(base + "/ogc").collection_items("sewer_pipes", filter=f"S_INTERSECTS(geometry, {poly})", limit=1)
    assert r["numberMatched"] == expected


def test_queryables(base, db):
    q = Features(base + "/ogc").collection_queryables("sewer_pipes")
    columns = {row[1] for row in db.execute("PRAGMA table_info(sewer_pipes)")} - {"fid", "geom"}
    assert set(q["properties"]) == columns | {"geometry"}


def test_staff_token_opens_the_staff_layer(base):
    assert "parking_incidents" not in Features(base + "/ogc").feature_collections()
    try:
        staff = Features(base + "/ogc", headers={"Authorization": "Bearer " + os.environ["MACHIGIS_TOKEN"]})
        assert "parking_incidents" in staff.feature_collections()
    finally:
        # owslib 0.35 merges per-client headers into its module-wide default headers.
        REQUEST_HEADERS.pop("Authorization", None)
