#!/usr/bin/env python3
"""web_grid.py - the console suites' grid: data/district/grid.geojson
with two cells changed so that the map has more than rectangles to draw:
310104001001001 gets a hole in its middle, and 310104001001002 becomes a
MultiPolygon of its west and east parts with a gap between them.  No
cell overlaps another (what is taken away belongs to no cell).

Usage: web_grid.py IN OUT
"""
import json
import sys


def box(ring):
    xs = [p[0] for p in ring]
    ys = [p[1] for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def rect(x0, y0, x1, y1):
    x0, y0, x1, y1 = (round(v, 6) for v in (x0, y0, x1, y1))
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def main():
    d = json.load(open(sys.argv[1]))
    done = 0
    for f in d["features"]:
        g = f["properties"]["grid"]
        if g == "310104001001001":
            x0, y0, x1, y1 = box(f["geometry"]["coordinates"][0])
            w, h = (x1 - x0) / 3, (y1 - y0) / 3
            hole = rect(x0 + w, y0 + h, x1 - w, y1 - h)
            f["geometry"]["coordinates"].append(hole[::-1])
            done += 1
        elif g == "310104001001002":
            x0, y0, x1, y1 = box(f["geometry"]["coordinates"][0])
            m, gap = (x0 + x1) / 2, (x1 - x0) / 10
            f["geometry"] = {"type": "MultiPolygon", "coordinates": [
                [rect(x0, y0, m - gap, y1)],
                [rect(m + gap, y0, x1, y1)]]}
            done += 1
    if done != 2:
        sys.exit("web_grid.py: the two cells are not in %s" % sys.argv[1])
    json.dump(d, open(sys.argv[2], "w"))


if __name__ == "__main__":
    main()
