#!/usr/bin/env bash
# What one end-and-recreate cycle of a sub-interpreter leaks inside CPython:
# modpy -X with PythonInterpMaxRequests 1 (every request ends its
# interpreter), RSS read from /proc after warm-up and after N more cycles.
# Usage: bash bench/interp_cycle.sh [cycles]   (MODPY_BIN to skip the build;
# BARE=1 for a handler that imports nothing beyond mod_python)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-300}
bin=${MODPY_BIN:-}
if [ -z "$bin" ]; then
  mkdir -p bench/.out
  go build -o bench/.out/modpy ./cmd/modpy
  bin=bench/.out/modpy
fi
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$dir/h.py" <<'PY'
from mod_python import apache
import json, decimal, datetime, re, hashlib
def handler(req):
    req.write(json.dumps({"d": str(decimal.Decimal(1) / 3), "t": datetime.date.today().isoformat(),
                          "h": hashlib.sha1(b"x").hexdigest(), "r": bool(re.match("a", "a"))}))
    return apache.OK
PY
if [ -n "${BARE:-}" ]; then
  printf 'from mod_python import apache\ndef handler(req):\n    req.write("x")\n    return apache.OK\n' > "$dir/h.py"
fi
cat > "$dir/site.conf" <<CONF
Listen 127.0.0.1:$port
ServerName localhost
DocumentRoot $dir
ErrorLog $dir/error.log
<Directory $dir>
    SetHandler mod_python
    PythonHandler h
    PythonInterpMaxRequests 1
</Directory>
CONF
"$bin" -X -f "$dir/site.conf" & pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
ended() { grep -c 'ended (PythonInterpMaxRequests' "$dir/error.log" || true; }
run() { # n cycles, each waiting until its interpreter has ended
  local n=$1 target
  for _ in $(seq "$n"); do
    target=$(( $(ended) + 1 ))
    curl -sf "http://127.0.0.1:$port/" >/dev/null
    while [ "$(ended)" -lt "$target" ]; do sleep 0.005; done
  done
}
rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }
run 30
before=$(rss)
start=$(date +%s.%N)
run "$cycles"
end=$(date +%s.%N)
after=$(rss)
echo "modpy's python: $(grep -o 'Python [0-9.]*' "$dir/error.log" | head -1) ($(ldd "$bin" | awk '/libpython/ {print $3}'))"
echo "cycles: $cycles   RSS before: ${before} KiB   after: ${after} KiB"
awk -v b="$before" -v a="$after" -v n="$cycles" -v s="$start" -v e="$end" \
  'BEGIN { printf "leak per end-and-recreate cycle: %.1f KiB   time per cycle: %.1f ms\n", (a-b)/n, (e-s)*1000/n }'
