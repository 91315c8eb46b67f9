#!/usr/bin/env python3
"""check_prev_ranks: an independent check of the previous ranks in the
reports (SPEC section 5: a position's percentile rank in the period
before, under the provider's group instance of now), used by tests to
cross-check the C program.

It reads the positions export of period - 1 (SPEC section 6) and the
first table of each provider's CSV report of the period, and checks
every report row of a group: a position's previous_rank is the
percentile_rank of the same provider, indicator, group and group key in
the export (within 1e-9), or empty when the export has no such row; a
row with too few peers has none.  It prints every
difference as `file:line: expected X, got Y`, then `N rows, P with a
previous rank, M mismatches`; it exits 1 on any mismatch.

It shares no code with the C implementation.  Standard library only.
"""

import argparse
import csv
import glob
import io
import os
import sys


def previous_positions(path):
    """(provider, indicator, group, group_key) -> percentile rank."""
    ranks = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = (row["provider_id"], row["indicator_id"], row["group"],
                   row["group_key"])
            ranks[key] = float(row["percentile_rank"])
    return ranks


def report_rows(path):
    """The rows of a CSV report's first table (up to its blank line)."""
    with open(path, newline="", encoding="utf-8") as f:
        text = f.read()
    first = text.split("\n\n", 1)[0] + "\n"
    return list(csv.DictReader(io.StringIO(first)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--positions", required=True,
                    help="positions export of period - 1")
    ap.add_argument("--reports", required=True,
                    help="directory of the period's reports")
    args = ap.parse_args()
    prev = previous_positions(args.positions)
    rows = with_rank = mismatches = 0
    files = sorted(glob.glob(os.path.join(args.reports, "*.csv")))
    for path in files:
        if os.path.basename(path).startswith("summary"):
            continue
        for line, row in enumerate(report_rows(path), start=2):
            if not row.get("group_id"):
                continue
            rows += 1
            key = (row["provider_id"], row["indicator_id"], row["group_id"],
                   row["group_key"])
            # only a position has a previous rank ("too few peers": none)
            has_position = (row["too_few_peers"] == "no" and
                            row["percentile_rank"] != "")
            want = prev.get(key) if has_position else None
            got = row["previous_rank"]
            if got:
                with_rank += 1
            ok = (want is None and got == "") or (
                want is not None and got != "" and
                abs(float(got) - want) <= 1e-9 * max(1.0, abs(want)))
            if not ok:
                mismatches += 1
                print("%s:%d: expected %s, got %s" %
                      (path, line, "" if want is None else repr(want),
                       got or "(empty)"))
    print("%d rows, %d with a previous rank, %d mismatches" %
          (rows, with_rank, mismatches))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
