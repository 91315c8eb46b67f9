#!/usr/bin/env bash
# Benchmark, not a test: survey rows end to end (file -> validated and
# stored, `benchlearn submit --wait`) for a file in provider order and for
# the same rows in the order a survey tool exports them, the order the
# answers came (here: shuffled with a fixed seed).  The CLI gathers the
# rows of such a file by provider before it sends them (common/
# bl_row_group.h); this shows what that leaves of the difference.
#
# It generates the --bench data set (bl-gen-sample), joins the four
# countries' 2025 user surveys into one file (1.27M rows, 50,000
# providers), and submits it in order and shuffled, each to a fresh node
# with 2 validation and 2 aggregation workers, RUNS times (default 2),
# alternating.  Prints the wall time, rows/s and the daemons' CPU seconds
# of each run.  About a minute.
#
# Usage: bench/order.sh [RUNS]
# Environment: BL_BUILD_DIR (default build/), BL_BENCH_TMP (default /tmp).
set -euo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BL_BUILD_DIR:-$root/build}
runs=${1:-2}
if [ ! -x "$bin/benchlearn" ] || [ ! -x "$bin/bl-gen-sample" ]; then
    cmake -S "$root" -B "$bin" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$bin" -j"$(nproc)" >/dev/null
fi
work=$(mktemp -d "${BL_BENCH_TMP:-/tmp}/blorder.XXXXXX")
trap '"$bin/benchlearn" -c "$work/node.yaml" down >/dev/null 2>&1 || true;
      rm -rf "$work"' EXIT
"$bin/bl-gen-sample" -o "$work/data" --bench >/dev/null
# One header; the ';' files' rows written with ',' (survey answers are
# whole numbers, so no decimal comma is touched).
first=$(ls "$work"/data/survey-user-*-2025.csv | head -1)
{
    head -1 "$first" | tr ';' ','
    for f in "$work"/data/survey-user-*-2025.csv; do
        tail -n +2 "$f" | tr ';' ','
    done
} | { IFS= read -r header; echo "$header"; sort -t, -k1,1 -s; } \
    > "$work/in-order.csv"
{
    head -1 "$work/in-order.csv"
    tail -n +2 "$work/in-order.csv" |
        shuf --random-source=<(yes benchlearn)
} > "$work/shuffled.csv"
rows=$(( $(wc -l < "$work/in-order.csv") - 1 ))

cpu_of() {   # "daemon ticks" for each running daemon of the node
    for f in "$work"/var/run/*.pid; do
        echo "$(basename "$f" .pid) $(awk '{print $14+$15}' "/proc/$(cat "$f")/stat")"
    done
}

run() {   # run FILE: a fresh node, the register, then FILE timed
    "$bin/benchlearn" -c "$work/node.yaml" down >/dev/null 2>&1 || true
    rm -rf "$work/var"
    cat > "$work/node.yaml" <<YAML
node: order
role: international
data_dir: $work/var
catalogue: $root/config/catalogue.yaml
min_respondents: 5
min_peers: 5
peer_groups:
  national: [country, service_type]
  international: [service_type]
YAML
    local B="$bin/benchlearn -c $work/node.yaml"
    $B up --workers validate=2,aggregate=2 >/dev/null
    $B submit --wait "$work/data/register.csv" >/dev/null
    cpu_of > "$work/c0"
    local s e
    s=$(date +%s%N)
    $B submit --wait "$1" > "$work/out" 2>&1 || {
        cat "$work/out"; exit 1; }
    e=$(date +%s%N)
    cpu_of > "$work/c1"
    local ms=$(( (e - s) / 1000000 ))
    printf '%-9s %8d rows %6.2f s %9d rows/s  daemon CPU s: %s\n' \
        "$(basename "$1" .csv)" "$rows" "$(echo "$ms / 1000" | bc -l)" \
        $(( rows * 1000 / (ms ? ms : 1) )) \
        "$(join "$work/c0" "$work/c1" |
           awk -v hz="$(getconf CLK_TCK)" \
               '{printf "%s=%.1f ", $1, ($3-$2)/hz}')"
    $B down >/dev/null
}

echo "survey rows end to end, in provider order and in the order the answers came (2 validation, 2 aggregation workers)"
for i in $(seq "$runs"); do
    run "$work/in-order.csv"
    run "$work/shuffled.csv"
done
