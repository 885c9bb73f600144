#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Generate a SYNTHETIC demo sewer ledger (下水道台帳) for Settsu city (摂津市).

The output is plausible-looking but invented: a street network is synthesised
inside the real city boundary (市域) from a slightly irregular local grid plus
the real planned city roads (都市計画道路) as trunk streets, and sewer pipes
(管きょ) and manholes (マンホール) are laid along it.

Inputs (real open data, lon/lat CRS84), read from --shared DIR:
    settsu-boundary.geojson       市域 (MultiPolygon)
    settsu-planned-roads.geojson  都市計画道路 (road outlines, MultiLineString)
Credit: 「都市計画決定GISデータ」（国土交通省）を加工して作成

Outputs (RFC 7946 GeoJSON, lon/lat, 7 decimals), written to --out DIR:
    sewer_pipes.geojson   2-point LineStrings, upstream -> downstream
    manholes.geojson      Points

Standard library only; deterministic (fixed seed, sorted iteration), so two
runs give byte-identical files.  A self-check runs at the end and the script
exits non-zero if it fails.

Usage:  python3 tools/gen_sample_ledger.py [--out DIR] [--shared DIR]
"""

import argparse
import heapq
import json
import math
import os
import random
import sys
from collections import defaultdict

SEED = 27224  # 摂津市 city code

# ---------------------------------------------------------------------------
# Local equirectangular metres (good enough for sample data)
# ---------------------------------------------------------------------------
LON0, LAT0 = 135.565, 34.775
MX, MY = 91600.0, 110950.0  # metres per degree lon / lat at ~34.77°N


def to_m(lon, lat):
    return ((lon - LON0) * MX, (lat - LAT0) * MY)


def to_ll(x, y):
    return (LON0 + x / MX, LAT0 + y / MY)


def ll_round(x, y):
    lon, lat = to_ll(x, y)
    return (round(lon, 7), round(lat, 7))


def m_dist_ll(a, b):
    return math.hypot((a[0] - b[0]) * MX, (a[1] - b[1]) * MY)


# ---------------------------------------------------------------------------
# Design parameters
# ---------------------------------------------------------------------------
# Street grid zones: (name, polygon lon/lat, grid angle deg, spacing u, spacing v)
ZONES = [
    # north-west: 千里丘・三島・正雀 side of the JR line, old grid along the JR/府道
    ("NW", [(135.530, 34.7705), (135.5470, 34.7735), (135.5590, 34.7795),
            (135.5615, 34.7863), (135.5622, 34.8000), (135.530, 34.8000)],
     38.0, 100.0, 82.0),
    # south-west: 別府・南別府 (west of the central ring road)
    ("SW", [(135.530, 34.7705), (135.5470, 34.7735), (135.5590, 34.7795),
            (135.5615, 34.7863), (135.5684, 34.7700), (135.5745, 34.7564),
            (135.5760, 34.7500), (135.530, 34.7500)],
     14.0, 95.0, 78.0),
    # east: 鳥飼 area between the ring road and the Yodo river, grid along the river
    ("E", [(135.5615, 34.7863), (135.5622, 34.8000), (135.6100, 34.8000),
           (135.6100, 34.7500), (135.5760, 34.7500), (135.5745, 34.7564),
           (135.5684, 34.7700)],
     48.0, 104.0, 84.0),
]

# Districts that are covered by this demo ledger (lon/lat polygons).  The
# rest of the city is simply not part of the sample.
COMBINED_AREA = [  # 合流区域 (old town around JR 千里丘 / 正雀)
    (135.5385, 34.7790), (135.5440, 34.7768), (135.5520, 34.7770),
    (135.5580, 34.7800), (135.5600, 34.7860), (135.5600, 34.7960),
    (135.5385, 34.7960)]
SEPARATE_AREA = [  # 分流区域 (鳥飼 / 南摂津 side, east of the central ring road)
    (135.5692, 34.7700), (135.5735, 34.7640), (135.5800, 34.7650),
    (135.5880, 34.7700), (135.5935, 34.7758), (135.5795, 34.7878),
    (135.5660, 34.7790)]

# Outlets (終末/接続点): nominal facility points; the nearest manhole of the
# system network becomes its most-downstream manhole.
OUTLETS = {
    "合流": ("正雀下水処理場 (synthetic location)", (135.5445, 34.7778)),
    "汚水": ("安威川流域下水道 幹線接続点 (synthetic)", (135.5720, 34.7680)),
    "雨水": ("雨水ポンプ場 → 淀川 (synthetic)", (135.5870, 34.7705)),
}
TREATMENT_AREA = {"合流": "正雀処理区", "汚水": "安威川処理区", "雨水": "安威川処理区"}
PIPE_PREFIX = {"合流": "G", "汚水": "S", "雨水": "U"}
MH_PREFIX = {"合流": "GM", "汚水": "SM", "雨水": "UM"}

EDGE_MARGIN_M = 12.0      # keep streets this far inside the city boundary
MAX_PIPE_M = 50.0         # manhole spacing
MIN_PIPE_M = 15.0
MIN_STREET_M = 20.0       # shorter street pieces are contracted
SINGLE_OUTFLOW = True
TWIN_OFFSET_M = 1.5       # 汚水 / 雨水 each 1.5 m off the street centre (3 m apart)

SIZES = [200, 250, 300, 350, 400, 450, 500, 600, 700, 800, 900, 1000, 1100,
         1200, 1350, 1500, 1650, 1800, 2000, 2200, 2400]
BOXES = [(2400, 2000), (2600, 2000), (2800, 2200), (3000, 2200), (3000, 2500),
         (3300, 2500), (3600, 2600), (4000, 2800), (4400, 3000), (5000, 3000)]
SIZE_RANGE = {"汚水": (200, 800), "合流": (250, 2000), "雨水": (250, 2400)}
# nominal slope range (‰) per diameter; larger pipes flatter
SLOPE_RANGE = {200: (4.0, 10.0), 250: (3.3, 8.0), 300: (2.8, 6.5), 350: (2.4, 5.5),
               400: (2.1, 4.6), 450: (1.9, 4.0), 500: (1.7, 3.5), 600: (1.5, 3.0),
               700: (1.3, 2.6), 800: (1.2, 2.3), 900: (1.1, 2.0), 1000: (1.0, 1.8),
               1100: (0.9, 1.6), 1200: (0.85, 1.5), 1350: (0.8, 1.3),
               1500: (0.75, 1.2), 1650: (0.7, 1.1), 1800: (0.65, 1.0),
               2000: (0.6, 0.95), 2200: (0.55, 0.9), 2400: (0.5, 0.85)}
BOX_SLOPE = (0.5, 0.8)
# absolute minimum slope (‰) used where the depth budget is tight
MIN_SLOPE = {200: 2.0, 250: 1.8, 300: 1.6, 350: 1.4, 400: 1.3, 450: 1.2, 500: 1.1,
             600: 1.0, 700: 0.9, 800: 0.8, 900: 0.75, 1000: 0.7, 1100: 0.65, 1200: 0.6,
             1350: 0.55, 1500: 0.5, 1650: 0.5, 1800: 0.5, 2000: 0.5, 2200: 0.5, 2400: 0.5}


# ---------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------
class Region:
    """Even-odd ray casting over all rings of all parts (holes honoured),
    with edges bucketed in horizontal bands; plus distance to the outline."""

    def __init__(self, polygons):
        # polygons: list of polygons, each a list of rings [(x, y), ...]
        self.edges = []
        for poly in polygons:
            for ring in poly:
                pts = list(ring)
                if pts[0] != pts[-1]:
                    pts.append(pts[0])
                for a, b in zip(pts, pts[1:]):
                    if a != b:
                        self.edges.append((a[0], a[1], b[0], b[1]))
        ys = [e[1] for e in self.edges] + [e[3] for e in self.edges]
        self.band = (max(ys) - min(ys)) / 400.0 or 1.0
        self.y0 = min(ys)
        self.bands = defaultdict(list)
        for i, (x1, y1, x2, y2) in enumerate(self.edges):
            lo, hi = sorted((y1, y2))
            for k in range(int((lo - self.y0) // self.band), int((hi - self.y0) // self.band) + 1):
                self.bands[k].append(i)
        self.grid = None

    def contains(self, x, y):
        inside = False
        for i in self.bands.get(int((y - self.y0) // self.band), ()):
            x1, y1, x2, y2 = self.edges[i]
            if (y1 > y) != (y2 > y):
                xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if xi > x:
                    inside = not inside
        return inside

    def _build_grid(self, cell):
        self.cell = cell
        self.grid = defaultdict(list)
        for i, (x1, y1, x2, y2) in enumerate(self.edges):
            for cx in range(int(math.floor(min(x1, x2) / cell)), int(math.floor(max(x1, x2) / cell)) + 1):
                for cy in range(int(math.floor(min(y1, y2) / cell)), int(math.floor(max(y1, y2) / cell)) + 1):
                    self.grid[(cx, cy)].append(i)

    def dist_to_edge(self, x, y, limit):
        """Distance to the nearest boundary edge, capped at `limit` (metres)."""
        if self.grid is None:
            self._build_grid(50.0)
        c = self.cell
        best = limit
        seen = set()
        for cx in range(int(math.floor((x - limit) / c)), int(math.floor((x + limit) / c)) + 1):
            for cy in range(int(math.floor((y - limit) / c)), int(math.floor((y + limit) / c)) + 1):
                for i in self.grid.get((cx, cy), ()):
                    if i in seen:
                        continue
                    seen.add(i)
                    d = seg_dist(x, y, *self.edges[i])
                    if d < best:
                        best = d
        return best

    def inside_by(self, x, y, margin):
        return self.contains(x, y) and self.dist_to_edge(x, y, margin + 1.0) >= margin


def seg_dist(px, py, x1, y1, x2, y2):
    dx, dy = x2 - x1, y2 - y1
    L2 = dx * dx + dy * dy
    t = 0.0 if L2 == 0 else max(0.0, min(1.0, ((px - x1) * dx + (py - y1) * dy) / L2))
    return math.hypot(px - (x1 + t * dx), py - (y1 + t * dy))


def seg_intersect(a, b, c, d):
    """Proper/touching intersection of segments ab, cd -> (t, u) or None."""
    r = (b[0] - a[0], b[1] - a[1])
    s = (d[0] - c[0], d[1] - c[1])
    den = r[0] * s[1] - r[1] * s[0]
    if abs(den) < 1e-9:
        return None
    qp = (c[0] - a[0], c[1] - a[1])
    t = (qp[0] * s[1] - qp[1] * s[0]) / den
    u = (qp[0] * r[1] - qp[1] * r[0]) / den
    if -1e-9 <= t <= 1 + 1e-9 and -1e-9 <= u <= 1 + 1e-9:
        return (t, u)
    return None


def poly_len(pts):
    return sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(pts, pts[1:]))


def resample(pts, step):
    """Points every `step` metres along a polyline, with unit tangents."""
    out = []
    L = poly_len(pts)
    if L < 1e-6:
        return out
    n = max(1, int(round(L / step)))
    targets = [L * i / n for i in range(n + 1)]
    seg = 0
    acc = 0.0
    for t in targets:
        while seg < len(pts) - 2 and acc + math.hypot(pts[seg + 1][0] - pts[seg][0], pts[seg + 1][1] - pts[seg][1]) < t:
            acc += math.hypot(pts[seg + 1][0] - pts[seg][0], pts[seg + 1][1] - pts[seg][1])
            seg += 1
        a, b = pts[seg], pts[seg + 1]
        sl = math.hypot(b[0] - a[0], b[1] - a[1]) or 1e-9
        f = max(0.0, min(1.0, (t - acc) / sl))
        out.append(((a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])),
                    ((b[0] - a[0]) / sl, (b[1] - a[1]) / sl)))
    return out


def simplify(pts, tol):
    """Douglas-Peucker."""
    if len(pts) <= 2:
        return list(pts)
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        best, bi = -1.0, -1
        for k in range(i + 1, j):
            d = seg_dist(pts[k][0], pts[k][1], pts[i][0], pts[i][1], pts[j][0], pts[j][1])
            if d > best:
                best, bi = d, k
        if best > tol:
            keep[bi] = True
            stack.append((i, bi))
            stack.append((bi, j))
    return [p for p, k in zip(pts, keep) if k]


class PointHash:
    def __init__(self, cell):
        self.cell = cell
        self.d = defaultdict(list)

    def add(self, x, y, item):
        self.d[(int(math.floor(x / self.cell)), int(math.floor(y / self.cell)))].append(item)

    def near(self, x, y, r):
        c = self.cell
        for cx in range(int(math.floor((x - r) / c)), int(math.floor((x + r) / c)) + 1):
            for cy in range(int(math.floor((y - r) / c)), int(math.floor((y + r) / c)) + 1):
                for it in self.d.get((cx, cy), ()):
                    yield it


# ---------------------------------------------------------------------------
# 1. Inputs
# ---------------------------------------------------------------------------
def load_boundary(path):
    with open(path, encoding="utf-8") as f:
        gj = json.load(f)
    polys_ll = []
    for feat in gj["features"]:
        g = feat["geometry"]
        if g["type"] == "Polygon":
            polys_ll.append([[tuple(p[:2]) for p in ring] for ring in g["coordinates"]])
        elif g["type"] == "MultiPolygon":
            for poly in g["coordinates"]:
                polys_ll.append([[tuple(p[:2]) for p in ring] for ring in poly])
    polys_m = [[[to_m(*p) for p in ring] for ring in poly] for poly in polys_ll]
    return Region(polys_ll), Region(polys_m)


def load_roads(path):
    with open(path, encoding="utf-8") as f:
        gj = json.load(f)
    lines = []
    for feat in gj["features"]:
        if (feat.get("properties") or {}).get("区分") != "道路":
            continue  # skip 広場 etc.
        g = feat["geometry"]
        parts = g["coordinates"] if g["type"] == "MultiLineString" else [g["coordinates"]]
        for part in parts:
            pts = [to_m(p[0], p[1]) for p in part]
            clean = [pts[0]]
            for p in pts[1:]:
                if math.hypot(p[0] - clean[-1][0], p[1] - clean[-1][1]) > 0.05:
                    clean.append(p)
            if len(clean) >= 2:
                lines.append(clean)
    return lines


# ---------------------------------------------------------------------------
# 2. Trunk streets: centre lines of the planned-road outlines
# ---------------------------------------------------------------------------
def chain_lines(lines):
    key = lambda p: (round(p[0] * 2), round(p[1] * 2))
    ends = defaultdict(list)
    for i, l in enumerate(lines):
        ends[key(l[0])].append((i, 0))
        ends[key(l[-1])].append((i, 1))
    used = [False] * len(lines)
    chains = []

    def extend(chain, tail_key):
        while True:
            cands = [(i, e) for (i, e) in ends[tail_key] if not used[i]]
            if len(ends[tail_key]) != 2 or len(cands) != 1:
                return chain
            i, e = cands[0]
            used[i] = True
            seg = lines[i] if e == 0 else lines[i][::-1]
            chain = chain + seg[1:]
            tail_key = key(seg[-1])

    for i, l in enumerate(lines):
        if used[i]:
            continue
        used[i] = True
        c = extend(list(l), key(l[-1]))
        c = extend(c[::-1], key(c[0]))
        chains.append(c)
    return chains


def trunk_centrelines(road_lines):
    chains = chain_lines(road_lines)
    STEP = 4.0
    per_chain = []
    ph = PointHash(25.0)
    for ci, c in enumerate(chains):
        rs = resample(c, STEP)
        per_chain.append(rs)
        for k, (p, t) in enumerate(rs):
            ph.add(p[0], p[1], (ci, k))
    # centre point for every sample from its nearest parallel partner line
    centres = []
    for ci, rs in enumerate(per_chain):
        out = []
        for k, (p, t) in enumerate(rs):
            n = (-t[1], t[0])
            best = None
            for (cj, kj) in ph.near(p[0], p[1], 46.0):
                if cj == ci and abs(kj - k) < 12:
                    continue
                q, tq = per_chain[cj][kj]
                if abs(t[0] * tq[0] + t[1] * tq[1]) < 0.93:
                    continue
                dx, dy = q[0] - p[0], q[1] - p[1]
                along = dx * t[0] + dy * t[1]
                if abs(along) > STEP * 0.75:
                    continue
                d = dx * n[0] + dy * n[1]
                if 5.0 <= abs(d) <= 45.0 and (best is None or abs(d) < abs(best)):
                    best = d
            out.append(best)
        # fill short gaps, drop long unpaired stretches
        offs = list(out)
        idx = [k for k, v in enumerate(offs) if v is not None]
        for a, b in zip(idx, idx[1:]):
            if 1 < b - a <= 12:
                for k in range(a + 1, b):
                    f = (k - a) / (b - a)
                    offs[k] = offs[a] + f * (offs[b] - offs[a])
        # smooth the offsets (moving median of 5) to remove jitter
        sm = []
        for k in range(len(offs)):
            win = [offs[j] for j in range(max(0, k - 2), min(len(offs), k + 3)) if offs[j] is not None]
            sm.append(sorted(win)[len(win) // 2] if offs[k] is not None and win else None)
        run = []
        for k, (p, t) in enumerate(rs):
            if sm[k] is None:
                if len(run) >= 6:
                    centres.append(run)
                run = []
                continue
            n = (-t[1], t[0])
            run.append(((p[0] + n[0] * sm[k] / 2, p[1] + n[1] * sm[k] / 2), t))
        if len(run) >= 6:
            centres.append(run)
    # de-duplicate: both outlines of a road give (nearly) the same centre line
    centres.sort(key=lambda r: (-len(r), r[0][0]))
    acc = PointHash(20.0)
    result = []
    for run in centres:
        keep = []
        for (p, t) in run:
            covered = False
            for (q, tq) in acc.near(p[0], p[1], 9.0):
                if math.hypot(q[0] - p[0], q[1] - p[1]) < 9.0 and abs(t[0] * tq[0] + t[1] * tq[1]) > 0.85:
                    covered = True
                    break
            keep.append(not covered)
        pieces, cur = [], []
        for (pt, k) in zip(run, keep):
            if k:
                cur.append(pt)
            else:
                if len(cur) >= 6:
                    pieces.append(cur)
                cur = []
        if len(cur) >= 6:
            pieces.append(cur)
        for pc in pieces:
            for (p, t) in pc:
                acc.add(p[0], p[1], (p, t))
            result.append([p for p, t in pc])
    return [simplify(pl, 1.5) for pl in join_pieces(result) if poly_len(pl) >= 80.0]


def join_pieces(pls):
    """Join centre-line pieces whose ends face each other across a gap."""
    pls = [list(p) for p in pls]
    while True:
        ends = []
        for i, pl in enumerate(pls):
            if pl is None or len(pl) < 2:
                continue
            for e in (0, 1):
                p = pl[-1] if e else pl[0]
                # outward tangent from a few vertices back
                k = min(len(pl) - 1, 3)
                q = pl[-1 - k] if e else pl[k]
                L = math.hypot(p[0] - q[0], p[1] - q[1]) or 1e-9
                ends.append((i, e, p, ((p[0] - q[0]) / L, (p[1] - q[1]) / L)))
        best = None
        for x in range(len(ends)):
            i, ei, p, tp = ends[x]
            for y in range(x + 1, len(ends)):
                j, ej, q, tq = ends[y]
                if i == j:
                    continue
                d = math.hypot(q[0] - p[0], q[1] - p[1])
                if d > 60.0:
                    continue
                if d > 0.5:
                    v = ((q[0] - p[0]) / d, (q[1] - p[1]) / d)
                    if v[0] * tp[0] + v[1] * tp[1] < 0.95 or -(v[0] * tq[0] + v[1] * tq[1]) < 0.95:
                        continue
                if best is None or d < best[0]:
                    best = (d, i, ei, j, ej)
        if best is None:
            break
        _, i, ei, j, ej = best
        a = pls[i] if ei == 1 else pls[i][::-1]
        b = pls[j] if ej == 0 else pls[j][::-1]
        pls[i] = a + b
        pls[j] = None
    return [p for p in pls if p]


# ---------------------------------------------------------------------------
# 3. Local street grid
# ---------------------------------------------------------------------------
def grid_segments(rng, zones, keep_fn):
    segs = []
    for name, poly_ll, ang, su, sv in zones:
        poly = Region([[[to_m(*p) for p in poly_ll]]])
        a = math.radians(ang + rng.uniform(-1.5, 1.5))
        ux, uy = math.cos(a), math.sin(a)
        vx, vy = -uy, ux
        pm = [to_m(*p) for p in poly_ll]
        us = [p[0] * ux + p[1] * uy for p in pm]
        vs = [p[0] * vx + p[1] * vy for p in pm]

        def lines(lo, hi, s):
            out = [lo - rng.uniform(0, s)]
            while out[-1] < hi + s:
                out.append(out[-1] + s * rng.uniform(0.82, 1.18))
            return out
        U = lines(min(us), max(us), su)
        V = lines(min(vs), max(vs), sv)
        # each grid line slightly bent: small per-node jitter
        node = {}
        for i, u in enumerate(U):
            for j, v in enumerate(V):
                ju, jv = rng.uniform(-3.5, 3.5), rng.uniform(-3.5, 3.5)
                uu, vv = u + ju, v + jv
                node[(i, j)] = (uu * ux + vv * vx, uu * uy + vv * vy)
        for i in range(len(U)):
            for j in range(len(V)):
                for (di, dj) in ((1, 0), (0, 1)):
                    if (i + di, j + dj) not in node:
                        continue
                    p, q = node[(i, j)], node[(i + di, j + dj)]
                    m = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
                    if not poly.contains(*m):
                        continue
                    if rng.random() < 0.06:   # missing links: irregular blocks
                        continue
                    if keep_fn(p) and keep_fn(q) and keep_fn(m):
                        segs.append((p, q, name))
    return segs


# ---------------------------------------------------------------------------
# 4. Street graph: noding, cleaning
# ---------------------------------------------------------------------------
class Graph:
    def __init__(self):
        self.pos = []          # node -> (x, y)
        self.edges = {}        # eid -> [a, b, pts, trunk]
        self.adj = defaultdict(set)
        self._eid = 0

    def add_node(self, p):
        self.pos.append(p)
        return len(self.pos) - 1

    def add_edge(self, a, b, pts, trunk):
        eid = self._eid
        self._eid += 1
        self.edges[eid] = [a, b, pts, trunk]
        self.adj[a].add(eid)
        self.adj[b].add(eid)
        return eid

    def remove_edge(self, eid):
        a, b, _, _ = self.edges.pop(eid)
        self.adj[a].discard(eid)
        self.adj[b].discard(eid)

    def other(self, eid, n):
        a, b = self.edges[eid][:2]
        return b if a == n else a

    def degree(self, n):
        return len(self.adj[n])

    def edge_pts_from(self, eid, n):
        a, b, pts, _ = self.edges[eid]
        return pts if a == n else pts[::-1]


def build_street_graph(trunks, grid, keep_fn):
    # --- drop grid segments that duplicate a trunk street (parallel & close)
    th = PointHash(30.0)
    for ti, pl in enumerate(trunks):
        for (p, t) in resample(pl, 5.0):
            th.add(p[0], p[1], (p, t))

    def near_trunk_parallel(p, q, r):
        L = math.hypot(q[0] - p[0], q[1] - p[1]) or 1e-9
        t = ((q[0] - p[0]) / L, (q[1] - p[1]) / L)
        hits = 0
        for f in (0.2, 0.5, 0.8):
            x, y = p[0] + f * (q[0] - p[0]), p[1] + f * (q[1] - p[1])
            for (s, ts) in th.near(x, y, r):
                if math.hypot(s[0] - x, s[1] - y) < r and abs(t[0] * ts[0] + t[1] * ts[1]) > 0.8:
                    hits += 1
                    break
        return hits >= 2

    grid = [g for g in grid if not near_trunk_parallel(g[0], g[1], 30.0)]

    # --- raw segments: (p, q, trunk)
    segs = []
    for pl in trunks:
        for a, b in zip(pl, pl[1:]):
            segs.append([a, b, True])
    for (p, q, _) in grid:
        segs.append([p, q, False])

    # --- extend dangling grid ends up to 60 m to meet another street
    def seg_hash(segs):
        h = defaultdict(list)
        for i, (a, b, _) in enumerate(segs):
            for cx in range(int(math.floor(min(a[0], b[0]) / 60)), int(math.floor(max(a[0], b[0]) / 60)) + 1):
                for cy in range(int(math.floor(min(a[1], b[1]) / 60)), int(math.floor(max(a[1], b[1]) / 60)) + 1):
                    h[(cx, cy)].append(i)
        return h

    endcount = defaultdict(int)
    k = lambda p: (round(p[0], 3), round(p[1], 3))
    for (a, b, tr) in segs:
        endcount[k(a)] += 1
        endcount[k(b)] += 1
    h = seg_hash(segs)
    new = []
    for i, (a, b, tr) in enumerate(segs):
        for (p, q) in ((a, b), (b, a)):
            if endcount[k(q)] != 1:
                continue
            L = math.hypot(q[0] - p[0], q[1] - p[1])
            d = ((q[0] - p[0]) / L, (q[1] - p[1]) / L)
            far = (q[0] + d[0] * 60, q[1] + d[1] * 60)
            best = None
            cands = set()
            for cx in range(int(math.floor(min(q[0], far[0]) / 60)), int(math.floor(max(q[0], far[0]) / 60)) + 1):
                for cy in range(int(math.floor(min(q[1], far[1]) / 60)), int(math.floor(max(q[1], far[1]) / 60)) + 1):
                    cands.update(h.get((cx, cy), ()))
            for j in sorted(cands):
                if j == i:
                    continue
                r = seg_intersect(q, far, segs[j][0], segs[j][1])
                if r and r[0] > 1e-6 and (best is None or r[0] < best):
                    best = r[0]
            if best is not None:
                e = (q[0] + (far[0] - q[0]) * best, q[1] + (far[1] - q[1]) * best)
                m = ((q[0] + e[0]) / 2, (q[1] + e[1]) / 2)
                if keep_fn(e) and keep_fn(m):
                    new.append([q, e, False])
    segs += new

    # --- noding: split every segment at all intersections
    h = seg_hash(segs)
    cuts = defaultdict(list)  # seg -> [(t, (x,y))]
    for i in range(len(segs)):
        a, b, _ = segs[i]
        cands = set()
        for cx in range(int(math.floor(min(a[0], b[0]) / 60)), int(math.floor(max(a[0], b[0]) / 60)) + 1):
            for cy in range(int(math.floor(min(a[1], b[1]) / 60)), int(math.floor(max(a[1], b[1]) / 60)) + 1):
                cands.update(h.get((cx, cy), ()))
        for j in sorted(cands):
            if j <= i:
                continue
            c, d, _ = segs[j]
            r = seg_intersect(a, b, c, d)
            if r is None:
                continue
            t, u = r
            p = (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))
            cuts[i].append((t, p))
            cuts[j].append((u, p))
    g = Graph()
    node_of = {}

    def nid(p):
        kk = (round(p[0] * 4), round(p[1] * 4))  # 0.25 m snapping
        if kk not in node_of:
            node_of[kk] = g.add_node(p)
        return node_of[kk]

    pieces = set()
    for i, (a, b, tr) in enumerate(segs):
        ts = sorted([(0.0, a), (1.0, b)] + cuts.get(i, []))
        for (t1, p1), (t2, p2) in zip(ts, ts[1:]):
            n1, n2 = nid(p1), nid(p2)
            if n1 == n2:
                continue
            key = (min(n1, n2), max(n1, n2))
            if key in pieces:
                continue
            pieces.add(key)
            g.add_edge(n1, n2, [g.pos[n1], g.pos[n2]], tr)

    merge_chains(g)
    clean_graph(g)
    return g


def merge_chains(g):
    """Merge degree-2 nodes into polylines (same trunk flag)."""
    changed = True
    while changed:
        changed = False
        for n in range(len(g.pos)):
            if g.degree(n) != 2:
                continue
            e1, e2 = sorted(g.adj[n])
            if g.edges[e1][3] != g.edges[e2][3]:
                continue
            a = g.other(e1, n)
            b = g.other(e2, n)
            if a == b or a == n or b == n:
                continue
            p1 = g.edge_pts_from(e1, a)   # a ... n
            p2 = g.edge_pts_from(e2, n)   # n ... b
            tr = g.edges[e1][3]
            g.remove_edge(e1)
            g.remove_edge(e2)
            g.add_edge(a, b, p1 + p2[1:], tr)
            changed = True


def contract(g, keep, drop):
    """Merge node `drop` into node `keep`."""
    for eid in sorted(g.adj[drop]):
        a, b, pts, tr = g.edges[eid]
        g.remove_edge(eid)
        a2 = keep if a == drop else a
        b2 = keep if b == drop else b
        if a2 == b2:
            continue
        pts = list(pts)
        if a == drop:
            pts[0] = g.pos[keep]
        if b == drop:
            pts[-1] = g.pos[keep]
        g.add_edge(a2, b2, pts, tr)


def clean_graph(g):
    for _ in range(6):
        changed = False
        # prune short dangling stubs
        for eid in sorted(g.edges):
            if eid not in g.edges:
                continue
            a, b, pts, tr = g.edges[eid]
            L = poly_len(pts)
            if (g.degree(a) == 1 or g.degree(b) == 1) and L < 35.0:
                g.remove_edge(eid)
                changed = True
        # contract short edges
        for eid in sorted(g.edges):
            if eid not in g.edges:
                continue
            a, b, pts, tr = g.edges[eid]
            if poly_len(pts) < MIN_STREET_M + 4:
                # keep the node with more trunk edges / higher degree
                score = lambda n: (sum(1 for e in g.adj[n] if g.edges[e][3]), g.degree(n), -n)
                keep, drop = (a, b) if score(a) >= score(b) else (b, a)
                contract(g, keep, drop)
                changed = True
        # remove duplicate edges between the same node pair (keep shortest)
        seen = {}
        for eid in sorted(g.edges):
            a, b, pts, tr = g.edges[eid]
            key = (min(a, b), max(a, b))
            L = poly_len(pts)
            if key in seen:
                oid, oL = seen[key]
                if min(L, oL) < 2 * MAX_PIPE_M or abs(L - oL) < 10:
                    drop_id = eid if (L, eid) > (oL, oid) else oid
                    g.remove_edge(drop_id)
                    if drop_id == oid:
                        seen[key] = (eid, L)
                    changed = True
            else:
                seen[key] = (eid, L)
        # remove edges leaving a node at nearly the same angle as another one
        for n in range(len(g.pos)):
            es = sorted(g.adj[n])
            dirs = []
            for eid in es:
                pts = g.edge_pts_from(eid, n)
                q = pts[1] if poly_len(pts[:2]) > 5 or len(pts) == 2 else pts[2]
                a = math.atan2(q[1] - pts[0][1], q[0] - pts[0][0])
                dirs.append((eid, a))
            doomed = set()
            for i in range(len(dirs)):
                for j in range(i + 1, len(dirs)):
                    da = abs((dirs[i][1] - dirs[j][1] + math.pi) % (2 * math.pi) - math.pi)
                    if da < math.radians(22):
                        ei, ej = dirs[i][0], dirs[j][0]
                        if ei in doomed or ej in doomed:
                            continue
                        # drop the non-trunk / shorter one
                        ki = (g.edges[ei][3], poly_len(g.edges[ei][2]), -ei)
                        kj = (g.edges[ej][3], poly_len(g.edges[ej][2]), -ej)
                        doomed.add(ej if ki >= kj else ei)
            for eid in sorted(doomed):
                if eid in g.edges:
                    g.remove_edge(eid)
                    changed = True
        merge_chains(g)
        if not changed:
            break


# ---------------------------------------------------------------------------
# 5. Sewer networks
# ---------------------------------------------------------------------------
def split_edge(pts):
    """Split a street polyline into pipe pieces <= MAX_PIPE_M; returns the
    list of manhole positions along it (including both ends)."""
    # breakpoints at sharp bends (>= 20 m apart)
    cum = [0.0]
    for a, b in zip(pts, pts[1:]):
        cum.append(cum[-1] + math.hypot(b[0] - a[0], b[1] - a[1]))
    L = cum[-1]
    brk = [0]
    for i in range(1, len(pts) - 1):
        a, b, c = pts[i - 1], pts[i], pts[i + 1]
        a1 = math.atan2(b[1] - a[1], b[0] - a[0])
        a2 = math.atan2(c[1] - b[1], c[0] - b[0])
        turn = abs((a2 - a1 + math.pi) % (2 * math.pi) - math.pi)
        if turn > math.radians(12) and cum[i] - cum[brk[-1]] >= 20 and L - cum[i] >= 20:
            brk.append(i)
    brk.append(len(pts) - 1)
    out = [pts[0]]
    for s, e in zip(brk, brk[1:]):
        sub = pts[s:e + 1]
        subL = cum[e] - cum[s]
        n = max(1, int(math.ceil(subL / (MAX_PIPE_M - 2.0))))
        if n > 1:
            for (p, t) in resample(sub, subL / n)[1:-1]:
                out.append(p)
        out.append(pts[e])
    return out


class Net:
    """Manhole-level network of one sewer system."""

    def __init__(self, system):
        self.system = system
        self.pos = []
        self.trunk_edge = {}
        self.adj = defaultdict(set)
        self.key = {}

    def node(self, p, k):
        if k not in self.key:
            self.key[k] = len(self.pos)
            self.pos.append(p)
        return self.key[k]

    def link(self, a, b, trunk):
        if a == b:
            return
        e = (min(a, b), max(a, b))
        if e in self.trunk_edge:
            return
        self.trunk_edge[e] = trunk
        self.adj[a].add(b)
        self.adj[b].add(a)


def component_of(net, start):
    seen = {start}
    stack = [start]
    while stack:
        n = stack.pop()
        for m in sorted(net.adj[n]):
            if m not in seen:
                seen.add(m)
                stack.append(m)
    return seen


# ---------------------------------------------------------------------------
# 6. Ground, hydraulics, ledger attributes
# ---------------------------------------------------------------------------
def ground_elev(x, y):
    """Synthetic ground level T.P. (m): low by the Yodo/Kanzaki rivers in the
    south-east, rising gently toward the 千里丘 hills in the north-west."""
    lon, lat = to_ll(x, y)
    north = (lat - 34.755) / (34.798 - 34.755)          # 0 .. 1
    west = (135.600 - lon) / (135.600 - 135.537)        # 0 .. 1
    base = 2.6 + 1.6 * north
    hill = 6.5 / (1.0 + math.exp(-(north - 0.72) / 0.09)) * (0.35 + 0.65 * max(0.0, min(1.0, west * 1.3 - 0.2)))
    wav = 0.25 * math.sin(x / 310.0 + 1.3) * math.cos(y / 270.0 - 0.4) + 0.15 * math.sin((x + y) / 530.0)
    return max(2.0, min(12.0, base + hill + wav))


def manning_q(d_mm, s_permille, box=None):
    s = s_permille / 1000.0
    if box:
        w, h = box[0] / 1000.0, box[1] / 1000.0
        A = w * h
        R = A / (2 * (w + h))
        n = 0.015
    else:
        D = d_mm / 1000.0
        A = math.pi * D * D / 4
        R = D / 4
        n = 0.013
    return A * R ** (2.0 / 3.0) * math.sqrt(s) / n


def size_candidates(system):
    lo, hi = SIZE_RANGE[system]
    c = [("c", d) for d in SIZES if lo <= d <= hi]
    if system == "雨水":
        c += [("b", bx) for bx in BOXES]
    return c


def slope_for(cand, u, fall_permille, ceil_permille):
    lo, hi = BOX_SLOPE if cand[0] == "b" else SLOPE_RANGE[cand[1]]
    s = lo + (hi - lo) * u
    s = min(s, ceil_permille)
    s = max(s, MIN_SLOPE[cand[1]] if cand[0] == "c" else BOX_SLOPE[0])
    return min(15.0, max(s, fall_permille))


def cap_of(cand, s):
    return manning_q(None, s, cand[1]) if cand[0] == "b" else manning_q(cand[1], s)


# ---------------------------------------------------------------------------
# 7. From street graph to per-system manhole networks
# ---------------------------------------------------------------------------
def base_network(g, eids):
    """Manhole-level undirected network along the given street edges."""
    net = Net("base")
    for eid in eids:
        a, b, pts, tr = g.edges[eid]
        chain = split_edge(pts)
        ids = []
        for k, p in enumerate(chain):
            if k == 0:
                ids.append(net.node(g.pos[a], ("n", a)))
            elif k == len(chain) - 1:
                ids.append(net.node(g.pos[b], ("n", b)))
            else:
                ids.append(net.node(p, ("e", eid, k)))
        for u, v in zip(ids, ids[1:]):
            net.link(u, v, tr)
    return net


def components(net):
    seen = {}
    comps = []
    for s in range(len(net.pos)):
        if s in seen or not net.adj[s]:
            continue
        comp = component_of(net, s)
        for n in comp:
            seen[n] = len(comps)
        comps.append(comp)
    return comps


def subnet(net, keep, system, positions=None):
    """Copy of `net` restricted to node set `keep`, renumbered in order."""
    out = Net(system)
    old = sorted(keep)
    for n in old:
        out.node((positions or net.pos)[n], ("o", n))
    for (a, b), tr in sorted(net.trunk_edge.items()):
        if a in keep and b in keep:
            out.link(out.key[("o", a)], out.key[("o", b)], tr)
    return out


def twin_offsets(net, zone_of):
    """Per-manhole offset vector so that each pipe of the 汚水 (+v) and 雨水 (-v)
    network runs TWIN_OFFSET_M either side of the street centre line."""
    offs = []
    for n in range(len(net.pos)):
        p = net.pos[n]
        ref = zone_of(p)
        normals = []
        for m in sorted(net.adj[n]):
            q = net.pos[m]
            L = math.hypot(q[0] - p[0], q[1] - p[1]) or 1e-9
            nx, ny = -(q[1] - p[1]) / L, (q[0] - p[0]) / L
            if nx * ref[0] + ny * ref[1] < 0:
                nx, ny = -nx, -ny
            normals.append((nx, ny))
        if not normals:
            offs.append((0.0, 0.0))
            continue
        a11 = sum(n_[0] * n_[0] for n_ in normals)
        a12 = sum(n_[0] * n_[1] for n_ in normals)
        a22 = sum(n_[1] * n_[1] for n_ in normals)
        b1 = TWIN_OFFSET_M * sum(n_[0] for n_ in normals)
        b2 = TWIN_OFFSET_M * sum(n_[1] for n_ in normals)
        det = a11 * a22 - a12 * a12
        if det > 0.05 * len(normals) ** 2:
            vx = (b1 * a22 - b2 * a12) / det
            vy = (a11 * b2 - a12 * b1) / det
        else:
            sx, sy = sum(n_[0] for n_ in normals), sum(n_[1] for n_ in normals)
            L = math.hypot(sx, sy) or 1e-9
            vx, vy = TWIN_OFFSET_M * sx / L, TWIN_OFFSET_M * sy / L
        L = math.hypot(vx, vy)
        if L > 3.5:
            vx, vy = vx * 3.5 / L, vy * 3.5 / L
        offs.append((vx, vy))
    return offs


def orient(net, outlet, axis_of):
    """Direct every pipe toward the outlet by network distance (Dijkstra over
    pipe lengths from the outlet manhole): the downstream end of a pipe is
    the manhole closer to the outlet.

    Each manhole's main outflow (which carries its accumulated flow) is the
    pipe to a closer neighbour, preferring trunk streets and then the local
    grid's lateral direction, which gives the usual comb of laterals and
    collectors instead of a staircase.

    A manhole that receives flow keeps a single outflow, as on real
    networks: a cross-link that would leave such a manhole is turned round
    to start at the other end (a summit manhole, 起点, with two outflows;
    it then runs to a manhole at most one pipe length farther from the
    outlet), or, where that end receives flow too, split by a new summit
    manhole.  Returns dist, parent, pipes [[up, down]], (turned, split)."""
    def length(a, b):
        return math.hypot(net.pos[b][0] - net.pos[a][0], net.pos[b][1] - net.pos[a][1])

    dist = {outlet: 0.0}
    pq = [(0.0, outlet)]
    done = set()
    while pq:
        d, n = heapq.heappop(pq)
        if n in done:
            continue
        done.add(n)
        for m in sorted(net.adj[n]):
            nd = d + length(n, m)
            if m not in dist or nd < dist[m]:
                dist[m] = nd
                heapq.heappush(pq, (nd, m))
    closer = lambda a, b: (dist[a], a) < (dist[b], b)
    parent = {}
    for n in range(len(net.pos)):
        if n == outlet or n not in dist:
            continue
        ax = axis_of(net.pos[n])
        best = None
        for m in sorted(net.adj[n]):
            if not closer(m, n):
                continue
            L = length(n, m) or 1e-9
            align = abs((net.pos[m][0] - net.pos[n][0]) * ax[0] + (net.pos[m][1] - net.pos[n][1]) * ax[1]) / L
            key = (net.trunk_edge[(min(n, m), max(n, m))], round(align, 3), -dist[m], -m)
            if best is None or key > best[0]:
                best = (key, m)
        parent[n] = best[1]
    pipes = []
    for (a, b) in sorted(net.trunk_edge):
        if parent.get(a) == b:
            pipes.append([a, b, True])
        elif parent.get(b) == a:
            pipes.append([b, a, True])
        else:
            up, dn = (b, a) if closer(a, b) else (a, b)
            pipes.append([up, dn, False])
    inflow = defaultdict(int)
    outflow = defaultdict(int)
    for up, dn, tr in pipes:
        inflow[dn] += 1
        outflow[up] += 1
    turned = split = 0
    fixed = set()
    for _ in range(10):
        changed = False
        for idx in range(len(pipes)):
            up, dn, tr = pipes[idx]
            if tr or not SINGLE_OUTFLOW or inflow[up] == 0 or outflow[up] <= 1:
                continue
            if idx not in fixed and inflow[dn] == 1:
                pipes[idx] = [dn, up, False]          # turn round
                fixed.add(idx)
                turned += 1
            elif length(up, dn) >= 2 * MIN_PIPE_M + 0.5:
                a, b = net.ll[up], net.ll[dn]          # split by a summit manhole
                w = len(net.pos)
                net.ll.append((round((a[0] + b[0]) / 2, 7), round((a[1] + b[1]) / 2, 7)))
                net.pos.append(to_m(*net.ll[-1]))
                dist[w] = dist[dn] + length(w, dn)
                parent[w] = dn
                pipes[idx] = [w, dn, True]
                pipes.append([w, up, False])
                fixed.add(len(pipes) - 1)
                split += 1
            else:
                continue
            inflow.clear()
            outflow.clear()
            for u, v, _ in pipes:
                inflow[v] += 1
                outflow[u] += 1
            changed = True
        if not changed:
            break
    out = sorted(pipes)
    return dist, parent, out, (turned, split)


def topo_order(n_nodes, pipes):
    indeg = [0] * n_nodes
    outs = defaultdict(list)
    for i, (u, v, _) in enumerate(pipes):
        indeg[v] += 1
        outs[u].append(i)
    stack = sorted([n for n in range(n_nodes) if indeg[n] == 0], reverse=True)
    order = []
    while stack:
        n = stack.pop()
        order.append(n)
        for i in outs[n]:
            v = pipes[i][1]
            indeg[v] -= 1
            if indeg[v] == 0:
                stack.append(v)
    if len(order) != n_nodes:
        raise SystemExit("flow graph has a cycle")
    return order


def hash_rng(*parts):
    return random.Random("%d|%s" % (SEED, "|".join(str(p) for p in parts)))


def design_system(system, net, outlet, ground_fn, axis_fn):
    """Direct, size and level all pipes of one system."""
    dist, parent, pipes, fixes = orient(net, outlet, axis_fn)
    n = len(net.pos)
    ground = [ground_fn(*p) for p in net.pos]
    order = topo_order(n, pipes)
    lengths = [math.hypot(net.pos[v][0] - net.pos[u][0], net.pos[v][1] - net.pos[u][1]) for u, v, _ in pipes]
    ins = defaultdict(list)
    outs = defaultdict(list)
    for i, (u, v, _) in enumerate(pipes):
        ins[v].append(i)
        outs[u].append(i)
    # remaining length along the main (tree) path down to the outlet
    rem = {outlet: 0.0}
    hops = {outlet: 0}
    for node in reversed(order):
        if node != outlet:
            par = parent[node]
            rem[node] = rem[par] + math.hypot(net.pos[par][0] - net.pos[node][0], net.pos[par][1] - net.pos[node][1])
            hops[node] = hops[par] + 1
    g_out = ground[outlet]
    # accumulated contributing street length (a proxy for catchment area)
    acc = [0.0] * len(pipes)
    for node in order:
        inflow = sum(acc[i] for i in ins[node])
        for i in outs[node]:
            main = parent.get(node) == pipes[i][1]
            acc[i] = lengths[i] + (inflow if main else 0.0)
    urand = [hash_rng(system, "u", i).random() ** 1.5 for i in range(len(pipes))]
    cover0 = [1.05 + 0.35 * hash_rng(system, "cov", node).random() for node in range(n)]
    cands = size_candidates(system)
    heights = [(c[1][1] if c[0] == "b" else c[1]) / 1000.0 for c in cands]

    def run(k):
        """One upstream-to-downstream pass: sizes, slopes and inverts."""
        choice = [None] * len(pipes)
        inv_up = [0.0] * len(pipes)
        inv_dn = [0.0] * len(pipes)
        for node in order:
            if ins[node]:
                crown = min(inv_dn[i] + heights[choice[i][0]] for i in ins[node])
                step = 0.02 if len(ins[node]) > 1 else 0.01   # manhole drop
                cover_up = ground[node] - crown + step
            else:
                cover_up = cover0[node]
            floor_rank = max([choice[i][0] for i in ins[node]] or [0])
            for i in outs[node]:
                v = pipes[i][1]
                L = lengths[i]
                # steep enough that the cover grows downstream ...
                fall = 1000.0 * (ground[node] - ground[v] + 0.012) / L
                # ... and flat enough to reach the outlet at <= ~5.6 m cover
                ceil_ = 1000.0 * (5.6 - cover_up + ground[node] - g_out - 0.03 * hops[node]) / max(rem[node], L)
                q = k * acc[i]
                r = floor_rank
                while True:
                    s = slope_for(cands[r], urand[i], fall, ceil_)
                    fits = cap_of(cands[r], s) >= q
                    if fits or r == len(cands) - 1:
                        break
                    r += 1
                choice[i] = (r, s, fits)
                inv_up[i] = ground[node] - cover_up - heights[r]
                inv_dn[i] = inv_up[i] - s * L / 1000.0
        return choice, inv_up, inv_dn

    # calibrate the design flow per metre of street so that the largest
    # pipes land at the top of the size range of this system
    if system == "雨水":
        target = lambda ch: sum(1 for c in ch if cands[c[0]][0] == "b") >= 36
    else:
        target = lambda ch: not all(c[2] for c in ch)
    lo, hi = 1e-9, 1.0
    for _ in range(50):
        mid = math.sqrt(lo * hi)
        if target(run(mid)[0]):
            hi = mid
        else:
            lo = mid
    k = hi if system == "雨水" else lo
    choice, inv_up, inv_dn = run(k)
    return dict(pipes=pipes, lengths=lengths, choice=choice, cands=cands, inv_up=inv_up, ground=ground,
                inv_dn=inv_dn, height=[heights[c[0]] for c in choice], slope=[c[1] for c in choice],
                dist=dist, parent=parent, acc=acc, k=k, fixes=fixes, order=order)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(repo, "layers", "sample"))
    ap.add_argument("--shared", default=os.path.normpath(os.path.join(repo, "..", "shared", "data")))
    args = ap.parse_args()

    rng = random.Random(SEED)
    region_ll, region_m = load_boundary(os.path.join(args.shared, "settsu-boundary.geojson"))
    roads = load_roads(os.path.join(args.shared, "settsu-planned-roads.geojson"))

    comb_poly = Region([[[to_m(*p) for p in COMBINED_AREA]]])
    sep_poly = Region([[[to_m(*p) for p in SEPARATE_AREA]]])

    def in_ledger(p):
        return ((comb_poly.contains(*p) or sep_poly.contains(*p))
                and region_m.inside_by(p[0], p[1], EDGE_MARGIN_M))

    trunks_all = trunk_centrelines(roads)
    # clip trunk centre lines to the ledger districts
    trunks = []
    for pl in trunks_all:
        dense = [p for p, t in resample(pl, 5.0)]
        cur = []
        for p in dense:
            if in_ledger(p):
                cur.append(p)
            else:
                if len(cur) >= 5:
                    trunks.append(simplify(cur, 1.0))
                cur = []
        if len(cur) >= 5:
            trunks.append(simplify(cur, 1.0))

    grid = grid_segments(rng, ZONES, in_ledger)
    g = build_street_graph(trunks, grid, in_ledger)

    # ---- split the street graph into the two ledger districts
    comb_e, sep_e = [], []
    for eid in sorted(g.edges):
        pts = g.edges[eid][2]
        mid = resample(pts, max(1.0, poly_len(pts) / 2))[1][0] if poly_len(pts) > 2 else pts[0]
        (comb_e if comb_poly.contains(*mid) else sep_e).append(eid)

    zone_regions = [(Region([[[to_m(*p) for p in poly]]]), ang) for (_, poly, ang, _, _) in ZONES]

    def zone_ref(p):
        for reg, ang in zone_regions:
            if reg.contains(*p):
                a = math.radians(ang + 45.0)
                return (math.cos(a), math.sin(a))
        return (math.cos(math.radians(45)), math.sin(math.radians(45)))

    def zone_axis(p):
        for reg, ang in zone_regions:
            if reg.contains(*p):
                return (math.cos(math.radians(ang)), math.sin(math.radians(ang)))
        return (1.0, 0.0)

    def main_component(net):
        comps = components(net)
        comps.sort(key=lambda c: (-len(c), min(c)))
        return comps[0], sum(len(c) for c in comps[1:])

    nets = {}
    dropped = {}
    base_c = base_network(g, comb_e)
    keep, dropped["合流"] = main_component(base_c)
    nets["合流"] = subnet(base_c, keep, "合流")
    base_s = base_network(g, sep_e)
    keep, dropped["分流"] = main_component(base_s)
    base_s = subnet(base_s, keep, "base")
    offs = twin_offsets(base_s, zone_ref)
    nets["汚水"] = subnet(base_s, set(range(len(base_s.pos))), "汚水",
                        [(p[0] + o[0], p[1] + o[1]) for p, o in zip(base_s.pos, offs)])
    nets["雨水"] = subnet(base_s, set(range(len(base_s.pos))), "雨水",
                        [(p[0] - o[0], p[1] - o[1]) for p, o in zip(base_s.pos, offs)])

    # ---- round manhole positions once; all geometry derives from these
    for sysname in ("合流", "汚水", "雨水"):
        net = nets[sysname]
        net.ll = [ll_round(*p) for p in net.pos]
        net.pos = [to_m(*q) for q in net.ll]

    # ---- design each system
    designs = {}
    outlets_used = {}
    for sysname in ("合流", "汚水", "雨水"):
        net = nets[sysname]
        ox, oy = to_m(*OUTLETS[sysname][1])
        cand = [n for n in range(len(net.pos)) if net.adj[n]]
        # prefer a street-end / mid-block manhole as the final one
        outlet = min(cand, key=lambda n: (math.hypot(net.pos[n][0] - ox, net.pos[n][1] - oy)
                                          + (0 if len(net.adj[n]) <= 2 else 30), n))
        designs[sysname] = design_system(sysname, net, outlet, ground_elev, zone_axis)
        outlets_used[sysname] = outlet

    # ---- attributes
    pipe_feats, mh_feats = [], []
    summary = {}
    for sysname in ("合流", "汚水", "雨水"):
        net = nets[sysname]
        d = designs[sysname]
        pipes = d["pipes"]
        ground = d["ground"]
        dist = d["dist"]
        dmax = max(dist.values()) or 1.0
        used = sorted({u for u, v, _ in pipes} | {v for u, v, _ in pipes})
        # manhole numbers in map-sheet order (north to south bands, west to east)
        lat_top = max(net.ll[n][1] for n in used)
        used.sort(key=lambda n: (int((lat_top - net.ll[n][1]) / 0.0015), net.ll[n][0], net.ll[n][1]))
        mh_no = {n: "%s-%05d" % (MH_PREFIX[sysname], i + 1) for i, n in enumerate(used)}

        # install years: area development wave spreading upstream from the outlet
        years = []
        for i, (u, v, tr) in enumerate(pipes):
            p = net.pos[u]
            cell = (int(math.floor(p[0] / 260.0)), int(math.floor(p[1] / 260.0)))
            cr = hash_rng("cell", "sep" if sysname != "合流" else "comb", *cell)
            c_off = cr.uniform(-3.5, 3.5)
            newdev = cr.random() < 0.10
            newdev_year = cr.uniform(2007, 2021)
            pr = hash_rng(sysname, "yr", i)
            f = (dist[u] / dmax)
            cand = d["cands"][d["choice"][i][0]]
            big = cand[0] == "b" or cand[1] >= 1000
            if sysname == "合流":
                y = 1962 + 19 * f ** 0.9 + c_off + pr.uniform(-1.5, 1.5)
                if big:
                    y = 1962 + pr.uniform(0, 5)
                y = max(1962, min(1985, y))
                if not big and pr.random() < (0.08 if cand[1] <= 450 else 0.02):
                    y = pr.uniform(1993, 2023)   # 改築 (renewal)
            elif sysname == "汚水":
                y = 1973 + 26 * f + c_off + pr.uniform(-1.5, 1.5)
                y = max(1972, min(2005, y))
                if newdev:   # 区画整理 / redevelopment block
                    y = newdev_year + pr.uniform(-1, 2)
                elif y < 1985 and pr.random() < 0.05:
                    y = pr.uniform(2012, 2023)   # 改築 (renewal)
            else:
                y = 1970 + 30 * f + c_off + pr.uniform(-2, 2)
                if big:
                    y = 1966 + 12 * f + pr.uniform(0, 4)
                y = max(1966, min(2016, y))
                if newdev:
                    y = newdev_year + pr.uniform(-1, 2)
                elif y < 1985 and not big and pr.random() < 0.04:
                    y = pr.uniform(2012, 2023)   # 改築 (renewal)
            years.append(int(round(max(1962, min(2023, y)))))

        def material(i):
            cand = d["cands"][d["choice"][i][0]]
            if cand[0] == "b":
                return "RC"
            D = cand[1]
            y = years[i]
            r = hash_rng(sysname, "mat", i).random()
            if sysname == "汚水":
                if D <= 300 and y >= 1982:
                    return "VU"
                if y <= 1979 and r < 0.2:
                    return "K-J"
                if D <= 300:
                    return "CP" if r < 0.8 else "HP"
                return "HP"
            if sysname == "合流":
                if y >= 1990:
                    return "VU" if D <= 300 else "HP"
                if y <= 1979 and r < 0.15:
                    return "K-J"
                if D <= 300:
                    return "CP" if r < 0.7 else "HP"
                return "HP"
            if y <= 1979 and r < 0.2:
                return "K-J"
            return "HP"

        mh_pipes = defaultdict(list)
        stats = defaultdict(int)
        for i, (u, v, tr) in enumerate(pipes):
            cand = d["cands"][d["choice"][i][0]]
            H = d["height"][i]
            cov_up = ground[u] - d["inv_up"][i] - H
            cov_dn = ground[v] - d["inv_dn"][i] - H
            a, b = net.ll[u], net.ll[v]
            props = {
                "pipe_no": None,
                "system": sysname,
                "diameter_mm": None if cand[0] == "b" else cand[1],
                "width_mm": cand[1][0] if cand[0] == "b" else None,
                "height_mm": cand[1][1] if cand[0] == "b" else None,
                "material": material(i),
                "length_m": round(m_dist_ll(a, b), 2),
                "slope_permille": round(d["slope"][i], 1),
                "depth_up_m": round(cov_up, 2),
                "depth_down_m": round(cov_dn, 2),
                "install_year": years[i],
                "upstream_mh": mh_no[u],
                "downstream_mh": mh_no[v],
                "treatment_area": TREATMENT_AREA[sysname],
            }
            mh_pipes[u].append((i, "up"))
            mh_pipes[v].append((i, "dn"))
            pipe_feats.append((sysname, props, [list(a), list(b)]))
        for n in used:
            invs = []
            maxsize = 0
            box = False
            yrs = []
            for (i, end) in mh_pipes[n]:
                invs.append(d["inv_up"][i] if end == "up" else d["inv_dn"][i])
                cand = d["cands"][d["choice"][i][0]]
                if cand[0] == "b":
                    box = True
                else:
                    maxsize = max(maxsize, cand[1])
                yrs.append(years[i])
            depth = ground[n] - min(invs)
            year = min(yrs)
            if box or maxsize > 1200 or n == outlets_used[sysname]:
                typ = "特殊"
            elif maxsize > 900:
                typ = "3号"
            elif maxsize > 600:
                typ = "2号"
            elif (sysname == "汚水" and maxsize <= 200 and depth < 2.0 and year >= 1992
                  and len(mh_pipes[n]) <= 2 and hash_rng("mh", n).random() < 0.6):
                typ = "小型"
            else:
                typ = "1号"
            mh_feats.append((sysname, {
                "mh_no": mh_no[n],
                "system": sysname,
                "depth_m": round(depth, 2),
                "ground_elev_m": round(ground[n], 2),
                "install_year": year,
                "type": typ,
            }, list(net.ll[n])))
        summary[sysname] = dict(outlet=(mh_no[outlets_used[sysname]], net.ll[outlets_used[sysname]]),
                                fixes=d["fixes"], k=d["k"])

    # pipe numbers: by upstream manhole, then downstream manhole
    pipe_feats.sort(key=lambda f: (f[0] != "合流", f[0] != "汚水", f[1]["upstream_mh"], f[1]["downstream_mh"]))
    counters = defaultdict(int)
    for sysname, props, coords in pipe_feats:
        counters[sysname] += 1
        props["pipe_no"] = "%s-%05d" % (PIPE_PREFIX[sysname], counters[sysname])
    mh_feats.sort(key=lambda f: (f[0] != "合流", f[0] != "汚水", f[1]["mh_no"]))

    os.makedirs(args.out, exist_ok=True)
    write_fc(os.path.join(args.out, "sewer_pipes.geojson"),
             [feature(props, "LineString", coords) for _, props, coords in pipe_feats])
    write_fc(os.path.join(args.out, "manholes.geojson"),
             [feature(props, "Point", coords) for _, props, coords in mh_feats])

    ok = self_check(args.out, region_ll, summary, dropped)
    sys.exit(0 if ok else 1)


PIPE_KEYS = ["pipe_no", "system", "diameter_mm", "width_mm", "height_mm", "material", "length_m",
             "slope_permille", "depth_up_m", "depth_down_m", "install_year", "upstream_mh",
             "downstream_mh", "treatment_area"]
MH_KEYS = ["mh_no", "system", "depth_m", "ground_elev_m", "install_year", "type"]


def self_check(out_dir, region_ll, summary, dropped):
    """Re-read the written files and verify the ledger's invariants."""
    errors = []

    def err(msg):
        if len(errors) < 30:
            print("  CHECK FAILED:", msg)
        errors.append(msg)

    paths = {k: os.path.join(out_dir, k + ".geojson") for k in ("sewer_pipes", "manholes")}
    data = {}
    for k, path in paths.items():
        with open(path, encoding="utf-8") as f:
            data[k] = json.load(f)
        if data[k].get("type") != "FeatureCollection" or "crs" in data[k]:
            err("%s: not a plain FeatureCollection" % k)
    pipes = data["sewer_pipes"]["features"]
    mhs = data["manholes"]["features"]

    def is7(c):
        return all(isinstance(v, float) and round(v, 7) == v for v in c)

    mh = {}
    for f in mhs:
        p = f["properties"]
        if list(p) != MH_KEYS:
            err("manhole keys %s" % list(p))
        if p["mh_no"] in mh:
            err("duplicate mh_no %s" % p["mh_no"])
        c = f["geometry"]["coordinates"]
        if f["geometry"]["type"] != "Point" or not is7(c):
            err("manhole geometry %s" % p["mh_no"])
        if not region_ll.contains(*c):
            err("manhole outside city %s" % p["mh_no"])
        if p["type"] not in ("1号", "2号", "3号", "特殊", "小型"):
            err("manhole type %s" % p["type"])
        if not (2.0 <= p["ground_elev_m"] <= 12.0 and 1962 <= p["install_year"] <= 2023 and p["depth_m"] > 1.0):
            err("manhole values %s" % p)
        mh[p["mh_no"]] = (p["system"], tuple(c))
    seen_no, seen_pair = set(), set()
    outs, ins = defaultdict(list), defaultdict(list)
    rank = {}
    order = SIZES + [w * 10000 + h for (w, h) in BOXES]
    for f in pipes:
        p = f["properties"]
        if list(p) != PIPE_KEYS:
            err("pipe keys %s" % list(p))
        no = p["pipe_no"]
        if no in seen_no:
            err("duplicate pipe_no %s" % no)
        seen_no.add(no)
        sysname = p["system"]
        if sysname not in PIPE_PREFIX or not no.startswith(PIPE_PREFIX[sysname] + "-"):
            err("pipe system/prefix %s" % no)
        if p["treatment_area"] != TREATMENT_AREA.get(sysname):
            err("treatment_area %s" % no)
        g = f["geometry"]
        c = g["coordinates"]
        if g["type"] != "LineString" or len(c) != 2 or not (is7(c[0]) and is7(c[1])):
            err("pipe geometry %s" % no)
            continue
        for end, key in ((c[0], "upstream_mh"), (c[1], "downstream_mh")):
            m = mh.get(p[key])
            if m is None:
                err("%s %s missing" % (no, key))
            elif m[0] != sysname or m[1] != tuple(end):
                err("%s %s does not coincide / wrong system" % (no, key))
        mid = ((c[0][0] + c[1][0]) / 2, (c[0][1] + c[1][1]) / 2)
        for q in (c[0], c[1], mid):
            if not region_ll.contains(*q):
                err("pipe outside city %s" % no)
        L = m_dist_ll(c[0], c[1])
        if not (MIN_PIPE_M <= L <= MAX_PIPE_M) or abs(L - p["length_m"]) > 0.011:
            err("pipe length %s %.2f" % (no, L))
        pair = (min(p["upstream_mh"], p["downstream_mh"]), max(p["upstream_mh"], p["downstream_mh"]))
        if pair in seen_pair or p["upstream_mh"] == p["downstream_mh"]:
            err("duplicate / loop pipe %s" % no)
        seen_pair.add(pair)
        if p["diameter_mm"] is None:
            if not (sysname == "雨水" and p["width_mm"] and p["height_mm"] and p["material"] == "RC"):
                err("box culvert %s" % no)
            rank[no] = order.index(p["width_mm"] * 10000 + p["height_mm"])
        else:
            lo, hi = SIZE_RANGE[sysname]
            if p["diameter_mm"] not in SIZES or not lo <= p["diameter_mm"] <= hi or p["width_mm"] or p["height_mm"]:
                err("diameter %s" % no)
            rank[no] = order.index(p["diameter_mm"])
        if p["material"] not in ("VU", "HP", "CP", "K-J", "RC"):
            err("material %s" % no)
        if not (0.5 <= p["slope_permille"] <= 15.0):
            err("slope %s %s" % (no, p["slope_permille"]))
        if not (1.0 <= p["depth_up_m"] <= p["depth_down_m"] <= 6.0):
            err("depth %s %s %s" % (no, p["depth_up_m"], p["depth_down_m"]))
        if not (isinstance(p["install_year"], int) and 1962 <= p["install_year"] <= 2023):
            err("install_year %s" % no)
        outs[p["upstream_mh"]].append(no)
        ins[p["downstream_mh"]].append(no)
    byno = {f["properties"]["pipe_no"]: f["properties"] for f in pipes}
    # flow: acyclic, one sink per system, sizes never shrink downstream
    shrink = 0
    multi_out = 0
    away = {}
    for no, p in byno.items():
        for nxt in outs[p["downstream_mh"]]:
            if rank[nxt] < rank[no]:
                shrink += 1
    for m in mh:
        if len(outs[m]) > 1 and ins[m]:
            multi_out += 1
        if not outs[m] and not ins[m]:
            err("manhole without pipes %s" % m)
    if shrink:
        err("%d pipe joints where the size shrinks downstream" % shrink)
    for sysname in PIPE_PREFIX:
        sinks = [m for m, (s_, _) in mh.items() if s_ == sysname and not outs[m]]
        if len(sinks) != 1:
            err("%s: %d sinks" % (sysname, len(sinks)))
            continue
        # every manhole drains to the sink
        reach = {sinks[0]}
        stack = [sinks[0]]
        while stack:
            m = stack.pop()
            for no in ins[m]:
                u = byno[no]["upstream_mh"]
                if u not in reach:
                    reach.add(u)
                    stack.append(u)
        n_sys = sum(1 for s_, _ in mh.values() if s_ == sysname)
        if len(reach) != n_sys:
            err("%s: %d of %d manholes do not drain to the outlet" % (sysname, n_sys - len(reach), n_sys))
        # downstream end always closer to the outlet by network distance
        nbr = defaultdict(list)
        for p in byno.values():
            if p["system"] == sysname:
                L = m_dist_ll(mh[p["upstream_mh"]][1], mh[p["downstream_mh"]][1])
                nbr[p["upstream_mh"]].append((p["downstream_mh"], L))
                nbr[p["downstream_mh"]].append((p["upstream_mh"], L))
        dist = {sinks[0]: 0.0}
        pq = [(0.0, sinks[0])]
        while pq:
            d0, m = heapq.heappop(pq)
            if d0 > dist[m]:
                continue
            for m2, L in nbr[m]:
                if d0 + L < dist.get(m2, float("inf")):
                    dist[m2] = d0 + L
                    heapq.heappush(pq, (d0 + L, m2))
        wrong = sum(1 for p in byno.values() if p["system"] == sysname
                    and not dist[p["downstream_mh"]] < dist[p["upstream_mh"]])
        away[sysname] = wrong
    # summary
    print("Synthetic sewer ledger written to", out_dir)
    for k, path in paths.items():
        print("  %-20s %8.1f kB" % (os.path.basename(path), os.path.getsize(path) / 1024.0))
    for sysname in ("合流", "汚水", "雨水"):
        ps = [p for p in byno.values() if p["system"] == sysname]
        ms = [m for m, (s_, _) in mh.items() if s_ == sysname]
        if not ps:
            err("system %s missing" % sysname)
            continue
        diam = defaultdict(int)
        for p in ps:
            diam[p["diameter_mm"] or "box"] += 1
        mats = defaultdict(int)
        for p in ps:
            mats[p["material"]] += 1
        print("  %s: %d pipes (%.1f km), %d manholes, outlet %s at %s -> %s" % (
            sysname, len(ps), sum(p["length_m"] for p in ps) / 1000.0, len(ms),
            summary[sysname]["outlet"][0], list(summary[sysname]["outlet"][1]), OUTLETS[sysname][0]))
        print("      sizes %s" % ", ".join("%s:%d" % (k, v) for k, v in
                                           sorted(diam.items(), key=lambda kv: (kv[0] == "box", kv[0] if kv[0] != "box" else 0))))
        print("      materials %s; years %d-%d; cover %.2f-%.2f m; slope %.1f-%.1f permille; cross-links turned/split %d/%d" % (
            dict(sorted(mats.items())), min(p["install_year"] for p in ps), max(p["install_year"] for p in ps),
            min(p["depth_up_m"] for p in ps), max(p["depth_down_m"] for p in ps),
            min(p["slope_permille"] for p in ps), max(p["slope_permille"] for p in ps),
            summary[sysname]["fixes"][0], summary[sysname]["fixes"][1]))
    types = defaultdict(int)
    for f in mhs:
        types[f["properties"]["type"]] += 1
    print("  manhole types %s" % dict(sorted(types.items())))
    print("  manholes that receive flow and have >1 outflow (short cross-links): %d" % multi_out)
    print("  pipes whose downstream manhole is not the closer one by network distance"
          " (turned cross-links from summit manholes): %s" % away)
    print("  manholes dropped with disconnected street bits: %s" % dropped)
    print("  self-check: %s" % ("OK" if not errors else "%d problem(s)" % len(errors)))
    return not errors


def feature(props, gtype, coords):
    return {"type": "Feature", "properties": props, "geometry": {"type": gtype, "coordinates": coords}}


def write_fc(path, feats):
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in feats]
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write('{"type":"FeatureCollection","features":[\n')
        fh.write(",\n".join(lines))
        fh.write("\n]}\n")


if __name__ == "__main__":
    main()
