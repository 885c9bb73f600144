#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate a SYNTHETIC sewer ledger of N pipes inside Settsu's real boundary, for benchmarks.

Unlike machigis-bench's grid (whose area grows with N, one pipe every 35 m at any size), the
city stays the same size here, so density grows with N as it does when a city digitises its
whole network: 100k pipes is a block every ~25 m, 1M every ~8 m. Streets form a grid clipped
to the boundary; its spacing varies by 500 m cell (a few dense centres, sparse edges), so
some areas are several times denser than others, as around stations.

Outputs (written to --out DIR):
    city-pipes-N.geojson     LineStrings in JGD2011 plane CS VI (EPSG:6674, easting/northing
                             metres, as a city's ledger is kept); load with --srid 6674
    city-manholes-N.geojson  Points at the pipes' upstream ends, same CRS
    city-points-N-{inside,extent,outside}.txt   query points "lon lat", 2000 each: inside
                             the boundary (on the network), uniform over the city's extent
                             box (layers/city.yaml), and 1-2 km outside the boundary but
                             inside the extent box (the API refuses points outside it)

Input: bench/data/settsu-boundary.geojson (市域). Credit:
「都市計画決定GISデータ」（国土交通省）を加工して作成
Standard library only; deterministic for a given N and --seed.

Usage: python3 tools/gen_city_ledger.py --pipes 100000 [--out bench/out]
"""

import argparse
import bisect
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
BOUNDARY = os.path.join(HERE, "..", "bench", "data", "settsu-boundary.geojson")
# layers/city.yaml extent: the box the API accepts points in.
EXTENT = (135.530, 34.745, 135.608, 34.805)
CELL = 500.0  # metres: cells of constant street spacing
ROW = 10.0  # metres: scanline step of the boundary mask

# ---------------------------------------------------------------------------
# GRS80 transverse Mercator (Krüger series, Karney 2011), zone VI: 36°N 136°E, k0 0.9999.
# Millimetre-accurate within a zone, which is all a benchmark needs.
# ---------------------------------------------------------------------------
A_, F_ = 6378137.0, 1 / 298.257222101
N_ = F_ / (2 - F_)
RECT = A_ / (1 + N_) * (1 + N_**2 / 4 + N_**4 / 64)
ALPHA = (N_ / 2 - 2 * N_**2 / 3 + 5 * N_**3 / 16, 13 * N_**2 / 48 - 3 * N_**3 / 5, 61 * N_**3 / 240)
E_ = math.sqrt(F_ * (2 - F_))
LAT0, LON0, K0 = math.radians(36), math.radians(136), 0.9999


def _tm(lon, lat):
    phi, lam = math.radians(lat), math.radians(lon) - LON0
    t = math.sinh(math.atanh(math.sin(phi)) - E_ * math.atanh(E_ * math.sin(phi)))
    xi_, eta_ = math.atan2(t, math.cos(lam)), math.atanh(math.sin(lam) / math.sqrt(1 + t * t))
    xi = xi_ + sum(a * math.sin(2 * j * xi_) * math.cosh(2 * j * eta_) for j, a in enumerate(ALPHA, 1))
    eta = eta_ + sum(a * math.cos(2 * j * xi_) * math.sinh(2 * j * eta_) for j, a in enumerate(ALPHA, 1))
    return K0 * RECT * eta, K0 * RECT * xi


_NORTH0 = _tm(math.degrees(LON0), math.degrees(LAT0))[1]


def to_plane(lon, lat):
    """(easting, northing) metres in EPSG:6674."""
    e, n = _tm(lon, lat)
    return e, n - _NORTH0


def load_rings(path):
    g = json.load(open(path, encoding="utf-8"))
    geom = g["features"][0]["geometry"] if "features" in g else g["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [ring for poly in polys for ring in poly]


def scan_intervals(rings, y0, y1, step):
    """For each row y0 + (i + 0.5) * step, the sorted x crossings of the rings (even-odd)."""
    rows = []
    y = y0 + step / 2
    while y < y1:
        xs = []
        for ring in rings:
            for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1]):
                if (ay <= y) != (by <= y):
                    xs.append(ax + (y - ay) / (by - ay) * (bx - ax))
        rows.append(sorted(xs))
        y += step
    return rows


def inside(rows, y0, step, x, y):
    i = int((y - y0) / step)
    if i < 0 or i >= len(rows):
        return False
    return bisect.bisect(rows[i], x) % 2 == 1


def seg_dist(px, py, ax, ay, bx, by):
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pipes", type=int, required=True)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--seed", type=int, default=27224)
    ap.add_argument("--points", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    rings_ll = load_rings(BOUNDARY)
    rings = [[to_plane(x, y) for x, y in r] for r in rings_ll]
    xs = [p[0] for r in rings for p in r]
    ys = [p[1] for r in rings for p in r]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    rows = scan_intervals(rings, y0, y1, ROW)

    # Density weight per 500 m cell: three centres (stations) over a lognormal background.
    centres = [(x0 + (x1 - x0) * rng.random(), y0 + (y1 - y0) * rng.random()) for _ in range(3)]
    cells = []
    cy = y0
    while cy < y1:
        cx = x0
        while cx < x1:
            mx, my = cx + CELL / 2, cy + CELL / 2
            w = rng.lognormvariate(0, 0.5) + sum(6 * math.exp(-(math.hypot(mx - a, my - b) / 800) ** 2) for a, b in centres)
            # Share of the cell inside the city, sampled on a 10×10 lattice.
            share = sum(inside(rows, y0, ROW, cx + (i + 0.5) * CELL / 10, cy + (j + 0.5) * CELL / 10) for i in range(10) for j in range(10)) / 100
            if share > 0:
                cells.append((cx, cy, w, share))
            cx += CELL
        cy += CELL
    def lay(base, fp=None, fm=None):
        """Lays the network at this base spacing; writes it when given files. Returns counts."""
        n = m = 0
        systems, materials, diameters = ["合流", "汚水", "雨水"], ["VU", "HP", "CP", "K-J"], [200, 250, 300, 450, 600, 800]
        wr = random.Random(args.seed)
        for ci, (cx, cy, w, _) in enumerate(cells):
            k = max(1, round(CELL * math.sqrt(w) / base))
            s = CELL / k

            # Streets are not ruled lines: each intersection moves a little (its own seed, so
            # a node shared by two pipes is the same point).
            def node(i, j):
                r = random.Random((ci * 4096 + i) * 4096 + j + args.seed)
                return cx + i * s + (r.random() - 0.5) * s * 0.3, cy + j * s + (r.random() - 0.5) * s * 0.3

            for j in range(k):
                for i in range(k):
                    a = node(i, j)
                    if not inside(rows, y0, ROW, a[0], a[1]):
                        continue
                    m += 1
                    mh = f"CM-{ci:04d}-{i:03d}-{j:03d}"
                    if fm:
                        fm.write(("" if m == 1 else ",\n") + json.dumps(
                            {"type": "Feature", "properties": {"mh_no": mh, "system": systems[ci % 3], "depth_m": round(1 + 3 * wr.random(), 2)},
                             "geometry": {"type": "Point", "coordinates": [round(a[0], 3), round(a[1], 3)]}}, ensure_ascii=False))
                    for di, dj in ((1, 0), (0, 1)):
                        # Pipes cross into the next cell's first node too, so the network is connected.
                        b = node(i + di, j + dj)
                        if not inside(rows, y0, ROW, b[0], b[1]):
                            continue
                        n += 1
                        if fp:
                            fp.write(("" if n == 1 else ",\n") + json.dumps(
                                {"type": "Feature", "properties": {
                                    "pipe_no": f"C-{n:07d}", "system": systems[ci % 3], "diameter_mm": wr.choice(diameters),
                                    "material": materials[n % 4], "install_year": wr.randint(1965, 2023), "upstream_mh": mh,
                                    "downstream_mh": f"CM-{ci:04d}-{i + di:03d}-{j + dj:03d}"},
                                 "geometry": {"type": "LineString", "coordinates": [[round(a[0], 3), round(a[1], 3)], [round(b[0], 3), round(b[1], 3)]]}},
                                ensure_ascii=False))
        return n, m

    # A grid of spacing s in a cell holds ~2 (CELL/s)^2 pipes; with s = base / sqrt(w) that is
    # 2 w CELL^2 / base^2. Rounding and clipping move the count, so calibrate twice on a dry run.
    total_w = sum(w * share for _, _, w, share in cells)
    base = CELL * math.sqrt(2 * total_w / args.pipes)
    for _ in range(2):
        got, _ = lay(base)
        base *= math.sqrt(got / args.pipes)
    pipes_path = os.path.join(args.out, f"city-pipes-{args.pipes}.geojson")
    mh_path = os.path.join(args.out, f"city-manholes-{args.pipes}.geojson")
    crs = '"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::6674"}},'
    with open(pipes_path, "w", encoding="utf-8") as fp, open(mh_path, "w", encoding="utf-8") as fm:
        fp.write('{"type":"FeatureCollection",' + crs + '"features":[\n')
        fm.write('{"type":"FeatureCollection",' + crs + '"features":[\n')
        n, m = lay(base, fp, fm)
        fp.write("\n]}\n")
        fm.write("\n]}\n")

    # Query points in lon/lat (local metres for the distance test are close enough here).
    mx_, my_ = 91600.0, 110950.0
    ring_m = [[(x * mx_, y * my_) for x, y in r] for r in rings_ll]
    rows_ll = scan_intervals(rings_ll, EXTENT[1], EXTENT[3], 0.0001)

    def boundary_m(lon, lat):
        px, py = lon * mx_, lat * my_
        return min(seg_dist(px, py, *a, *b) for r in ring_m for a, b in zip(r, r[1:] + r[:1]))

    def uniform():
        return EXTENT[0] + (EXTENT[2] - EXTENT[0]) * rng.random(), EXTENT[1] + (EXTENT[3] - EXTENT[1]) * rng.random()

    sets = {"inside": [], "extent": [], "outside": []}
    while min(len(v) for v in sets.values()) < args.points:
        lon, lat = uniform()
        within = inside(rows_ll, EXTENT[1], 0.0001, lon, lat)
        if len(sets["extent"]) < args.points:
            sets["extent"].append((lon, lat))
        if within and len(sets["inside"]) < args.points:
            sets["inside"].append((lon, lat))
        elif not within and len(sets["outside"]) < args.points and 1000 <= boundary_m(lon, lat) <= 2000:
            sets["outside"].append((lon, lat))
    for name, pts in sets.items():
        with open(os.path.join(args.out, f"city-points-{args.pipes}-{name}.txt"), "w") as f:
            f.writelines(f"{lon:.7f} {lat:.7f}\n" for lon, lat in pts)
    print(f"{n} pipes, {m} manholes in {len(cells)} cells, base spacing {base:.1f} m -> {pipes_path}")


if __name__ == "__main__":
    main()
