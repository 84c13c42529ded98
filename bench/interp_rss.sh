#!/usr/bin/env bash
# Resident memory of one modpy worker (`modpy -X`) by number of named
# interpreters: a handler directory with `PythonInterpPerDirectory On` and 100
# subdirectories d000..d099 (each its own interpreter); request the first N
# once each, then read VmRSS from /proc/PID/status. Counts are cumulative in
# one process: 0 (main_interpreter only), 1, 10, 100 by default.
# Usage: bash bench/interp_rss.sh [counts...]   (MODPY_BIN to skip the build;
# IMPORTS=1 for a handler that also imports json, decimal, datetime, re, hashlib)
set -euo pipefail
cd "$(dirname "$0")/.."
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 10 100)
max=${counts[-1]}
bin=${MODPY_BIN:-}
if [ -z "$bin" ]; then
  mkdir -p bench/.out
  go build -o bench/.out/modpy ./cmd/modpy
  bin=bench/.out/modpy
fi
dir=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
handler='from mod_python import apache
def handler(req):
    req.write("%s\n" % req.interpreter)
    return apache.OK'
if [ -n "${IMPORTS:-}" ]; then
  handler='from mod_python import apache
import json, decimal, datetime, re, hashlib
def handler(req):
    req.write(json.dumps({"i": req.interpreter, "d": str(decimal.Decimal(1) / 3),
                          "t": datetime.date.today().isoformat(),
                          "h": hashlib.sha1(b"x").hexdigest(), "r": bool(re.match("a", "a"))}))
    return apache.OK'
fi
# The handler module is found in the <Directory> (the top one); each
# subdirectory holds a copy only so that the requested file exists.
printf '%s\n' "$handler" > "$dir/h.py"
for i in $(seq 0 $((max - 1))); do
  d=$(printf '%s/d%03d' "$dir" "$i")
  mkdir "$d"
  printf '%s\n' "$handler" > "$d/h.py"
done
cat > "$dir/site.conf" <<CONF
Listen 127.0.0.1:$port
ServerName localhost
DocumentRoot $dir
ErrorLog $dir/error.log
<Directory $dir>
    SetHandler mod_python
    PythonHandler h
    PythonInterpPerDirectory On
</Directory>
CONF
"$bin" -X -f "$dir/site.conf" & pid=$!
for _ in $(seq 100); do grep -q 'resuming normal operations' "$dir/error.log" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
created() { grep -c 'interpreter ".*" created' "$dir/error.log" || true; }
base=$(rss)
echo "modpy's python: $(grep -o 'Python [0-9.]*' "$dir/error.log" | head -1) ($(ldd "$bin" | awk '/libpython/ {print $3}'))"
echo "handler: $([ -n "${IMPORTS:-}" ] && echo 'imports json, decimal, datetime, re, hashlib' || echo 'imports nothing beyond mod_python')"
echo
echo "| named interpreters | interpreters created (incl. main_interpreter) | VmRSS (KiB) | growth over 0 (KiB) | per interpreter (KiB) |"
echo "|---:|---:|---:|---:|---:|"
printf '| 0 | %d | %d | 0 | - |\n' "$(created)" "$base"
done_n=0
for n in "${counts[@]}"; do
  for i in $(seq "$done_n" $((n - 1))); do
    body=$(curl -sf "http://127.0.0.1:$port/$(printf 'd%03d' "$i")/h.py") || { echo "request d$i failed; log:" >&2; tail "$dir/error.log" >&2; exit 1; }
    case "$body" in *"d$(printf '%03d' "$i")/"*) ;; *) echo "unexpected body for d$i: $body" >&2; exit 1 ;; esac
  done
  done_n=$n
  sleep 0.5
  r=$(rss)
  awk -v n="$n" -v c="$(created)" -v r="$r" -v b="$base" \
    'BEGIN { printf "| %d | %d | %d | %d | %.0f |\n", n, c, r, r - b, (r - b) / n }'
done
