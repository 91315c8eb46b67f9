#!/usr/bin/env python3
"""check_stats: an independent implementation of SPEC section 5, used by
tests to cross-check what the C program exports.

It recomputes `export --what stats`, `positions` and `correlations` for one
period from the values export (SPEC section 6), the register(s), the
catalogue and the node config, with exact rational arithmetic where the C
code uses compensated floating point.  With --compare it reads the C
program's exports from a directory and reports every difference as
`file:line: column: expected X, got Y`; with --write it writes its own.

It deliberately shares no code with the C implementation and is not a
second benchmark service: no store, no network, no reports.  Standard
library only, plus PyYAML (Debian: python3-yaml) for the two YAML files.
"""

import argparse
import csv
import json
import math
import os
import sys
from fractions import Fraction

import yaml

REL_EPS = 1e-9
STATS_COLUMNS = ["period", "indicator_id", "group", "group_key", "n", "mean",
                 "sd", "min", "p10", "p25", "p50", "p75", "p90", "max",
                 "best_in_class"]
POSITIONS_COLUMNS = ["period", "indicator_id", "group", "group_key",
                     "provider_id", "value", "n", "percentile_rank", "band",
                     "z", "reference", "gap"]
CORRELATIONS_COLUMNS = ["period", "group", "group_key", "indicator_a",
                        "indicator_b", "n", "rho"]
VALUES_COLUMNS = ["period", "provider_id", "unit_id", "indicator_id",
                  "value", "numerator", "denominator", "n", "status"]
# file name -> (columns, number of leading columns that make the key)
EXPORTS = {
    "stats.csv": (STATS_COLUMNS, 4),
    "positions.csv": (POSITIONS_COLUMNS, 5),
    "correlations.csv": (CORRELATIONS_COLUMNS, 5),
}
MIN_CORRELATION_PAIRS = 10
QUANTILES = [("p10", 0.10), ("p25", 0.25), ("p50", 0.50), ("p75", 0.75),
             ("p90", 0.90)]


class UserError(Exception):
    """A problem with the inputs: reported and exit status 1."""


def warn(msg):
    print("check_stats: warning: " + msg, file=sys.stderr)


# --- numbers ---------------------------------------------------------------

def equal(a, x):
    """SPEC section 5: a equals x when |a - x| <= 1e-9 * |x|."""
    return abs(a - x) <= REL_EPS * abs(x)


def ge(a, x):
    return a > x or equal(a, x)


def le(a, x):
    return a < x or equal(a, x)


def fmt(v):
    """SPEC section 6: %.10g, '' for no value, never -0."""
    if v is None:
        return ""
    if isinstance(v, int):
        return str(v)
    v = float(v)
    if v == 0:
        return "0"
    return "%.10g" % v


def quantile(xs, alpha):
    """Hyndman-Fan type 7 over sorted floats, as SPEC section 5 writes it."""
    n = len(xs)
    h = (n - 1) * alpha
    lo = math.floor(h)
    if lo + 1 >= n:
        return xs[n - 1]
    return xs[lo] + (h - lo) * (xs[lo + 1] - xs[lo])


def summarise(values):
    """The statistics of one group instance; mean and sd exactly."""
    xs = sorted(values)
    n = len(xs)
    exact = [Fraction(x) for x in xs]
    mean = sum(exact) / n
    all_equal = all(equal(x, xs[0]) for x in xs)
    if n < 2 or all_equal:
        sd = 0.0
    else:
        var = sum((x - mean) ** 2 for x in exact) / (n - 1)
        sd = math.sqrt(var)  # Fraction -> float rounds once
    s = {"n": n, "mean": float(mean), "sd": sd, "min": xs[0],
         "max": xs[-1], "all_equal": all_equal, "sorted": xs}
    for name, alpha in QUANTILES:
        s[name] = quantile(xs, alpha)
    return s


def best_in_class(s, higher):
    return s["p90"] if higher else s["p10"]


def percentile_rank(xs, x, higher):
    worse = 0
    same = 0
    for v in xs:
        if equal(v, x):
            same += 1
        elif (v < x) if higher else (v > x):
            worse += 1
    return float(Fraction(100) * (worse + Fraction(same, 2)) / len(xs))


def band(s, x, higher):
    if higher:
        for b, q in ((4, "p75"), (3, "p50"), (2, "p25")):
            if ge(x, s[q]):
                return b
        return 1
    for b, q in ((4, "p25"), (3, "p50"), (2, "p75")):
        if le(x, s[q]):
            return b
    return 1


def zscore(s, x, higher):
    if s["all_equal"] or s["n"] < 2 or s["sd"] <= 0:
        return None
    z = (Fraction(x) - Fraction(s["mean"])) / Fraction(s["sd"])
    return float(z if higher else -z)


def average_ranks(values):
    """1-based average ranks; a tie group is the consecutive sorted values
    equal to the group's first value."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    ranks = [None] * len(values)
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and equal(values[order[end]],
                                         values[order[start]]):
            end += 1
        rank = Fraction(start + 1 + end, 2)
        for k in range(start, end):
            ranks[order[k]] = rank
        start = end
    return ranks


def spearman(a, b):
    """Pearson correlation of average ranks; None when either variable is
    constant."""
    n = len(a)
    if n < 2:
        return None
    ra = average_ranks(a)
    rb = average_ranks(b)
    ma = sum(ra) / n
    mb = sum(rb) / n
    sxy = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    sxx = sum((x - ma) ** 2 for x in ra)
    syy = sum((y - mb) ** 2 for y in rb)
    if sxx == 0 or syy == 0:
        return None
    # sxy / sqrt(sxx * syy), exactly up to the one square root
    r = float(sxy) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


# --- inputs ----------------------------------------------------------------

def read_csv(path):
    """Rows of a CSV file as (line, dict) with trimmed fields.  The delimiter
    is told by the header line, as SPEC section 2 says."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            text = f.read()
    except OSError as e:
        raise UserError("cannot open '%s': %s" % (path, e.strerror))
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(text.splitlines(True), delimiter=delim)
    header = None
    rows = []
    for fields in reader:
        line = reader.line_num
        if header is None:
            header = [h.strip() for h in fields]
            continue
        if not fields or all(not x.strip() for x in fields):
            continue
        if len(fields) != len(header):
            raise UserError("%s:%d: %d fields, the header has %d"
                            % (path, line, len(fields), len(header)))
        rows.append((line, dict(zip(header, (x.strip() for x in fields)))))
    if header is None:
        raise UserError("%s: empty file" % path)
    return header, rows


def read_register(paths):
    providers = {}
    for path in paths:
        header, rows = read_csv(path)
        if "provider_id" not in header:
            raise UserError("%s:1: no provider_id column" % path)
        for _, row in rows:
            if not row.get("share_identity"):
                row["share_identity"] = "no"
            providers[row["provider_id"]] = row
    return providers


def read_json_rows(path):
    """Rows of a JSON export (a list of objects, numbers in full precision)
    in the shape read_csv returns."""
    try:
        with open(path, encoding="utf-8") as f:
            items = json.load(f)
    except (OSError, ValueError) as e:
        raise UserError("cannot read '%s': %s" % (path, e))
    def text(v):
        return "" if v is None else (repr(v) if isinstance(v, float)
                                     else str(v))
    rows = [(i + 2, {k: text(v) for k, v in item.items()})
            for i, item in enumerate(items)]
    return list(VALUES_COLUMNS), rows


def read_values(path, period, factors=None):
    """Provider-level ok values of the period.  A ratio's value is
    recomputed from its numerator and denominator (exact in the export)
    when factors gives the indicator's factor, so that the check does not
    inherit the 10-digit rounding of the value column.  A .json values
    export (full precision) is read as well as a .csv one."""
    if path.endswith(".json"):
        header, rows = read_json_rows(path)
    else:
        header, rows = read_csv(path)
    missing = [c for c in VALUES_COLUMNS if c not in header]
    if missing:
        raise UserError("%s:1: missing columns: %s"
                        % (path, ", ".join(missing)))
    values = {}  # indicator -> provider -> float
    for line, row in rows:
        if row["period"] != period or row["unit_id"]:
            continue
        if row["status"] != "ok" or row["value"] == "":
            continue
        try:
            v = float(row["value"])
            factor = (factors or {}).get(row["indicator_id"])
            if factor is not None and row["numerator"] and row["denominator"]:
                v = float(row["numerator"]) / float(row["denominator"]) \
                    * factor
        except ValueError:
            raise UserError("%s:%d: value: not a number: %s"
                            % (path, line, row["value"]))
        if not math.isfinite(v):
            raise UserError("%s:%d: value: not finite" % (path, line))
        per = values.setdefault(row["indicator_id"], {})
        if row["provider_id"] in per:
            warn("%s:%d: second value of %s for %s; the later one counts"
                 % (path, line, row["indicator_id"], row["provider_id"]))
        per[row["provider_id"]] = v
    return values


def read_yaml(path):
    try:
        with open(path, encoding="utf-8") as f:
            return yaml.safe_load(f)
    except OSError as e:
        raise UserError("cannot open '%s': %s" % (path, e.strerror))
    except yaml.YAMLError as e:
        raise UserError("%s: %s" % (path, e))


def read_catalogue(path):
    doc = read_yaml(path)
    indicators = {}
    for ind in (doc or {}).get("indicators") or []:
        direction = ind.get("direction")
        if direction not in ("higher", "lower"):
            raise UserError("%s: indicator %s: bad direction %r"
                            % (path, ind.get("id"), direction))
        ref = ind.get("reference")
        if ref is not None and not ("value" in ref
                                    or ("stat" in ref and "group" in ref)):
            raise UserError("%s: indicator %s: bad reference %r"
                            % (path, ind.get("id"), ref))
        indicators[str(ind["id"])] = {"higher": direction == "higher",
                                      "reference": ref,
                                      "kind": ind.get("kind"),
                                      "factor": float(ind.get("factor", 1))}
    return indicators


def read_config(path):
    doc = read_yaml(path) or {}
    groups = doc.get("peer_groups")
    if not isinstance(groups, dict) or not groups:
        raise UserError("%s: peer_groups: a mapping is required" % path)
    groups = {str(g): [str(a) for a in (attrs or [])]
              for g, attrs in groups.items()}
    return groups, int(doc.get("min_peers", 5))


# --- computation -----------------------------------------------------------

def group_key(provider, attrs):
    return "/".join(provider.get(a, "") for a in attrs)


def compute(values, providers, catalogue, groups, min_peers, period):
    """Returns (stats rows, positions rows, correlations rows), each a list
    of lists of strings, sorted as text."""
    for prov in sorted({p for per in values.values() for p in per}):
        if prov not in providers:
            warn("provider %s has values but is not in the register; "
                 "left out" % prov)
    # instances[(indicator, group, key)] -> {provider: value}
    instances = {}
    for ind, per in values.items():
        if ind not in catalogue:
            warn("indicator %s is not in the catalogue; left out" % ind)
            continue
        for prov, v in per.items():
            if prov not in providers:
                continue
            for g, attrs in groups.items():
                key = group_key(providers[prov], attrs)
                instances.setdefault((ind, g, key), {})[prov] = v

    summaries = {}
    for inst, members in instances.items():
        if len(members) >= min_peers:
            summaries[inst] = summarise(list(members.values()))

    stats_rows = []
    positions_rows = []
    for (ind, g, key), s in summaries.items():
        higher = catalogue[ind]["higher"]
        stats_rows.append(
            [period, ind, g, key, fmt(s["n"])]
            + [fmt(s[c]) for c in ("mean", "sd", "min", "p10", "p25", "p50",
                                   "p75", "p90", "max")]
            + [fmt(best_in_class(s, higher))])
        for prov, x in instances[(ind, g, key)].items():
            ref = reference(catalogue[ind], providers[prov], ind, groups,
                            summaries)
            gap = None
            if ref is not None:
                gap = float(Fraction(ref) - Fraction(x)) if higher \
                    else float(Fraction(x) - Fraction(ref))
            positions_rows.append(
                [period, ind, g, key, prov, fmt(x), fmt(s["n"]),
                 fmt(percentile_rank(s["sorted"], x, higher)),
                 fmt(band(s, x, higher)), fmt(zscore(s, x, higher)),
                 fmt(ref), fmt(gap)])

    corr_rows = []
    for g, attrs in groups.items():
        members = {}  # key -> set of providers
        for prov, row in providers.items():
            members.setdefault(group_key(row, attrs), set()).add(prov)
        inds = sorted(i for i in values if i in catalogue)
        for key, provs in members.items():
            for ia, a in enumerate(inds):
                for b in inds[ia + 1:]:
                    both = sorted(p for p in provs
                                  if p in values[a] and p in values[b])
                    if len(both) < max(MIN_CORRELATION_PAIRS, min_peers):
                        continue
                    rho = spearman([values[a][p] for p in both],
                                   [values[b][p] for p in both])
                    if rho is None:
                        continue
                    corr_rows.append([period, g, key, a, b,
                                      fmt(len(both)), fmt(rho)])
    return sorted(stats_rows), sorted(positions_rows), sorted(corr_rows)


def reference(ind, provider, ind_id, groups, summaries):
    ref = ind["reference"]
    if ref is None:
        return None
    if "value" in ref:
        return float(ref["value"])
    g = str(ref["group"])
    if g not in groups:
        return None  # not computed on this node
    s = summaries.get((ind_id, g, group_key(provider, groups[g])))
    if s is None:
        return None  # too few peers
    stat = str(ref["stat"])
    if stat == "best_in_class":
        return best_in_class(s, ind["higher"])
    if stat not in s:
        raise UserError("indicator %s: unknown reference stat %s"
                        % (ind_id, stat))
    return s[stat]


# --- output and comparison -------------------------------------------------

def write_csv(path, columns, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)


def numbers_agree(expected, got):
    if expected == got:
        return True
    if expected == "" or got == "":
        return False
    try:
        a = float(expected)
        b = float(got)
    except ValueError:
        return False
    if not (math.isfinite(a) and math.isfinite(b)):
        return False
    # The exports carry 10 significant digits: two values that straddle a
    # rounding boundary print one unit of the 10th digit apart, which is
    # 1e-9 relative at most; the slack absorbs the decimal-to-binary error.
    diff = abs(a - b)
    return (diff <= REL_EPS * (1 + 1e-6) * max(abs(a), abs(b))
            or diff <= REL_EPS)


def compare_file(path, columns, nkey, expected_rows):
    """Compares one C export with our rows; returns (rows, mismatches)."""
    mismatches = []
    try:
        header, got = read_csv(path)
    except UserError as e:
        print(str(e))
        return 0, 1
    if header != columns:
        print("%s:1: header: expected %s, got %s"
              % (path, ",".join(columns), ",".join(header)))
        return 0, 1
    expected = {tuple(r[:nkey]): r for r in expected_rows}
    seen = {}
    previous = None
    compared = 0
    for line, row in got:
        fields = [row[c] for c in columns]
        key = tuple(fields[:nkey])
        if previous is not None and fields < previous:
            mismatches.append("%s:%d: order: row sorts before the one above"
                              % (path, line))
        previous = fields
        if key in seen:
            mismatches.append("%s:%d: key: %s again (first at line %d)"
                              % (path, line, "/".join(key), seen[key]))
            continue
        seen[key] = line
        want = expected.get(key)
        if want is None:
            mismatches.append("%s:%d: key: unexpected row %s"
                              % (path, line, ",".join(key)))
            continue
        compared += 1
        for c, e, g in zip(columns[nkey:], want[nkey:], fields[nkey:]):
            if not numbers_agree(e, g):
                mismatches.append("%s:%d: %s: expected %s, got %s"
                                  % (path, line, c, e or "(empty)",
                                     g or "(empty)"))
    for key in sorted(expected):
        if key not in seen:
            mismatches.append("%s: key: missing row %s"
                              % (path, ",".join(key)))
    for m in mismatches:
        print(m)
    return compared, len(mismatches)


def main(argv):
    p = argparse.ArgumentParser(
        description="Recompute SPEC section 5 statistics and compare them "
                    "with the C program's exports.")
    p.add_argument("--values", required=True,
                   help="export --what values CSV")
    p.add_argument("--register", required=True, nargs="+",
                   help="register CSV(s); later rows replace earlier ones")
    p.add_argument("--catalogue", required=True)
    p.add_argument("--config", required=True, help="node config YAML")
    p.add_argument("--period", required=True)
    p.add_argument("--compare", metavar="DIR",
                   help="directory with the C stats/positions/"
                        "correlations.csv")
    p.add_argument("--write", metavar="DIR",
                   help="write our own stats/positions/correlations.csv")
    args = p.parse_args(argv)
    try:
        catalogue = read_catalogue(args.catalogue)
        groups, min_peers = read_config(args.config)
        providers = read_register(args.register)
        factors = {i: d["factor"] for i, d in catalogue.items()
                   if d["kind"] == "ratio"}
        values = read_values(args.values, args.period, factors)
        tables = compute(values, providers, catalogue, groups, min_peers,
                         args.period)
    except UserError as e:
        print("check_stats: " + str(e), file=sys.stderr)
        return 1
    outputs = dict(zip(EXPORTS, tables))
    if args.write:
        try:
            os.makedirs(args.write, exist_ok=True)
            for name, (columns, _) in EXPORTS.items():
                write_csv(os.path.join(args.write, name), columns,
                          outputs[name])
        except OSError as e:
            print("check_stats: cannot write to '%s': %s"
                  % (args.write, e.strerror), file=sys.stderr)
            return 2
    if args.compare:
        total = 0
        bad = 0
        for name, (columns, nkey) in EXPORTS.items():
            n, m = compare_file(os.path.join(args.compare, name), columns,
                                nkey, outputs[name])
            total += n
            bad += m
        print("check_stats: %d rows compared, %d mismatches" % (total, bad))
        return 1 if bad else 0
    if not args.write:
        for name, (columns, _) in EXPORTS.items():
            print("== " + name)
            w = csv.writer(sys.stdout, lineterminator="\n")
            w.writerow(columns)
            w.writerows(outputs[name])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
