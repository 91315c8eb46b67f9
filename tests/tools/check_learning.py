#!/usr/bin/env python3
"""check_learning: an independent computation of `export --what
learning-needs` (SPEC section 10), used by tests to cross-check the C
program.

It reads the positions export of the period (SPEC section 6), the
register(s) and the catalogue, and computes per indicator and country:
in_need (providers with the indicator among their areas for improvement:
band 1 in any group, or gap > 0, SPEC section 5), band4 (providers in band 4
in any group), hosts (the band-4 providers that share identity, by id,
joined with ';') and event (international when >= 3 providers in >= 2
countries are in need, else national when in_need >= 3).  A row exists for
every indicator and country with a provider that has a position.

With --compare it reads the C program's learning-needs CSV and reports
every difference as `file:line: expected X, got Y`, then `N rows, M
mismatches`; it exits 1 on any mismatch.  With --write it prints its own.

It shares no code with the C implementation.  Standard library only, plus
PyYAML (Debian: python3-yaml) for the catalogue.
"""

import argparse
import csv
import sys

import yaml

COLUMNS = ["period", "indicator_id", "principle", "country", "in_need",
           "band4", "hosts", "event"]


def read_csv(path):
    """Rows of a CSV file as dicts; the delimiter is told by the header."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        head = f.readline()
        f.seek(0)
        if head.startswith("\ufeff"):
            head = head[1:]
        delim = ";" if head.count(";") > head.count(",") else ","
        return list(csv.DictReader(f, delimiter=delim))


def shares(registers):
    out = {}
    for path in registers:
        for row in read_csv(path):
            share = (row.get("share_identity") or "").strip().lower()
            out[row["provider_id"].strip()] = share == "yes"
    return out


def principles(catalogue):
    with open(catalogue, encoding="utf-8") as f:
        cat = yaml.safe_load(f)
    return {ind["id"]: ind["principle"] for ind in cat["indicators"]}


def compute(positions, share, principle, period):
    # (indicator, provider) -> flags
    has_pos, area, band4 = set(), set(), set()
    for row in read_csv(positions):
        if row["period"] != str(period):
            continue
        key = (row["indicator_id"], row["provider_id"])
        has_pos.add(key)
        band = int(row["band"])
        gap = row["gap"].strip()
        if band == 1 or (gap != "" and float(gap) > 0):
            area.add(key)
        if band == 4:
            band4.add(key)
    indicators = sorted({k[0] for k in has_pos})
    rows = []
    for ind in indicators:
        providers = sorted({p for (i, p) in has_pos if i == ind})
        countries = sorted({p[:2] for p in providers})
        need = {c: [p for p in providers
                    if p[:2] == c and (ind, p) in area] for c in countries}
        total = sum(len(v) for v in need.values())
        need_countries = sum(1 for v in need.values() if v)
        international = total >= 3 and need_countries >= 2
        for c in countries:
            best = [p for p in providers if p[:2] == c and (ind, p) in band4]
            hosts = ";".join(p for p in best if share.get(p, False))
            if international:
                event = "international"
            elif len(need[c]) >= 3:
                event = "national"
            else:
                event = ""
            rows.append([str(period), ind, principle[ind], c,
                         str(len(need[c])), str(len(best)), hosts, event])
    rows.sort()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--positions", required=True)
    ap.add_argument("--register", action="append", required=True)
    ap.add_argument("--catalogue", required=True)
    ap.add_argument("--period", type=int, required=True)
    ap.add_argument("--compare", help="the C program's learning-needs CSV")
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    rows = compute(a.positions, shares(a.register), principles(a.catalogue),
                   a.period)
    if a.write or not a.compare:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
        return 0
    with open(a.compare, newline="", encoding="utf-8") as f:
        got = list(csv.reader(f))
    mismatches = 0
    if not got or got[0] != COLUMNS:
        print(f"{a.compare}:1: expected header {','.join(COLUMNS)}, got "
              f"{','.join(got[0]) if got else '(nothing)'}")
        mismatches += 1
    body = got[1:]
    for i in range(max(len(rows), len(body))):
        want = rows[i] if i < len(rows) else None
        have = body[i] if i < len(body) else None
        if want != have:
            print(f"{a.compare}:{i + 2}: expected "
                  f"{','.join(want) if want else '(no row)'}, got "
                  f"{','.join(have) if have else '(no row)'}")
            mismatches += 1
    print(f"{len(rows)} rows, {mismatches} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
