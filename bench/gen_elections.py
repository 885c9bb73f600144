#!/usr/bin/env python3
"""Synthetic inputs for the election benchmarks: N small areas (a jittered block grid whose
neighbours share their corner nodes, as real 町丁目 do) around Settsu, a mapping of them to D
districts (nearest of D spread seeds, so districts are irregular), and a turnout CSV with the
standard header for the D districts. Deterministic.

Usage: bench/gen_elections.py --areas 5000 --districts 100 --out DIR
"""
import argparse
import json
import math
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--areas", type=int, default=5000)
    ap.add_argument("--districts", type=int, default=100)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(27224)
    cols = int(math.sqrt(a.areas * 2))
    rows = a.areas // cols
    dx, dy = 0.0006, 0.00054  # about 55 m x 60 m
    x0, y0 = 135.543, 34.764
    nodes = [[(x0 + (i + rng.uniform(-0.15, 0.15)) * dx, y0 + (j + rng.uniform(-0.15, 0.15)) * dy) for i in range(cols + 1)] for j in range(rows + 1)]
    side = int(math.ceil(math.sqrt(a.districts)))
    seeds = []
    for k in range(a.districts):
        sx = ((k % side) + 0.5 + rng.uniform(-0.3, 0.3)) / side * cols
        sy = ((k // side) + 0.5 + rng.uniform(-0.3, 0.3)) / math.ceil(a.districts / side) * rows
        seeds.append((sx, sy))
    os.makedirs(a.out, exist_ok=True)
    used = set()
    with open(os.path.join(a.out, "areas.geojson"), "w") as f, open(os.path.join(a.out, "mapping.csv"), "w") as m:
        f.write('{"type":"FeatureCollection","features":[\n')
        m.write("area_key,district_no,district_name,station_no\n")
        first = True
        for j in range(rows):
            for i in range(cols):
                ring = [nodes[j][i], nodes[j][i + 1], nodes[j + 1][i + 1], nodes[j + 1][i], nodes[j][i]]
                coords = [[round(x, 7), round(y, 7)] for x, y in ring]
                key = f"K{j:03d}{i:03d}"
                d = min(range(a.districts), key=lambda s: (seeds[s][0] - i - 0.5) ** 2 + (seeds[s][1] - j - 0.5) ** 2) + 1
                used.add(d)
                ft = {"type": "Feature", "properties": {"key": key}, "geometry": {"type": "Polygon", "coordinates": [coords]}}
                f.write(("" if first else ",\n") + json.dumps(ft, separators=(",", ":")))
                first = False
                m.write(f"{key},{d},第{d}投票区,{d}\n")
        f.write("\n]}\n")
    with open(os.path.join(a.out, "turnout.csv"), "w", encoding="utf-8") as t:
        t.write("投票区,有権者数_男,有権者数_女,有権者数_計,当日_男,当日_女,当日_計,期日前_男,期日前_女,期日前_計,不在者_男,不在者_女,不在者_計\n")
        for d in sorted(used):
            em, ef = rng.randint(800, 3000), rng.randint(800, 3000)
            row = [em, ef, em + ef]
            parts = []
            for e in (em, ef):
                v = int(e * rng.uniform(0.4, 0.65))
                early = int(v * rng.uniform(0.25, 0.45))
                ab = int(v * 0.01)
                parts.append((v - early - ab, early, ab))
            for k in range(3):
                row += [parts[0][k], parts[1][k], parts[0][k] + parts[1][k]]
            t.write(f"{d}," + ",".join(map(str, row)) + "\n")
    print(f"{rows * cols} areas, {len(used)} districts", flush=True)


if __name__ == "__main__":
    main()
