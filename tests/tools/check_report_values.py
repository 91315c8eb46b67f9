#!/usr/bin/env python3
"""check_report_values: an independent check that each provider's report
shows its own figures: used by tests to cross-check what the benchmark
daemon sends the report daemon (values, positions, units) against the
node's exports of the same period (SPEC section 6).

It reads the positions and values exports of a period and, for every
provider report of that period (skipping the coordinator's summary):
- from the CSV report's first table, its rows of the period (the rest
  are its trend): each indicator's status and value
  must be those of the provider's own row in the values export (unit_id
  empty), and each group row with a percentile rank must be the export's
  position of the same provider, indicator, group and group key (value,
  percentile rank, band, z, reference, gap); every position the export
  holds for the provider must be in its report;
- from the JSON report's units: each unit value must be that unit's row
  in the values export.
Numbers agree within 1e-9 (relative; the reports write 10 significant
digits, compared as written).  It prints the first 20 differences as
`file:line: what`, then `R reports, P positions, U unit values,
M mismatches`; it exits 1 on any mismatch.

It shares no code with the C implementation.  Standard library only.
"""

import argparse
import csv
import glob
import io
import json
import os
import sys


def close(a, b):
    if a == "" or b == "":
        return a == b
    x, y = float(a), float(b)
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def first_table(path):
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    return list(csv.DictReader(io.StringIO(text.split("\n\n", 1)[0] + "\n")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--positions", required=True)
    ap.add_argument("--values", required=True)
    ap.add_argument("--reports", required=True)
    ap.add_argument("--period", required=True,
                    help="the period of the exports (a report's rows of "
                         "earlier periods, its trend, are not checked)")
    args = ap.parse_args()
    positions = {}
    by_provider = {}
    for r in read_csv(args.positions):
        key = (r["provider_id"], r["indicator_id"], r["group"],
               r["group_key"])
        positions[key] = r
        by_provider.setdefault(r["provider_id"], set()).add(key)
    values = {}
    for r in read_csv(args.values):
        values[(r["provider_id"], r["unit_id"], r["indicator_id"])] = r
    bad = []
    n_reports = n_pos = n_units = 0
    for path in sorted(glob.glob(os.path.join(args.reports, "*.csv"))):
        if os.path.basename(path).startswith("summary"):
            continue
        n_reports += 1
        provider = os.path.basename(path)[:-4]
        seen = set()
        for line, row in enumerate(first_table(path), start=2):
            where = "%s:%d" % (path, line)
            if row["period"] != args.period:
                continue
            if row["provider_id"] != provider:
                bad.append("%s: provider %s in the report of %s" %
                           (where, row["provider_id"], provider))
                continue
            v = values.get((provider, "", row["indicator_id"]))
            if row["status"] == "ok":
                if v is None or not close(row["value"], v["value"]):
                    bad.append("%s: %s value %s, export %s" % (
                        where, row["indicator_id"], row["value"],
                        v["value"] if v else "(none)"))
            if not row["group_id"] or row["percentile_rank"] == "":
                continue
            key = (provider, row["indicator_id"], row["group_id"],
                   row["group_key"])
            seen.add(key)
            n_pos += 1
            p = positions.get(key)
            if p is None:
                bad.append("%s: no such position in the export: %s" %
                           (where, key))
                continue
            for col, pcol in (("value", "value"),
                              ("percentile_rank", "percentile_rank"),
                              ("band", "band"), ("z", "z"),
                              ("reference", "reference"), ("gap", "gap")):
                if not close(row[col], p[pcol]):
                    bad.append("%s: %s %s %s, export %s" % (
                        where, key, col, row[col], p[pcol]))
        for key in sorted(by_provider.get(provider, set()) - seen):
            bad.append("%s: position %s not in the report" % (path, key))
        jpath = path[:-4] + ".json"
        if not os.path.exists(jpath):
            continue
        with open(jpath, encoding="utf-8") as f:
            report = json.load(f)
        for unit in report.get("units", []):
            for uv in unit["values"]:
                n_units += 1
                v = values.get((provider, unit["unit_id"],
                                uv["indicator_id"]))
                got = uv.get("value")
                if v is None or (uv["status"] == "ok" and
                                 not close(repr(got), v["value"])):
                    bad.append("%s: unit %s %s value %s, export %s" % (
                        jpath, unit["unit_id"], uv["indicator_id"], got,
                        v["value"] if v else "(none)"))
    for b in bad[:20]:
        print(b)
    if len(bad) > 20:
        print("... and %d more" % (len(bad) - 20))
    print("%d reports, %d positions, %d unit values, %d mismatches" %
          (n_reports, n_pos, n_units, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
