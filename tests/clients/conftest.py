"""Shared fixtures of the real-client tests. run.sh starts the server and exports where
everything is; the store is read with SpatiaLite to compute what the clients must see."""
import json
import math
import os
import sqlite3
import urllib.request

import pytest

def env(name):
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set (run tests/clients/run.sh)")
    return value


@pytest.fixture(scope="session")
def base():
    return env("MACHIGIS_URL").rstrip("/")


@pytest.fixture(scope="session")
def db():
    con = sqlite3.connect(f"file:{env('MACHIGIS_DB')}?mode=ro", uri=True)
    con.enable_load_extension(True)
    con.load_extension("mod_spatialite")
    yield con
    con.close()


@pytest.fixture(scope="session")
def work():
    return env("MACHIGIS_WORK")


def get_json(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def public_collections(base):
    return sorted(c["id"] for c in get_json(base + "/ogc/collections")["collections"])


def count_in_bbox(db, table, w, s, e, n):
    """Features whose geometry meets a lon/lat box, by SpatiaLite (GEOS)."""
    sql = f"SELECT count(*) FROM {table} WHERE ST_Intersects(geom, Transform(BuildMbr(?, ?, ?, ?, 4326), 6674)) = 1"
    return db.execute(sql, (w, s, e, n)).fetchone()[0]


def tile_of(lon, lat, z):
    n = 2 ** z
    x = (lon + 180) / 360 * n
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(x), int(y)


def tile_units(lon, lat, z, x, y, extent=4096):
    """A lon/lat position in the tile's own units (y down), as an MVT decoder reports them."""
    n = 2 ** z
    tx = ((lon + 180) / 360 * n - x) * extent
    ty = ((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n - y) * extent
    return tx, ty
