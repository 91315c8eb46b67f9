#!/usr/bin/env bash
# The main job: installs what is missing, builds, generates the sample data
# (four countries, two periods), starts a local node, submits every file,
# closes both periods, exports the figures and tells where the reports are.
# After each close the providers' improvement actions and practices for
# that period go in (SPEC section 10: they come after the report), so the
# 2024 actions are followed up by the 2025 close.
# Everything it writes goes under var/sample/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/setup.sh"
"$root/deploy/build.sh"
bin=${BL_BUILD_DIR:-$root/build}
work=$root/var/sample
mkdir -p "$work"
export BENCHLEARN_CONFIG=$work/node.yaml
# The sample node compares all four countries itself: it is an
# international node that takes submissions directly (SPEC section 7 links
# national nodes to it; see deploy/README.md).
sed "s|@CATALOGUE@|$root/config/catalogue.yaml|" \
    "$root/config/node-sample.yaml" > "$work/node.yaml"
"$bin/benchlearn" down >/dev/null 2>&1 || true
rm -rf "$work/var" "$work/data" "$work/export"
"$bin/bl-gen-sample" -o "$work/data" >/dev/null
"$bin/benchlearn" up
shopt -s nullglob
for period in 2024 2025; do
    "$bin/benchlearn" submit --wait "$work/data/register.csv" \
        "$work/data"/indicators-*-$period.csv \
        "$work/data"/survey-*-$period.csv | grep -v ' 0 with warnings, 0 rejected' || true
    "$bin/benchlearn" close $period
    learning=("$work/data"/actions-*-$period.csv
              "$work/data"/practices-*-$period.csv)
    if [ ${#learning[@]} -gt 0 ]; then
        "$bin/benchlearn" submit --wait "${learning[@]}" | grep -v ' 0 with warnings, 0 rejected' || true
    fi
done
mkdir -p "$work/export"
for what in stats positions values correlations learning-needs; do
    "$bin/benchlearn" export 2025 --what $what -o "$work/export/$what.csv"
done
"$bin/benchlearn" export 2024 --what actions -o "$work/export/actions.csv"
"$bin/benchlearn" status
# A coordinator login for the portal, with a one-time password.
# ($work/var was emptied above, so the account store is new.)
login=$("$bin/benchlearn" user add coordinator --coordinator)
password=$(printf '%s\n' "$login" | sed -n 's/^one-time password: \([0-9a-f]*\).*/\1/p')
echo
echo "exports:  $work/export/{stats,positions,values,correlations}.csv"
echo "learning: $work/export/learning-needs.csv (2025: events to plan)," \
     "$work/export/actions.csv (2024's actions and their 2025 follow-up)"
echo "reports:  $work/var/reports/2025/ (one HTML and PDF per provider)"
echo "summary:  $work/var/reports/2025/summary.html"
echo "portal:   $(cat "$work/var/run/web.addr")"
echo "          log in as 'coordinator' with the one-time password $password"
echo "          (you choose your own at the first log-in); make providers' logins"
echo "          on its Collection page, or with"
echo "          BENCHLEARN_CONFIG=$work/node.yaml $bin/benchlearn user add LOGIN --provider ID"
echo "stop the node with: BENCHLEARN_CONFIG=$work/node.yaml $bin/benchlearn down"
