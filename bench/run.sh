#!/usr/bin/env bash
# The benchmark of issues 3 and 4: one command that builds benchlearn
# (Release) when needed, generates the --bench data set (50,000 providers,
# 46 indicators, 2 periods, ~5M survey rows), runs the whole cycle on a
# private node in /tmp and measures, per phase: wall time, CPU seconds of
# each daemon, peak memory of each daemon (VmHWM, and peak anonymous RSS
# sampled every 0.1 s, since VmHWM also counts the LMDB pages mapped from
# the stores), and store sizes.  In the same run it loads the exported
# values and the register into a private PostgreSQL cluster (COPY), computes
# the same statistics and positions with SQL, checks them against
# benchlearn's export and prints the time ratio.  It also hands the very
# input files to DuckDB (bench/duckdb/cycle.mjs, run by Node with the
# @duckdb/node-api package from npm, installed into bench/duckdb on first
# use), which loads them, computes every provider value, the statistics
# and the positions, exports them, and checks them against benchlearn's
# export to 1e-9: the best tool a coordinator could pick instead.  Each
# figure is printed beside its aim (issue 13).  The summary goes to stdout
# and to bench/results-latest.txt.
#
# It is not a test: CI does not run it, and it asserts nothing.  It stops by
# itself: every wait has a limit, the daemons and PostgreSQL are stopped on
# exit, and the temporary directory is removed (unless --keep).
#
#   bench/run.sh [--scale F] [--render-limit SEC] [--workers SPEC]
#                [--scale-during SPEC]
#                [--no-pg] [--no-duckdb] [--keep]
#
#   --scale F           keep the first F (0 < F <= 1) of each country's
#                       providers and all their rows (default 1: the full set)
#   --render-limit SEC  wait at most SEC seconds for the report daemon to
#                       render a closed period (default 240); past that the
#                       rendering rate is measured and the time extrapolated,
#                       and the report daemon is paused (SIGSTOP) so that it
#                       does not disturb the later measurements
#   --workers SPEC      the node's workers, as `benchlearn up --workers`
#                       takes them (e.g. report=2: each report worker
#                       renders its share of a period)
#   --scale-during SPEC `benchlearn scale SPEC` on the running node once a
#                       quarter of the 2024 survey rows are in, timed (default
#                       validate=2,aggregate=2,report=2; "none": no scale)
#   --no-pg             skip the PostgreSQL comparison
#   --no-duckdb         skip the DuckDB comparison
#   --keep              keep the temporary directory (data, stores, logs)
#
# Environment: BL_BUILD_DIR (default build/), BL_BENCH_TMP (default /tmp).
set -euo pipefail
export LC_ALL=C

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BL_BUILD_DIR:-$root/build}
scale=1
render_limit=240
scale_during=validate=2,aggregate=2,report=2
with_pg=1
with_duck=1
keep=0
workers=
while [ $# -gt 0 ]; do
    case $1 in
    --scale) scale=$2; shift 2 ;;
    --render-limit) render_limit=$2; shift 2 ;;
    --no-pg) with_pg=0; shift ;;
    --no-duckdb) with_duck=0; shift ;;
    --keep) keep=1; shift ;;
    --workers) workers=$2; shift 2 ;;
    --scale-during) scale_during=$2; shift 2 ;;
    -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/run.sh: unknown option '$1'" >&2; exit 1 ;;
    esac
done
if ! awk -v s="$scale" 'BEGIN { exit !(s > 0 && s <= 1) }'; then
    echo "bench/run.sh: --scale must be in (0, 1]" >&2
    exit 1
fi

# ---- limits: every wait below is bounded ---------------------------------
LIMIT_SUBMIT=1800      # seconds for one submission phase to be validated
LIMIT_CLOSE=1200       # seconds for a close to reach the benchmark stage
LIMIT_TOTAL=3600       # the whole run
t_start=$(date +%s.%N)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
say() { printf '[%7.1fs] %s\n' "$(elapsed "$t_start" "$(now)")" "$*" >&2; }
over_total() {
    awk -v a="$t_start" -v b="$(now)" -v l="$LIMIT_TOTAL" \
        'BEGIN { exit !(b - a > l) }'
}

# ---- build ---------------------------------------------------------------
say "building (Release) into $bin"
if ! BL_BUILD_DIR=$bin "$root/deploy/build.sh" -DCMAKE_BUILD_TYPE=Release \
        >"$(dirname "$bin")/.bl-bench-build.log" 2>&1; then
    # The programs are all the bench needs: a broken test must not stop it.
    say "full build failed; building the programs only"
    if ! cmake --build "$bin" -j"$(nproc)" --target benchlearn bl-ingest \
            bl-validate bl-aggregate bl-benchmark bl-report bl-gen-sample \
            >/dev/null 2>&1; then
        for prog in benchlearn bl-ingest bl-validate bl-aggregate \
                    bl-benchmark bl-report bl-gen-sample; do
            if [ ! -x "$bin/$prog" ]; then
                echo "bench/run.sh: cannot build $prog" >&2
                exit 2
            fi
        done
        say "WARNING: the build failed; using the programs already in $bin"
    fi
fi
BL=$bin/benchlearn

# ---- work directory and cleanup ------------------------------------------
work=$(mktemp -d "${BL_BENCH_TMP:-/tmp}/bl-bench.XXXXXX")
chmod 755 "$work"
node=$work/node
data=$work/data
mkdir -p "$node"
export BENCHLEARN_CONFIG=$node/node.yaml
sampler_pid=
close_pids=()
pg_dir=
pg_user=

cleanup() {
    local rc=$?
    set +e
    [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
    for p in "${close_pids[@]}"; do kill "$p" 2>/dev/null; done
    if [ -f "$node/node.yaml" ]; then
        for f in "$node"/var/run/*.pid; do
            [ -f "$f" ] && kill -CONT "$(cat "$f")" 2>/dev/null
        done
        timeout 120 "$BL" down >/dev/null 2>&1
        for f in "$node"/var/run/*.pid; do
            [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null
        done
    fi
    if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
        s_pg pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
    fi
    if [ "$keep" = 1 ]; then
        echo "kept: $work" >&2
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- data ----------------------------------------------------------------
say "generating the --bench data set"
t0=$(now)
"$bin/bl-gen-sample" -o "$data" --bench >"$work/gen.txt"
t_gen=$(elapsed "$t0" "$(now)")
if [ "$scale" != 1 ]; then
    # A proportional subset: the first F of each country's providers
    # (ids CC-NNNN...) and every row of theirs.
    say "keeping scale $scale of the providers"
    maxn=$(awk -v s="$scale" 'BEGIN { printf "%d", 12500 * s + 0.5 }')
    : >"$work/gen.txt"
    for f in "$data"/*.csv; do
        awk -F, -v m="$maxn" 'NR == 1 { print; next }
            { split($1, a, "-"); if (a[2] + 0 <= m) print }' "$f" \
            >"$f.tmp"
        mv "$f.tmp" "$f"
        echo "$(basename "$f") $(($(wc -l <"$f") - 1))" >>"$work/gen.txt"
    done
fi
rows_of() { awk -v p="$1" '$1 ~ p { s += $2 } END { print s + 0 }' \
    "$work/gen.txt"; }
n_providers=$(rows_of '^register')
n_survey=$(rows_of '^survey-')
n_ind=$(rows_of '^indicators-')
n_survey_2024=$(rows_of '^survey-.*-2024')
n_survey_2025=$(rows_of '^survey-.*-2025')
n_ind_2024=$(rows_of '^indicators-.*-2024')
n_ind_2025=$(rows_of '^indicators-.*-2025')
n_indicators=$(awk '/^  - id: /{id=$3} /^    direction: /{n++} END{print n}' \
    "$root/config/catalogue.yaml")
data_mb=$(du -sm "$data" | cut -f1)
say "data: $n_providers providers, $n_survey survey rows, $n_ind" \
    "indicator rows, ${data_mb} MB (${t_gen} s)"

# ---- the machine's memory ------------------------------------------------
# On a virtual machine the first write to a page of guest memory that the
# host has not backed (or took back while it lay unused) costs several
# microseconds: here 5 to 9 us a page against 1.3 once backed.  A close
# that met such memory took 10 s instead of 6.5, and DuckDB, which ran
# last, got the memory benchlearn and PostgreSQL had just freed.  So before
# each contender (benchlearn's node, DuckDB) 80 % of the free memory
# is written once and freed, and what that cost is printed: both start on
# memory the host backs.
warm_memory() {
    local mb
    mb=$(awk '/^MemFree:/ { printf "%d", $2 / 1024 * 0.8 }' \
        /proc/meminfo)
    python3 - "$mb" <<'PY' 2>/dev/null || echo "not done"
import sys, time
mb = int(sys.argv[1]) // 256 * 256
t, held = time.time(), []
for _ in range(mb // 256):
    held.append(b"\x01" * (256 << 20))  # written, not only reserved
s = time.time() - t
print("%d MB written once in %.1f s (%.2f us a page)"
      % (mb, s, s * 1e6 / max(mb * 256, 1)))
PY
}
warm_note=$(warm_memory)
say "memory before benchlearn: $warm_note"

# ---- the node ------------------------------------------------------------
cat >"$node/node.yaml" <<EOF
# The bench node: like config/node-sample.yaml (an international node that
# takes submissions directly, so that every country is accepted).
node: bench
role: international
data_dir: var
catalogue: "$root/config/catalogue.yaml"
min_respondents: 5
min_peers: 5
change_factor: 3
peer_groups:
  national: [country, service_type]
  international: [service_type]
EOF
say "starting the node${workers:+ (workers $workers)}"
"$BL" up ${workers:+--workers "$workers"} >/dev/null

# Memory sampler: the peak VmRSS and RssAnon (kB) of every daemon, every
# 0.1 s, into $work/mem/<name>.{rss,anon}.  Shell builtins only, so that
# sampling this often costs next to nothing (a close's heap peak lasts
# about a second: every 0.5 s missed up to 50 MB of it).
mkdir -p "$work/mem"
(
    trap 'exit 0' TERM
    declare -A peak
    while :; do
        for f in "$node"/var/run/*.pid; do
            name=${f##*/}
            name=${name%.pid}
            # (a pid file goes away while `scale` restarts its daemon)
            pid=
            { read -r pid <"$f"; } 2>/dev/null || continue
            rss=0
            anon=0
            while read -r k v _; do
                case $k in
                VmRSS:) rss=$v ;;
                RssAnon:) anon=$v; break ;;
                esac
            done 2>/dev/null <"/proc/$pid/status" || continue
            for kv in "rss $rss" "anon $anon"; do
                set -- $kv
                if [ "$2" -gt "${peak[$name.$1]:-0}" ]; then
                    peak[$name.$1]=$2
                    echo "$2" >"$work/mem/$name.$1"
                fi
            done
        done
        sleep 0.1
    done
) &
sampler_pid=$!

daemons() {
    for f in "$node"/var/run/*.pid; do
        [ -f "$f" ] && basename "$f" .pid
    done
}
pid_of() { cat "$node/var/run/$1.pid"; }
# CPU seconds (user + system) used so far by each daemon: "name secs" lines.
cpu_snapshot() {
    local hz
    hz=$(getconf CLK_TCK)
    for d in $(daemons); do
        awk -v d="$d" -v hz="$hz" '{ sub(/^.*\) /, "")
            printf "%s %.2f\n", d, ($12 + $13) / hz }' \
            "/proc/$(pid_of "$d")/stat" 2>/dev/null || true
    done
}
# CPU seconds each daemon spent between two snapshots: "name=secs ...".
cpu_delta() {
    join <(sort "$1") <(sort "$2") |
        awk '{ printf "%s%s=%.1f", (NR > 1 ? " " : ""), $1, $3 - $2 }'
}
# A counter from `benchlearn status` (e.g. rows_stored of ingest).
# With several workers of the stage (validate.1, validate.2, ...): their sum.
status_field() {
    awk -v d="$1" -v k="$2" '$1 == d || index($1, d ".") == 1 {
        for (i = 1; i <= NF; i++)
            if (index($i, k "=") == 1) { v += substr($i, length(k) + 2); n++ }
        } END { if (n) print v }' "$3"
}

# Waits until validation has judged every stored row and aggregation has
# applied every judged row.  Sets t_validated and t_aggregated.
wait_pipeline() {
    local since=$1 limit=$2 st=$work/status.txt
    local stored judged applied
    t_validated=
    t_aggregated=
    while :; do
        "$BL" status >"$st" 2>/dev/null || true
        stored=$(status_field ingest rows_stored "$st")
        judged=$(status_field validate rows_judged "$st")
        applied=$(status_field aggregate records_applied "$st")
        if [ -z "$t_validated" ] && [ -n "$stored" ] && \
           [ "$judged" = "$stored" ]; then
            t_validated=$(now)
        fi
        # (>=: every aggregation worker applies each register row)
        if [ -n "$t_validated" ] && [ -n "$applied" ] && \
           [ "$applied" -ge "$stored" ]; then
            t_aggregated=$(now)
            return 0
        fi
        if awk -v a="$since" -v b="$(now)" -v l="$limit" \
               'BEGIN { exit !(b - a > l) }' || over_total; then
            say "gave up waiting: stored=$stored judged=$judged" \
                "applied=$applied"
            return 1
        fi
        sleep 0.2
    done
}

# One submission phase: `benchlearn submit --wait FILES`, timed.  When
# --wait gives up (a busy daemon does not answer in time) the status
# counters tell when every row is validated.
declare -A PH_WALL PH_ING PH_VAL PH_AGG PH_ROWS PH_CPU PH_NOTE
submit_phase() {
    local name=$1 rows=$2
    shift 2
    say "submit $name: $# file(s), $rows rows"
    local c0=$work/cpu0 c1=$work/cpu1 t0 t1 rc=0
    cpu_snapshot >"$c0"
    t0=$(now)
    local TIMEFORMAT='%U %S'
    { time "$BL" submit --wait "$@" >"$work/submit-$name.txt" 2>&1; } \
        2>"$work/cli-time" || rc=$?
    t1=$(now)
    PH_NOTE[$name]=
    if [ "$rc" != 0 ]; then
        PH_NOTE[$name]="submit --wait exited $rc: $(grep -m1 benchlearn: \
            "$work/submit-$name.txt" | cut -c1-80)"
        say "${PH_NOTE[$name]}"
    fi
    wait_pipeline "$t0" "$LIMIT_SUBMIT" || PH_NOTE[$name]+=" (timed out)"
    cpu_snapshot >"$c1"
    if [ "$rc" = 0 ]; then
        PH_VAL[$name]=$(elapsed "$t0" "$t1")
    else
        PH_VAL[$name]=$(elapsed "$t0" "${t_validated:-$(now)}")
    fi
    PH_AGG[$name]=$(elapsed "$t0" "${t_aggregated:-$(now)}")
    PH_ROWS[$name]=$rows
    PH_CPU[$name]="$(cpu_delta "$c0" "$c1") $(awk \
        '{ printf "benchlearn-submit=%.1f", $1 + $2 }' "$work/cli-time")"
    # The outcomes, from `benchlearn check` of each submission (its first
    # line ends "A accepted, W with warnings, R rejected").
    local counts sub
    # A worker stopped by a `scale` still under way (it may outlast the
    # submissions it waited for) answers later: asked again.
    for sub in $(awk '$1 ~ /^bench-[0-9]+$/ { print $1 }' \
                 "$work/submit-$name.txt"); do
        local line= try
        for try in $(seq 120); do
            line=$(timeout 60 "$BL" check "$sub" 2>/dev/null | head -1) || true
            [ -n "$line" ] && break
            sleep 0.5
        done
        echo "$line"
    done >"$work/check-$name.txt"
    counts=$(awk '/ accepted, [0-9]+ with warnings, [0-9]+ rejected$/ {
            a += $(NF - 6); w += $(NF - 4); r += $(NF - 1) }
        END { printf "%d accepted, %d with warnings, %d rejected", a, w, r }' \
        "$work/check-$name.txt")
    PH_NOTE[$name]+=" outcomes: $counts"
    say "  validated after ${PH_VAL[$name]} s, aggregated after" \
        "${PH_AGG[$name]} s; cpu ${PH_CPU[$name]}"
}

submit_phase register "$n_providers" "$data/register.csv"
# A worker added to a busy stage: `benchlearn scale` while the 2024 survey
# rows stream in.
scale_wall=-
scale_rc=-
if [ "$scale_during" != none ]; then
    # A quarter of the rows in: then scale.
    ( want=$((n_providers + n_survey_2024 / 4))
      for _ in $(seq 600); do
          "$BL" status >"$work/scale-status.txt" 2>/dev/null || true
          got=$(status_field ingest rows_stored "$work/scale-status.txt")
          [ "${got:-0}" -ge "$want" ] && break
          sleep 0.2
      done
      t0=$(now)
      rc=0
      "$BL" scale "$scale_during" >"$work/scale.txt" 2>&1 || rc=$?
      echo "$(elapsed "$t0" "$(now)") $rc" >"$work/scale.done" ) &
    scale_pid=$!
fi
submit_phase survey-2024 "$n_survey_2024" "$data"/survey-*-2024.csv
if [ "$scale_during" != none ]; then
    wait "$scale_pid" || true
    read -r scale_wall scale_rc <"$work/scale.done" || true
    say "scale $scale_during during survey-2024: ${scale_wall} s, exit" \
        "$scale_rc"
fi
submit_phase survey-2025 "$n_survey_2025" "$data"/survey-*-2025.csv
submit_phase indicators-2024 "$n_ind_2024" "$data"/indicators-*-2024.csv
submit_phase indicators-2025 "$n_ind_2025" "$data"/indicators-*-2025.csv
mem_after_submit=$(for d in $(daemons); do
    printf '%s=%s ' "$d" "$(awk '/^VmHWM:/{print $2}' \
        "/proc/$(pid_of "$d")/status")"; done)

# ---- the closes ----------------------------------------------------------
# The report files of a close: about 0.6 MB a provider (HTML 0.5, CSV and
# JSON 0.1), for each of the two periods.
reports_mb=$((n_providers * 6 / 10 * 2))
free_mb=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
disk_note=
if [ "${free_mb:-0}" -lt "$reports_mb" ]; then
    disk_note="only ${free_mb} MB free for about ${reports_mb} MB of reports:"
    disk_note+=" rendering stops at the disk reserve"
    say "WARNING: $disk_note"
fi
# `benchlearn close` runs in the background; the bench watches for the
# period's statistics to be exported by the benchmark daemon (it commits
# them in the same transaction as the results it sends on) and for the
# report daemon's "rendered period=" log line.
declare -A CL_BENCH CL_RENDER CL_CPU CL_CPU_R CL_NOTE CL_FILES CL_HTML
# The report daemons' logs and pids (report, or report.1 .. report.K with
# several report workers).
report_logs() { ls "$node"/var/log/report.log "$node"/var/log/report.*.log \
    2>/dev/null || true; }
report_count() { daemons | grep -c '^report' || true; }
report_stop() { for d in $(daemons | grep '^report'); do
    kill -STOP "$(pid_of "$d")" 2>/dev/null || true; done; }
# How many report workers logged a line matching the pattern for period p.
report_logged() { local n=0 f; for f in $(report_logs); do
    grep -qE "$1" "$f" 2>/dev/null && n=$((n + 1)); done; echo "$n"; }
# The epoch (s) of the latest such line.
report_last() { local ts; ts=$(grep -hE "$1" $(report_logs) 2>/dev/null |
    awk '{ print $1 }' | sort | tail -1)
    [ -z "$ts" ] || date -d "$ts" +%s.%N; }
close_phase() {
    local p=$1 c0=$work/cpu0 c1=$work/cpu1 c2=$work/cpu2 t0 tb tr
    say "close $p"
    CL_NOTE[$p]=
    cpu_snapshot >"$c0"
    t0=$(now)
    "$BL" close "$p" >"$work/close-$p.txt" 2>&1 &
    close_pids+=($!)
    local cpid=$!
    tb=
    while :; do
        if timeout 120 "$BL" export "$p" --what stats \
               -o "$work/stats-probe.csv" >/dev/null 2>&1 && \
           [ "$(wc -l <"$work/stats-probe.csv")" -gt 1 ]; then
            tb=$(now)
            break
        fi
        if awk -v a="$t0" -v b="$(now)" -v l="$LIMIT_CLOSE" \
               'BEGIN { exit !(b - a > l) }' || over_total; then
            CL_NOTE[$p]="no statistics after $LIMIT_CLOSE s"
            break
        fi
        sleep 0.2
    done
    cpu_snapshot >"$c1"
    CL_BENCH[$p]=$(elapsed "$t0" "${tb:-$(now)}")
    CL_CPU[$p]=$(cpu_delta "$c0" "$c1")
    say "  statistics after ${CL_BENCH[$p]} s; cpu ${CL_CPU[$p]}"
    # Rendering: bounded by --render-limit.
    local dir=$node/var/reports/$p workers_r
    local done_re=" I rendered period=$p | E rendering incomplete period=$p "
    local html_re=" I html rendered period=$p "
    workers_r=$(report_count)
    CL_HTML[$p]=-
    if [ -n "$render_rate" ]; then
        # The report daemon is paused (an earlier period did not finish
        # rendering in time): extrapolate from the rate measured then.
        CL_FILES[$p]=0
        CL_CPU_R[$p]=-
        CL_RENDER[$p]=$(awk -v r="$render_rate" -v n="$n_providers" \
            'BEGIN { printf "~%.0f", (4 * n + 1) / r }')
        CL_NOTE[$p]+=" rendering not measured (report daemon paused);"
        CL_NOTE[$p]+=" extrapolated at the earlier rate of $render_rate files/s"
        kill "$cpid" 2>/dev/null || true
        return 0
    fi
    tr=
    local pdf_done=
    [ "$p" = 2024 ] || pdf_done=1
    while :; do
        if [ "$(report_logged "$done_re")" -ge "$workers_r" ]; then
            tr=$(now)
            break
        fi
        if [ -z "$pdf_done" ] &&
           [ "$(report_logged "$html_re")" -ge "$workers_r" ]; then
            pdf_done=1
            pdf_measure "$p" "$dir"
        fi
        if awk -v a="${tb:-$t0}" -v b="$(now)" -v l="$render_limit" \
               'BEGIN { exit !(b - a > l) }'; then
            break
        fi
        sleep 0.5
    done
    [ -n "$pdf_done" ] || pdf_measure "$p" "$dir"
    cpu_snapshot >"$c2"
    CL_CPU_R[$p]=$(cpu_delta "$c1" "$c2")
    local files th
    files=$(find "$dir" -maxdepth 1 -type f 2>/dev/null | wc -l)
    CL_FILES[$p]=$files
    # Every provider's HTML: the close job of each report worker writes
    # its share's HTML first and logs "html rendered"; the figure is the
    # last of them, from the end of benchmarking.
    if [ "$(report_logged "$html_re")" -ge "$workers_r" ]; then
        th=$(report_last "$html_re")
        CL_HTML[$p]=$(elapsed "${tb:-$t0}" "$th")
    else
        local html spent_h
        html=$(find "$dir" -maxdepth 1 -name '*.html' ! -name summary.html \
            2>/dev/null | wc -l)
        spent_h=$(elapsed "${tb:-$t0}" "$(now)")
        CL_HTML[$p]=$(awk -v f="$html" -v s="$spent_h" -v n="$n_providers" \
            'BEGIN { if (f < 1) printf ">%.0f", s;
                     else printf "~%.0f", s * n / f }')
    fi
    say "  every provider's HTML after ${CL_HTML[$p]} s" \
        "($workers_r report worker(s))"
    if [ -n "$tr" ]; then
        CL_RENDER[$p]=$(elapsed "${tb:-$t0}" "$tr")
        say "  rendered after ${CL_RENDER[$p]} more s ($files files)"
        wait "$cpid" || CL_NOTE[$p]+=" close exited $?"
    else
        # Files per provider at a close: html, csv, json (+ summary); PDFs
        # are rendered on request.
        local spent per
        spent=$(elapsed "${tb:-$t0}" "$(now)")
        CL_RENDER[$p]=$(awk -v f="$files" -v s="$spent" -v n="$n_providers" \
            'BEGIN { if (f < 3) printf ">%.0f", s;
                     else printf "~%.0f", s * (3 * n + 1) / f }')
        render_rate=$(awk -v f="$files" -v s="$spent" \
            'BEGIN { printf "%.1f", f / s }')
        CL_NOTE[$p]+=" rendering unfinished after ${spent} s: $files files"
        CL_NOTE[$p]+=" ($render_rate/s); total extrapolated; report daemon"
        CL_NOTE[$p]+=" paused (SIGSTOP) for the rest of the run"
        say "  ${CL_NOTE[$p]}"
        report_stop
        kill "$cpid" 2>/dev/null || true
    fi
}
# A provider's PDF on request, twice (rendered, then the kept file), while
# the report workers still render the period's CSV and JSON: what a
# portal download meets in the peak.  Sets pdf_first and pdf_kept.
pdf_first=
pdf_kept=
pdf_measure() {
    local p=$1 dir=$2 f prov
    f=$(find "$dir" -maxdepth 1 -name '*.html' ! -name summary.html \
        -print -quit 2>/dev/null)
    [ -n "$f" ] || return 0
    prov=$(basename "$f" .html)
    local t0
    t0=$(now)
    timeout 60 "$BL" report "$p" --provider "$prov" --format pdf \
        >/dev/null 2>&1 && pdf_first=$(elapsed "$t0" "$(now)")
    t0=$(now)
    timeout 60 "$BL" report "$p" --provider "$prov" --format pdf \
        >/dev/null 2>&1 && pdf_kept=$(elapsed "$t0" "$(now)")
    say "  a PDF on request: ${pdf_first:-?} s, kept: ${pdf_kept:-?} s"
}
render_rate=
close_phase 2024
# Room for the next period's reports: a disk below the node's reserve would
# pause its rendering.  (Creating files just after deleting many is slower
# on some filesystems: the note says so.)
free_now=$(df -Pm "$work" | awk 'NR == 2 { print $4 }')
if [ "${free_now:-0}" -lt $((n_providers * 6 / 10 + 4096)) ]; then
    rm -rf "$node/var/reports/2024"
    CL_NOTE[2025]+=" the 2024 reports were deleted first for disk room;"
    say "deleted the 2024 reports for disk room (${free_now} MB free)"
fi
close_phase 2025

# ---- exports -------------------------------------------------------------
mkdir -p "$work/export"
declare -A EX_T
for what in stats positions values; do
    t0=$(now)
    timeout 600 "$BL" export 2025 --what $what -o "$work/export/$what.csv" \
        >/dev/null
    EX_T[$what]=$(elapsed "$t0" "$(now)")
done
# DuckDB's job exports the statistics and positions of both periods: so
# does the cycle measured here (2024's exports are counted, not kept).
for what in stats positions; do
    t0=$(now)
    timeout 600 "$BL" export 2024 --what $what -o "$work/export/$what-2024.csv" \
        >/dev/null
    EX_T[$what-2024]=$(elapsed "$t0" "$(now)")
    rm -f "$work/export/$what-2024.csv"
done
n_stats=$(($(wc -l <"$work/export/stats.csv") - 1))
n_pos=$(($(wc -l <"$work/export/positions.csv") - 1))
n_vals=$(($(wc -l <"$work/export/values.csv") - 1))

# ---- a PDF on request: measured in close_phase 2024 (pdf_measure) --------

# ---- memory and stores, before `down` ------------------------------------
declare -A M_HWM M_ANON M_STORE
for d in $(daemons); do
    M_HWM[$d]=$(awk '/^VmHWM:/{printf "%.0f", $2 / 1024}' \
        "/proc/$(pid_of "$d")/status")
    M_ANON[$d]=$(awk '{printf "%.0f", $1 / 1024}' "$work/mem/$d.anon" \
        2>/dev/null || echo "?")
    # A daemon's store: var/<name>, the first of several workers' var/<stage>
    # (report.1 -> var/report, report.2 -> var/report.2).
    store=$node/var/${d%%-*}
    [ -d "$store" ] || store=$node/var/${d%%.*}
    M_STORE[$d]=$(du -sm "$store" 2>/dev/null | cut -f1 || true)
done
"$BL" status >"$work/status-final.txt" 2>&1 || true
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=
if [ -n "$render_rate" ]; then
    # Paused in the middle of rendering: its work is not measured any
    # further and this store is thrown away.
    for d in $(daemons | grep '^report'); do
        kill -KILL "$(pid_of "$d")" 2>/dev/null || true
    done
fi
say "stopping the node"
timeout 120 "$BL" down >/dev/null 2>&1 || true
# The rendered reports (about 30 GB a period) are measured by now: they go
# before PostgreSQL and DuckDB need room for their tables.
rm -rf "$node/var/reports"

# ---- PostgreSQL ----------------------------------------------------------
# A private cluster in the work directory on a unix socket only.
s_pg() {
    local prog=$1
    shift
    local pgbin
    pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    if [ -n "$pg_user" ]; then
        runuser -u "$pg_user" -- "$pgbin/$prog" "$@"
    else
        "$pgbin/$prog" "$@"
    fi
}
pg_note=
pg_copy=
pg_sql=
pg_check=
if [ "$with_pg" = 1 ]; then
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        say "installing postgresql"
        sudo_cmd=
        [ "$(id -u)" != 0 ] && sudo_cmd=sudo
        $sudo_cmd apt-get install -y postgresql >/dev/null 2>&1 || true
    fi
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        pg_note="PostgreSQL is not installed; comparison skipped"
        with_pg=0
    fi
fi
if [ "$with_pg" = 1 ]; then
    pg_dir=$work/pg
    mkdir -p "$pg_dir"
    [ "$(id -u)" = 0 ] && pg_user=postgres && chown postgres "$pg_dir"
    pg_version=$(s_pg postgres --version | awk '{print $3}')
    say "starting PostgreSQL $pg_version"
    s_pg initdb -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 \
        --no-locale >"$work/pg-initdb.log" 2>&1
    s_pg pg_ctl -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 -o \
        "-k $pg_dir -c listen_addresses= -c shared_buffers=512MB \
         -c work_mem=256MB -c maintenance_work_mem=512MB \
         -c max_parallel_workers_per_gather=2 -c synchronous_commit=off \
         -c fsync=off -c full_page_writes=off" start >/dev/null
    psql_run() {
        psql -X -q -v ON_ERROR_STOP=1 -h "$pg_dir" -U postgres -d postgres "$@"
    }
    # Directions from the catalogue.
    awk '/^  - id: /{id=$3} /^    direction: /{print id "," $2}' \
        "$root/config/catalogue.yaml" >"$work/directions.csv"
    psql_run <<'EOF'
CREATE UNLOGGED TABLE reg (provider_id text, name text, country text,
  service_type text, users int, staff int, membership text,
  member_since date, share_identity text);
CREATE UNLOGGED TABLE vals (period int, provider_id text, unit_id text,
  indicator_id text, value float8, numerator float8, denominator float8,
  n float8, status text);
CREATE UNLOGGED TABLE dir (indicator_id text PRIMARY KEY, direction text);
CREATE UNLOGGED TABLE bl_stats (period int, indicator_id text, grp text,
  group_key text, n int, mean float8, sd float8, min float8, p10 float8,
  p25 float8, p50 float8, p75 float8, p90 float8, max float8, best float8);
CREATE UNLOGGED TABLE bl_pos (period int, indicator_id text, grp text,
  group_key text, provider_id text, value float8, n int, prank float8,
  band int, z float8, reference float8, gap float8);
EOF
    say "PostgreSQL: COPY register and values (2025)"
    t0=$(now)
    psql_run <<EOF
\\copy reg FROM '$data/register.csv' WITH (FORMAT csv, HEADER true)
\\copy vals FROM '$work/export/values.csv' WITH (FORMAT csv, HEADER true)
\\copy dir FROM '$work/directions.csv' WITH (FORMAT csv)
ANALYZE reg;
ANALYZE vals;
ANALYZE dir;
EOF
    pg_copy=$(elapsed "$t0" "$(now)")
    say "PostgreSQL: statistics and positions in SQL"
    t0=$(now)
    psql_run <<'EOF'
-- Provider values that take part (SPEC section 5): the provider's own row,
-- not suppressed or missing, with a value.
CREATE UNLOGGED TABLE gv AS
  WITH pv AS (
    SELECT v.period, v.indicator_id, v.provider_id, v.value, r.country,
           r.service_type
    FROM vals v JOIN reg r USING (provider_id)
    WHERE coalesce(v.unit_id, '') = '' AND v.status = 'ok'
      AND v.value IS NOT NULL)
  SELECT period, indicator_id, 'national' AS grp,
         country || '/' || service_type AS group_key, provider_id, value
  FROM pv
  UNION ALL
  SELECT period, indicator_id, 'international', service_type, provider_id,
         value
  FROM pv;
ANALYZE gv;
CREATE UNLOGGED TABLE sql_stats AS
  SELECT period, indicator_id, grp, group_key, n, mean, sd, min,
         q[1] AS p10, q[2] AS p25, q[3] AS p50, q[4] AS p75, q[5] AS p90,
         max
  FROM (SELECT period, indicator_id, grp, group_key, count(*)::int AS n,
               avg(value) AS mean, stddev_samp(value) AS sd,
               min(value) AS min, max(value) AS max,
               percentile_cont(ARRAY[0.1, 0.25, 0.5, 0.75, 0.9])
                 WITHIN GROUP (ORDER BY value) AS q
        FROM gv GROUP BY period, indicator_id, grp, group_key
        HAVING count(*) >= 5) AS s;
ANALYZE sql_stats;
-- Positions: percentile rank = 100 (B + E/2) / n, B = values strictly
-- worse, E = values equal (itself included); band from the quartiles;
-- z direction-aware.
CREATE UNLOGGED TABLE sql_pos AS
  SELECT w.period, w.indicator_id, w.grp, w.group_key, w.provider_id,
         w.value, s.n,
         100.0 * (CASE WHEN d.direction = 'lower' THEN s.n - w.lt - w.eq
                       ELSE w.lt END + 0.5 * w.eq) / s.n AS prank,
         CASE WHEN d.direction = 'lower' THEN
                CASE WHEN w.value <= s.p25 THEN 4 WHEN w.value <= s.p50 THEN 3
                     WHEN w.value <= s.p75 THEN 2 ELSE 1 END
              ELSE
                CASE WHEN w.value >= s.p75 THEN 4 WHEN w.value >= s.p50 THEN 3
                     WHEN w.value >= s.p25 THEN 2 ELSE 1 END
         END AS band,
         CASE WHEN s.min = s.max THEN NULL
              WHEN d.direction = 'lower' THEN (s.mean - w.value) / s.sd
              ELSE (w.value - s.mean) / s.sd END AS z
  FROM (SELECT *,
               rank() OVER (PARTITION BY period, indicator_id, grp,
                            group_key ORDER BY value) - 1 AS lt,
               count(*) OVER (PARTITION BY period, indicator_id, grp,
                              group_key, value) AS eq
        FROM gv) AS w
  JOIN sql_stats s USING (period, indicator_id, grp, group_key)
  JOIN dir d USING (indicator_id);
EOF
    pg_sql=$(elapsed "$t0" "$(now)")
    say "PostgreSQL: checking against benchlearn's export"
    psql_run <<EOF
\\copy bl_stats FROM '$work/export/stats.csv' WITH (FORMAT csv, HEADER true)
\\copy bl_pos FROM '$work/export/positions.csv' WITH (FORMAT csv, HEADER true)
EOF
    pg_check=$(psql_run -At -F ' ' <<'EOF'
SELECT 'stats_rows_pg=' || (SELECT count(*) FROM sql_stats),
       'stats_rows_bl=' || (SELECT count(*) FROM bl_stats),
       'stats_matched=' || count(*),
       'n_diff=' || count(*) FILTER (WHERE p.n <> b.n),
       'max_rel_diff_mean_p50_sd=' || to_char(coalesce(max(greatest(
           abs(p.mean - b.mean) / greatest(abs(b.mean), 1e-12),
           abs(p.p50 - b.p50) / greatest(abs(b.p50), 1e-12),
           abs(coalesce(p.sd, 0) - coalesce(b.sd, 0))
             / greatest(abs(b.sd), 1e-12))), 0), '9.99EEEE')
FROM sql_stats p JOIN bl_stats b
  ON b.period = p.period AND b.indicator_id = p.indicator_id
 AND b.grp = p.grp AND b.group_key = p.group_key;
SELECT 'positions_rows_pg=' || (SELECT count(*) FROM sql_pos),
       'positions_rows_bl=' || (SELECT count(*) FROM bl_pos),
       'positions_matched=' || count(*),
       'band_diff=' || count(*) FILTER (WHERE p.band <> b.band),
       'prank_diff_over_1e-6=' || count(*) FILTER
           (WHERE abs(p.prank - b.prank) > 1e-6),
       'max_prank_diff=' || to_char(coalesce(max(abs(p.prank - b.prank)), 0),
                                    '9.99EEEE')
FROM sql_pos p JOIN bl_pos b
  ON b.period = p.period AND b.indicator_id = p.indicator_id
 AND b.grp = p.grp AND b.group_key = p.group_key
 AND b.provider_id = p.provider_id;
EOF
)
    s_pg pg_ctl -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
fi

# ---- DuckDB --------------------------------------------------------------
# The same input files, from load to exported statistics and positions, in
# one process with 2 threads; its peak resident set measured by GNU time.
duck_note=
duck_line=
duck_check=
duck_rss=
if [ "$with_duck" = 1 ]; then
    if ! command -v node >/dev/null; then
        duck_note="(Node.js is not installed)"
        with_duck=0
    elif [ ! -d "$root/bench/duckdb/node_modules/@duckdb/node-api" ]; then
        say "installing @duckdb/node-api (bench only)"
        (cd "$root/bench/duckdb" && npm install --no-audit --no-fund \
            >"$work/npm.log" 2>&1) || {
            duck_note="(npm install @duckdb/node-api failed: $work/npm.log)"
            with_duck=0
        }
    fi
fi
if [ "$with_duck" = 1 ]; then
    warm_duck=$(warm_memory)
    say "memory before DuckDB: $warm_duck"
    say "DuckDB: load, compute and export the same data"
    python3 -c 'import json, sys, yaml
json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"),
          default=str)' "$root/config/catalogue.yaml" "$work/catalogue.json"
    if /usr/bin/time -f '%M' -o "$work/duck.rss" node \
            "$root/bench/duckdb/cycle.mjs" "$data" "$work/catalogue.json" \
            "$work/duck" "$work/export" >"$work/duck.txt" 2>"$work/duck.err"
    then
        duck_line=$(grep '^load=' "$work/duck.txt")
        duck_check=$(grep '^check ' "$work/duck.txt" | sed 's/^check //')
        duck_rss=$(awk '{printf "%.0f", $1 / 1024}' "$work/duck.rss")
    else
        duck_note="(failed: $(tail -1 "$work/duck.err"))"
        with_duck=0
    fi
fi

# ---- summary -------------------------------------------------------------
t_total=$(elapsed "$t_start" "$(now)")
sum() { awk 'BEGIN { s = 0; for (i = 1; i < ARGC; i++) { v = ARGV[i];
    gsub(/[~>]/, "", v); s += v } printf "%.1f", s }' "$@"; }
rate() { awk -v r="$1" -v t="$2" 'BEGIN { if (t > 0) printf "%.0f", r / t;
    else print "-" }'; }
sub_val=$(sum "${PH_VAL[survey-2024]}" "${PH_VAL[survey-2025]}")
sub_agg=$(sum "${PH_AGG[survey-2024]}" "${PH_AGG[survey-2025]}")
ind_val=$(sum "${PH_VAL[indicators-2024]}" "${PH_VAL[indicators-2025]}")
all_submit=$(sum "${PH_AGG[register]}" "$sub_agg" \
    "${PH_AGG[indicators-2024]}" "${PH_AGG[indicators-2025]}")
to_bench=$(sum "${CL_BENCH[2024]}" "${CL_BENCH[2025]}")
cycle_to_bench=$(sum "$all_submit" "$to_bench")
cycle_full=$(sum "$cycle_to_bench" "${CL_RENDER[2024]}" "${CL_RENDER[2025]}")
bench_cpu_2025=$(echo "${CL_CPU[2025]}" | tr ' ' '\n' |
    awk -F= '$1 ~ /^benchmark/ { s += $2 } END { printf "%.1f", s }')
agg_cpu_2025=$(echo "${CL_CPU[2025]}" | tr ' ' '\n' |
    awk -F= '$1 ~ /^aggregate/ { s += $2 } END { printf "%.1f", s }')

{
echo "benchlearn bench — $(date -u +%Y-%m-%dT%H:%MZ)," \
    "commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo ?)"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' \
    /proc/cpuinfo), $(awk '/MemTotal/{printf "%.0f GB", $2/1048576}' \
    /proc/meminfo) RAM"
echo "memory written once before benchlearn: $warm_note;" \
    "before DuckDB: ${warm_duck:--} (see \"the machine's memory\" in bench/run.sh)"
echo "data: scale $scale — $n_providers providers, $n_indicators indicators," \
    "2 periods, $n_survey survey rows, $n_ind indicator rows (${data_mb} MB," \
    "generated in ${t_gen} s)"
echo
echo "SUBMIT (file -> validated-and-stored; benchlearn submit --wait)"
printf '%-16s %10s %10s %10s %12s  %s\n' phase rows validated aggregated \
    "rows/s" "daemon CPU s"
for ph in register survey-2024 survey-2025 indicators-2024 indicators-2025; do
    printf '%-16s %10s %9ss %9ss %12s  %s\n' "$ph" "${PH_ROWS[$ph]}" \
        "${PH_VAL[$ph]}" "${PH_AGG[$ph]}" \
        "$(rate "${PH_ROWS[$ph]}" "${PH_VAL[$ph]}")" "${PH_CPU[$ph]}"
    [ -n "${PH_NOTE[$ph]}" ] && echo "    note: ${PH_NOTE[$ph]}"
done
echo "survey rows end to end: $n_survey rows in $sub_val s =" \
    "$(rate "$n_survey" "$sub_val") rows/s validated" \
    "($(rate "$n_survey" "$sub_agg") rows/s aggregated too)"
echo "indicator rows end to end: $n_ind rows in $ind_val s =" \
    "$(rate "$n_ind" "$ind_val") rows/s validated"
if [ "$scale_during" != none ]; then
    echo "scale during survey-2024: benchlearn scale $scale_during took" \
        "${scale_wall} s (exit $scale_rc), while the rows streamed in:"
    sed 's/^/    /' "$work/scale.txt" 2>/dev/null | grep -v ' up   pid ' || true
fi
echo
echo "CLOSE (aggregate + benchmark, then render)"
printf '%-8s %14s %12s %8s  %s\n' period "to statistics" render files \
    "daemon CPU s (to statistics | rendering)"
for p in 2024 2025; do
    printf '%-8s %13ss %11ss %8s  %s | %s\n' "$p" "${CL_BENCH[$p]}" \
        "${CL_RENDER[$p]}" "${CL_FILES[$p]}" "${CL_CPU[$p]}" \
        "${CL_CPU_R[$p]}"
    [ -n "${CL_NOTE[$p]}" ] && echo "    note:${CL_NOTE[$p]}"
    echo "    html_all_s: ${CL_HTML[$p]} (every provider's HTML, from the end" \
        "of benchmarking; report workers: ${workers:-as configured})"
done
[ -n "$disk_note" ] && echo "note: $disk_note"
echo
echo "WHOLE CYCLE (submit everything, close both periods)"
echo "  up to the benchmark stage: $cycle_to_bench s" \
    "(submit $all_submit s + closes $to_bench s)"
echo "  with report rendering:     $cycle_full s" \
    "(~ = extrapolated from the rendering rate)"
echo "  aims: whole cycle < 60 s; survey rows >= 1,000,000/s"
echo
echo "MEMORY AND STORES (at the end, before benchlearn down)"
printf '%-12s %10s %14s %10s\n' daemon "VmHWM MB" "peak anon MB" "store MB"
for d in $(printf '%s\n' "${!M_HWM[@]}" | sort); do
    printf '%-12s %10s %14s %10s\n' "$d" "${M_HWM[$d]}" "${M_ANON[$d]}" \
        "${M_STORE[$d]}"
done
echo "  (VmHWM counts the LMDB pages mapped from the store; peak anon is"
echo "   the heap, sampled every 0.1 s.  Aim: no daemon above 1 GB.)"
echo "  VmHWM kB after the submissions: $mem_after_submit"
echo
echo "EXPORT 2025: stats $n_stats rows ${EX_T[stats]} s, positions $n_pos" \
    "rows ${EX_T[positions]} s, values $n_vals rows ${EX_T[values]} s"
echo "EXPORT 2024 (counted in the cycle, as DuckDB exports both periods):" \
    "stats ${EX_T[stats-2024]} s, positions ${EX_T[positions-2024]} s"
echo
echo "POSTGRESQL (period 2025: same statistics and positions)"
if [ "$with_pg" = 1 ]; then
    pg_total=$(sum "$pg_copy" "$pg_sql")
    echo "  PostgreSQL $pg_version, unlogged tables, fsync off, work_mem 256MB"
    echo "  COPY register + values: $pg_copy s; SQL stats + positions:" \
        "$pg_sql s; total $pg_total s"
    echo "  benchlearn close 2025 to statistics: ${CL_BENCH[2025]} s" \
        "(aggregate CPU $agg_cpu_2025 s, benchmark CPU $bench_cpu_2025 s)"
    echo "  ratio benchlearn/PostgreSQL (close to statistics / COPY + SQL):" \
        "$(awk -v a="${CL_BENCH[2025]}" -v b="$pg_total" \
            'BEGIN { printf "%.2f", a / b }')"
    echo "  ratio benchmark daemon CPU / SQL only:" \
        "$(awk -v a="$bench_cpu_2025" -v b="$pg_sql" \
            'BEGIN { printf "%.2f", a / b }')"
    echo "  (below 1 means benchlearn is faster)"
    echo "  check: $(echo "$pg_check" | tr '\n' ' ')"
else
    echo "  skipped ${pg_note}"
fi
echo
echo "DUCKDB (the same input files: load, provider values, statistics and"
echo "positions of both periods, CSV export; 2 threads, in memory)"
duck_total=
if [ "$with_duck" = 1 ]; then
    kv() { echo "$duck_line" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k {print $2}'; }
    duck_total=$(kv total)
    echo "  load $(kv load) s, compute $(kv compute) s, export $(kv export) s;" \
        "total $duck_total s; peak RSS $duck_rss MB"
    echo "  check against benchlearn's 2025 export: $duck_check"
else
    echo "  skipped $duck_note"
fi
bl_cycle=$(sum "$cycle_to_bench" "${EX_T[stats]}" "${EX_T[positions]}" \
    "${EX_T[stats-2024]}" "${EX_T[positions-2024]}")
echo
echo "AIMS (issue 13)"
printf '  %-44s %14s  %s\n' figure measured aim
printf '  %-44s %14s  %s\n' "whole cycle: submit, close both, export (s)" \
    "$bl_cycle" "<= DuckDB / 2 = $(awk -v d="$duck_total" \
    'BEGIN { if (d != "") printf "%.1f", d / 2; else print "?" }')"
if [ -n "$duck_total" ]; then
    printf '  %-44s %14s  %s\n' "benchlearn / DuckDB time" \
        "$(awk -v a="$bl_cycle" -v b="$duck_total" \
        'BEGIN { printf "%.2f", a / b }')" "<= 0.5"
fi
printf '  %-44s %14s  %s\n' "survey rows end to end (rows/s)" \
    "$(rate "$n_survey" "$sub_val")" ">= 1000000"
max_anon=$(for d in "${!M_ANON[@]}"; do echo "${M_ANON[$d]}"; done |
    awk '$1 + 0 > m { m = $1 + 0 } END { print m + 0 }')
printf '  %-44s %14s  %s\n' "largest daemon heap (peak anon MB)" \
    "$max_anon" "<= 512"
html_all_s=${CL_HTML[2025]}
[ "$html_all_s" = - ] && html_all_s=${CL_HTML[2024]}
printf '  %-44s %14s  %s\n' "html_all_s: every HTML report after close" \
    "$html_all_s" "<= 120"
printf '  %-44s %14s  %s\n' "every report file after the close (s)" \
    "${CL_RENDER[2025]}" "-"
printf '  %-44s %14s  %s\n' "a provider's PDF on request (s)" \
    "${pdf_first:-?}" "<= 1"
printf '  %-44s %14s  %s\n' "the same PDF again, kept (s)" \
    "${pdf_kept:-?}" "<= 1"
printf '  %-44s %14s  %s\n' "a worker added to a busy stage (scale exit)" \
    "${scale_rc}" "0"
echo
echo "total bench run: $t_total s"
} | tee "$root/bench/results-latest.txt.new"
mv "$root/bench/results-latest.txt.new" "$root/bench/results-latest.txt"
