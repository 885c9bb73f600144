#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate SYNTHETIC sample election data for Settsu city (摂津市).

No real 町丁目 polygons, polling districts or turnout of Settsu are available as open
data here, so this writes plausible stand-ins on top of real layers:

  small_areas.geojson      小地域: a slightly irregular grid of blocks (~370 m x 330 m)
                           clipped to the real city boundary (市域); neighbouring blocks
                           share their vertices exactly, so they dissolve without slivers.
  district_mapping.csv     area_key,district_no,district_name,station_no: each block goes to
                           the district of its nearest station (20 districts).
  polling_stations.geojson 投票所 at 20 named parks and station squares (都市施設), spread
                           over the city; the point (the "entrance") is a vertex of the
                           facility's outline.
  turnout-2022-sangiin.csv the standard header, CP932 (as election offices' Excel exports).
  turnout-2024-shugiin.csv another office's header (mapped in layers/polling_districts.yaml),
                           UTF-8, with interim rows (時刻別) at 11時, 15時, 18時 and 確定.

Inputs (real open data, lon/lat CRS84) from --shared DIR:
    settsu-boundary.geojson, settsu-urban-facilities.geojson
Credit: 「都市計画決定GISデータ」（国土交通省）を加工して作成

Standard library only; deterministic (fixed seed), so runs give byte-identical files.
A self-check at the end (blocks cover the boundary's area, counts add up) exits non-zero
when it fails.

Usage:  python3 tools/gen_sample_elections.py [--out DIR] [--shared DIR]
"""

import argparse
import json
import math
import os
import random
import sys

SEED = 27224  # 摂津市 city code
DX, DY = 0.0040, 0.0030  # block size in degrees: about 366 m x 333 m at 34.77°N
JITTER = 0.17  # node jitter as a fraction of the block size
MX, MY = 91600.0, 110950.0  # metres per degree lon / lat at ~34.77°N
N_STATIONS = 20


class Degenerate(Exception):
    """A boundary vertex on a grid line or a crossing at a grid node: shift the grid and retry."""


def cross(ox, oy, ax, ay, bx, by):
    return (ax - ox) * (by - oy) - (ay - oy) * (bx - ox)


def ring_area(r):
    """Signed area (shoelace), positive for counterclockwise; r is open (no closing point)."""
    s = 0.0
    for i in range(len(r)):
        x1, y1 = r[i]
        x2, y2 = r[(i + 1) % len(r)]
        s += x1 * y2 - x2 * y1
    return s / 2


def area_m2(r):
    return abs(ring_area(r)) * MX * MY


def point_in_ring(p, r):
    x, y = p
    inside = False
    j = len(r) - 1
    for i in range(len(r)):
        xi, yi = r[i]
        xj, yj = r[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def intersect(a1, a2, b1, b2, eps=1e-12):
    """Crossing of boundary segment a with grid edge b. Computed from canonically ordered
    endpoints so that the two blocks sharing an edge get bit-identical points."""
    if a2 < a1:
        a1, a2 = a2, a1
    if b2 < b1:
        b1, b2 = b2, b1
    rx, ry = a2[0] - a1[0], a2[1] - a1[1]
    sx, sy = b2[0] - b1[0], b2[1] - b1[1]
    d = rx * sy - ry * sx
    if d == 0:
        return None
    qx, qy = b1[0] - a1[0], b1[1] - a1[1]
    t = (qx * sy - qy * sx) / d
    u = (qx * ry - qy * rx) / d
    if t < -eps or t > 1 + eps or u < -eps or u > 1 + eps:
        return None
    if min(abs(t), abs(1 - t), abs(u), abs(1 - u)) < 1e-9:
        raise Degenerate()
    return (a1[0] + t * rx, a1[1] + t * ry)


def clip(ring, quad):
    """Pieces of the CCW ring inside the convex CCW quad (Weiler–Atherton for a convex
    clip region): arcs of the ring inside the quad, joined along the quad's outline."""
    n = len(ring)
    qminx = min(p[0] for p in quad)
    qmaxx = max(p[0] for p in quad)
    qminy = min(p[1] for p in quad)
    qmaxy = max(p[1] for p in quad)
    crossings = []  # (segment index, distance along it, point, perimeter position, entering)
    for i in range(n):
        p1, p2 = ring[i], ring[(i + 1) % n]
        if max(p1[0], p2[0]) < qminx or min(p1[0], p2[0]) > qmaxx or max(p1[1], p2[1]) < qminy or min(p1[1], p2[1]) > qmaxy:
            continue
        for k in range(4):
            e1, e2 = quad[k], quad[(k + 1) % 4]
            p = intersect(p1, p2, e1, e2)
            if p is None:
                continue
            ex, ey = e2[0] - e1[0], e2[1] - e1[1]
            s = ((p[0] - e1[0]) * ex + (p[1] - e1[1]) * ey) / (ex * ex + ey * ey)
            entering = cross(e1[0], e1[1], e2[0], e2[1], p2[0], p2[1]) > 0
            dist = (p[0] - p1[0]) ** 2 + (p[1] - p1[1]) ** 2
            crossings.append((i, dist, p, k + s, entering))
    if not crossings:
        if all(
            cross(quad[k][0], quad[k][1], quad[(k + 1) % 4][0], quad[(k + 1) % 4][1], ring[0][0], ring[0][1]) > 0 for k in range(4)
        ):
            return [list(ring)]
        cx = sum(p[0] for p in quad) / 4
        cy = sum(p[1] for p in quad) / 4
        return [list(quad)] if point_in_ring((cx, cy), ring) else []
    crossings.sort(key=lambda c: (c[0], c[1]))
    while not crossings[0][4]:
        crossings.append(crossings.pop(0))
    arcs = []
    for m in range(0, len(crossings), 2):
        entry, exit_ = crossings[m], crossings[m + 1]
        if not entry[4] or exit_[4]:
            raise Degenerate()
        count = (exit_[0] - entry[0]) % n
        if exit_[0] == entry[0] and exit_[1] < entry[1]:
            count = n
        pts = [entry[2]] + [ring[(entry[0] + j) % n] for j in range(1, count + 1)] + [exit_[2]]
        arcs.append({"pts": pts, "in": entry[3], "out": exit_[3]})
    pieces = []
    unused = set(range(len(arcs)))
    while unused:
        first = min(unused)
        a = first
        piece = []
        while True:
            unused.discard(a)
            piece += arcs[a]["pts"]
            out = arcs[a]["out"]
            # The next arc entering after this exit, walking the quad counterclockwise.
            nxt = min(range(len(arcs)), key=lambda b: (arcs[b]["in"] - out) % 4)
            stop = arcs[nxt]["in"]
            if stop <= out:
                stop += 4
            c = math.floor(out) + 1
            while c < stop:
                piece.append(quad[c % 4])
                c += 1
            if nxt == first:
                break
            a = nxt
        pieces.append(piece)
    return pieces


def load_boundary(path):
    with open(path, encoding="utf-8") as f:
        g = json.load(f)["features"][0]["geometry"]
    polys = g["coordinates"] if g["type"] == "MultiPolygon" else [g["coordinates"]]
    rings = []
    for poly in polys:
        r = [tuple(p) for p in poly[0][:-1]]
        if ring_area(r) < 0:
            r.reverse()
        rings.append(r)
    return rings


def make_blocks(rings, shift):
    minx = min(p[0] for r in rings for p in r) - DX * (0.5 + shift)
    miny = min(p[1] for r in rings for p in r) - DY * (0.5 + shift)
    maxx = max(p[0] for r in rings for p in r) + DX
    maxy = max(p[1] for r in rings for p in r) + DY
    nx = int((maxx - minx) / DX) + 2
    ny = int((maxy - miny) / DY) + 2
    rng = random.Random(SEED)
    nodes = {}
    for j in range(ny + 1):
        for i in range(nx + 1):
            jx = (rng.random() * 2 - 1) * JITTER * DX
            jy = (rng.random() * 2 - 1) * JITTER * DY
            nodes[(i, j)] = (minx + i * DX + jx, miny + j * DY + jy)
    blocks = []
    for j in range(ny):
        for i in range(nx):
            quad = [nodes[(i, j)], nodes[(i + 1, j)], nodes[(i + 1, j + 1)], nodes[(i, j + 1)]]
            for r in rings:
                for piece in clip(r, quad):
                    blocks.append(((i, j), piece))
    return blocks


def rounded(piece):
    out = []
    for x, y in piece:
        p = (round(x, 7), round(y, 7))
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def clean_name(name):
    """'２･２･２２４－２３鳥飼東部第１公園' → '鳥飼東部第１公園' (drop the planning number)."""
    i = 0
    while i < len(name) and (name[i] in "０１２３４５６７８９－･・-." or name[i].isdigit()):
        i += 1
    return name[i:]


def load_stations(path, rings):
    with open(path, encoding="utf-8") as f:
        feats = json.load(f)["features"]
    cands = []
    seen = set()
    for ft in feats:
        p = ft["properties"]
        if p.get("function") not in ("公園", "駅前広場") or not p.get("name"):
            continue
        name = clean_name(p["name"])
        if name in seen:
            continue
        seen.add(name)
        outline = [tuple(c) for c in ft["geometry"]["coordinates"][0][0][:-1]]
        # The entrance: the outline's southernmost vertex, a point on the facility's edge.
        entrance = min(outline, key=lambda c: (c[1], c[0]))
        if any(point_in_ring(entrance, r) for r in rings):
            cands.append((name, (round(entrance[0], 7), round(entrance[1], 7))))
    cands.sort()
    # Farthest-point sampling from the facility nearest the city centre spreads the stations.
    cx = sum(p[0] for p in rings[-1]) / len(rings[-1])
    cy = sum(p[1] for p in rings[-1]) / len(rings[-1])

    def d(a, b):
        return math.hypot((a[0] - b[0]) * MX, (a[1] - b[1]) * MY)

    chosen = [min(cands, key=lambda c: d(c[1], (cx, cy)))]
    while len(chosen) < N_STATIONS:
        chosen.append(max((c for c in cands if c not in chosen), key=lambda c: min(d(c[1], s[1]) for s in chosen)))
    # Number them north-west to south-east, as districts are usually numbered.
    chosen.sort(key=lambda c: (-round(c[1][1] / 0.006), c[1][0]))
    return chosen


def smooth_noise(rng, x, y, waves):
    return sum(a * math.sin(fx * x + fy * y + ph) for a, fx, fy, ph in waves)


def split(total, share):
    m = int(round(total * share))
    return m, total - m


def turnout_rows(districts, electors, rng, base, waves, early_share, shift=None):
    """One row per district: (district, counts[12]) with 男 + 女 = 計 and voters ≤ electors."""
    rows = {}
    for dno in districts:
        em, ef = electors[dno]
        x, y = districts[dno]
        t = base + smooth_noise(rng, x, y, waves) + rng.uniform(-0.018, 0.018)
        if shift:
            t += shift(x, y) + rng.uniform(-0.012, 0.012)
        tm, tf = t - 0.008, t + 0.008
        es = early_share + rng.uniform(-0.05, 0.05)
        vm, vf = int(round(em * tm)), int(round(ef * tf))
        groups = []
        for v in (vm, vf):
            early = int(round(v * es))
            absentee = int(round(v * rng.uniform(0.004, 0.012)))
            groups.append((v - early - absentee, early, absentee))
        row = [em, ef, em + ef]
        for k in range(3):
            row += [groups[0][k], groups[1][k], groups[0][k] + groups[1][k]]
        rows[dno] = row
    return rows


def main():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(repo, "layers", "sample", "elections"))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(repo, "..", "shared", "data")))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    rings = load_boundary(os.path.join(args.shared, "settsu-boundary.geojson"))
    for attempt in range(10):
        try:
            blocks = make_blocks(rings, attempt * 0.013)
            break
        except Degenerate:
            continue
    else:
        sys.exit("could not place the block grid without degenerate crossings")

    # Self-check: the blocks tile the boundary (before rounding to 7 decimals).
    want = sum(area_m2(r) for r in rings)
    got = sum(area_m2(p) for _, p in blocks)
    if abs(got - want) > want * 1e-9:
        sys.exit(f"self-check failed: blocks cover {got:.3f} m², the boundary {want:.3f} m²")

    stations = load_stations(os.path.join(args.shared, "settsu-urban-facilities.geojson"), rings)
    areas = []
    dropped = 0.0
    for cell, piece in blocks:
        r = rounded(piece)
        a = area_m2(r)
        if len(r) < 3 or a < 1.0:
            dropped += a
            continue
        cx = sum(p[0] for p in r) / len(r)
        cy = sum(p[1] for p in r) / len(r)
        near = min(range(len(stations)), key=lambda s: math.hypot((stations[s][1][0] - cx) * MX, (stations[s][1][1] - cy) * MY))
        areas.append({"ring": r, "area": a, "district": str(near + 1), "c": (cx, cy), "cell": cell})
    areas.sort(key=lambda a: (-a["cell"][1], a["cell"][0], a["c"]))
    for n, a in enumerate(areas, 1):
        a["key"] = f"B{n:03d}"

    with open(os.path.join(args.out, "small_areas.geojson"), "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for n, a in enumerate(areas):
            coords = [[list(p) for p in a["ring"] + [a["ring"][0]]]]
            ft = {
                "type": "Feature",
                "properties": {"area_key": a["key"], "area_name": f"サンプル街区{a['key'][1:]}"},
                "geometry": {"type": "Polygon", "coordinates": coords},
            }
            f.write(json.dumps(ft, ensure_ascii=False, separators=(",", ":")) + (",\n" if n < len(areas) - 1 else "\n"))
        f.write("]}\n")

    with open(os.path.join(args.out, "district_mapping.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("area_key,district_no,district_name,station_no\r\n")
        for a in areas:
            d = a["district"]
            f.write(f"{a['key']},{d},第{d}投票区,{d}\r\n")

    with open(os.path.join(args.out, "polling_stations.geojson"), "w", encoding="utf-8", newline="\n") as f:
        f.write('{"type":"FeatureCollection","features":[\n')
        for n, (name, p) in enumerate(stations):
            ft = {
                "type": "Feature",
                "properties": {"station_no": str(n + 1), "name": name, "address": None},
                "geometry": {"type": "Point", "coordinates": list(p)},
            }
            f.write(json.dumps(ft, ensure_ascii=False, separators=(",", ":")) + (",\n" if n < len(stations) - 1 else "\n"))
        f.write("]}\n")

    # Electors follow block area with a smooth density field (denser in the north-west
    # around JR 千里丘, sparser along the rivers); about 70,000 in all.
    rng = random.Random(SEED + 1)
    dens_waves = [(0.25, 120.0, 40.0, 0.3), (0.15, 60.0, 170.0, 1.1)]
    district_area = {}
    district_c = {}
    for a in areas:
        x = (a["c"][0] - 135.57) * MX / 1000
        y = (a["c"][1] - 34.776) * MY / 1000
        w = a["area"] * max(0.25, 1.0 + 0.35 * y - 0.2 * x + smooth_noise(rng, x / 100, y / 100, dens_waves))
        district_area[a["district"]] = district_area.get(a["district"], 0) + w
        sx, sy, sn = district_c.get(a["district"], (0, 0, 0))
        district_c[a["district"]] = (sx + x, sy + y, sn + 1)
    total_w = sum(district_area.values())
    numbers = sorted(district_area, key=int)
    electors = {}
    for d in numbers:
        t = int(round(70500 * district_area[d] / total_w))
        electors[d] = split(t, rng.uniform(0.478, 0.494))
    centre = {d: (district_c[d][0] / district_c[d][2], district_c[d][1] / district_c[d][2]) for d in numbers}

    waves = [(0.045, 0.55, 0.2, 0.4), (0.025, -0.3, 0.9, 2.0)]
    r22 = turnout_rows(centre, electors, random.Random(SEED + 2), 0.515, waves, 0.36)
    electors24 = {d: (em + int(round(em * rng.uniform(-0.02, 0.01))), ef + int(round(ef * rng.uniform(-0.02, 0.01)))) for d, (em, ef) in electors.items()}
    r24 = turnout_rows(
        centre, electors24, random.Random(SEED + 3), 0.528, waves, 0.41, shift=lambda x, y: 0.012 * math.tanh(x / 2)
    )

    std = "投票区,有権者数_男,有権者数_女,有権者数_計,当日_男,当日_女,当日_計,期日前_男,期日前_女,期日前_計,不在者_男,不在者_女,不在者_計"
    text = std + "\r\n" + "".join(f"{d}," + ",".join(str(v) for v in r22[d]) + "\r\n" for d in numbers)
    with open(os.path.join(args.out, "turnout-2022-sangiin.csv"), "wb") as f:
        f.write(text.encode("cp932"))

    other = (
        "投票区番号,当日有権者数_男,当日有権者数_女,当日有権者数_計,当日投票者数_男,当日投票者数_女,当日投票者数_計,"
        "期日前投票者数_男,期日前投票者数_女,期日前投票者数_計,不在者投票者数_男,不在者投票者数_女,不在者投票者数_計,集計時刻"
    )
    lines = [other]
    for hour, frac in (("11時", 0.24), ("15時", 0.52), ("18時", 0.78)):
        for d in numbers:
            row = r24[d]
            dm, df = int(round(row[3] * frac)), int(round(row[4] * frac))
            lines.append(f"第{d}投票区," + ",".join(str(v) for v in row[:3] + [dm, df, dm + df] + row[6:9]) + f",,,,{hour}")
    for d in numbers:
        lines.append(f"第{d}投票区," + ",".join(str(v) for v in r24[d]) + ",確定")
    with open(os.path.join(args.out, "turnout-2024-shugiin.csv"), "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(lines) + "\r\n")

    # Self-check: every row adds up, and every district has blocks and a station.
    for rows in (r22, r24):
        for d, r in rows.items():
            for g in range(4):
                assert r[3 * g] + r[3 * g + 1] == r[3 * g + 2], (d, r)
            assert r[3] + r[6] + r[9] <= r[0] and r[4] + r[7] + r[10] <= r[1], (d, r)
    if len(numbers) != N_STATIONS:
        sys.exit(f"self-check failed: {len(numbers)} districts have blocks, expected {N_STATIONS}")
    size = sum(os.path.getsize(os.path.join(args.out, n)) for n in os.listdir(args.out))
    print(
        f"{len(areas)} small areas ({dropped:.2f} m² of slivers dropped), {len(numbers)} districts, "
        f"{sum(sum(e) for e in electors.values())} electors, {size / 1024:.0f} KiB in {args.out}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
