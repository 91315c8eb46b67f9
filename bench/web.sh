#!/usr/bin/env bash
# Benchmark, not a test: report pages served per second by bl-web with 100
# concurrent clients.  Starts a node on generated data (6 providers), closes
# 2025, logs a provider in, waits until the close has rendered its report
# (bl-web serves the rendered file; 503 with Refresh until then), then
# runs wrk (Debian's `wrk`, installed on demand) for 20 s over
# /reports/2025/NO-0001.html and /login.  Prints requests/s.
# Usage: bench/web.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-${BL_BUILD_DIR:-$root/build}}
if ! command -v wrk >/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get install -y -qq wrk >/dev/null
fi
work=$(mktemp -d /tmp/blweb.XXXXXX)
trap '"$bin/benchlearn" -c "$work/node.yaml" down >/dev/null 2>&1 || true;
      rm -rf "$work"' EXIT
cat > "$work/node.yaml" <<YAML
node: bench
role: national
country: "NO"
data_dir: var
catalogue: $root/config/catalogue.yaml
min_respondents: 5
min_peers: 5
peer_groups:
  national: [country]
web:
  listen: 127.0.0.1:0
YAML
cd "$work"
{
    echo "provider_id,name,country,service_type,users,staff,membership,member_since"
    for p in 1 2 3 4 5 6; do
        echo "NO-000$p,Provider $p,NO,residential_care,5$p,2$p,assurance,2020-01-01"
    done
} > register.csv
{
    echo "provider_id,unit_id,period,survey,respondent_id,U1,U2,U3"
    for p in 1 2 3 4 5 6; do
        for r in 1 2 3 4 5 6; do
            echo "NO-000$p,,2025,user,r$r,$(( 1 + r % 5 )),$(( 1 + (r + p) % 5 )),3"
        done
    done
} > survey.csv
B="$bin/benchlearn -c $work/node.yaml"
$B up >/dev/null
$B submit --wait register.csv survey.csv >/dev/null
$B close 2025 >/dev/null
echo bench-password-1 > pw
$B user add p1 --provider NO-0001 --password-file pw >/dev/null
url=$(cat var/run/web.addr)
url=${url%/}
sid=$(python3 - "$url" <<'PY'
import http.client, sys, urllib.parse
host, port = sys.argv[1].split("//")[1].split(":")
c = http.client.HTTPConnection(host, int(port))
c.request("POST", "/login", urllib.parse.urlencode(
    {"login": "p1", "password": "bench-password-1"}),
    {"Content-Type": "application/x-www-form-urlencoded"})
r = c.getresponse()
print(r.getheader("Set-Cookie").split(";")[0].split("=")[1])
PY
)
# The close renders the reports; the bench measures serving them.
python3 - "$url" "$sid" <<'PY'
import sys, time, urllib.error, urllib.request as u
url, sid = sys.argv[1:3]
for _ in range(600):
    try:
        r = u.urlopen(u.Request(url + "/reports/2025/NO-0001.html",
                                headers={"Cookie": "bl_session=" + sid}))
        print("report bytes:", len(r.read()))
        break
    except urllib.error.HTTPError as e:
        if e.code != 503:
            raise
        time.sleep(0.5)
else:
    sys.exit("the report was not rendered in 300 s")
PY
echo "== report page, 100 connections, 2 threads, 20 s"
wrk -t2 -c100 -d20s -H "Cookie: bl_session=$sid" \
    "$url/reports/2025/NO-0001.html" | grep -E 'Requests/sec|Latency|requests in|Non-2xx'
echo "== log-in page, 100 connections, 2 threads, 20 s"
wrk -t2 -c100 -d20s "$url/login" | grep -E 'Requests/sec|Latency|requests in|Non-2xx'
