#!/usr/bin/env bash
# Hello-world throughput: modpy vs Apache httpd + mod_python, one process each
# (default) or on all cores (WORKERS=all: Apache with one child per core against
# the modpy master with one worker per core).
#
# Run as root from the repo root (`make bench` calls it):
#     bash bench/hello.sh
#
# Environment knobs:
#   ROUNDS=3      measured rounds per server (alternating between servers)
#   DURATION=10s  length of one measured wrk run
#   WARMUP=3s     length of the warm-up run per server
#   CONNS=32      wrk connections            THREADS=2  wrk threads
#   MODPY_BIN=/path/to/modpy   use this binary instead of building one
#   ONLY=apache|modpy          benchmark just one side (no ratio printed)
#   URL_PATH=/    path requested from both servers
#   WORKERS=1     1: Apache with one child, `modpy -X`;
#                 all: Apache with $(nproc) children (StartServers = ServerLimit),
#                 `modpy -f` (master) with StartServers $(nproc)
#   APACHE_THREADS  Apache's ThreadsPerChild (MaxRequestWorkers = children x this);
#                   default 25, or 2 x CONNS / processes when that is more
#   MODPY_THREADS   modpy's ThreadsPerChild (per worker), the same default
#   SLEEP_MS=0    >0: the handler sleeps this long (time.sleep) before writing
#   PIN=0         1: keep wrk off the servers' cores: wrk runs on the last
#                 $WRK_CPUS CPU(s) (default 1), both servers on the others
#                 (taskset), and WORKERS=all counts only the servers' CPUs.
#                 Without it wrk shares every core with the server it loads.
set -euo pipefail

ONLY=${ONLY:-}
URL_PATH=${URL_PATH:-/}
SLEEP_MS=${SLEEP_MS:-0}
REPO=$(pwd)
BENCH_NAME=hello.sh
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh" 2>/dev/null || { echo "hello.sh: run me from the repo root (bash bench/hello.sh)" >&2; exit 2; }
bench_setup

case "$ONLY" in ""|apache|modpy) ;; *) echo "hello.sh: ONLY must be apache or modpy" >&2; exit 2 ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

mkdir -p "$OUT"

# ---------------------------------------------------------------- 1. tools
need_pkgs=()
want apache && { [ -x /usr/sbin/apache2 ] || need_pkgs+=(apache2); }
want apache && { [ -f /usr/lib/apache2/modules/mod_python.so ] || need_pkgs+=(libapache2-mod-python); }
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
install_missing "${need_pkgs[@]}"

want modpy && modpy_binary "ONLY=apache runs the Apache half alone"

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d /tmp/modpy-bench.XXXXXX)
APACHE_PID=""
MODPY_PID=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$?
    set +e
    stop_pid "$APACHE_PID"
    stop_pid "$MODPY_PID"
    wait 2>/dev/null
    rm -rf "$TMP"
    exit "$rc"
}
set_traps

# Apache's children run as www-data when we are root: everything must be readable.
chmod 755 "$TMP"

cat >"$TMP/hello.py" <<EOF
from mod_python import apache
import time
SLEEP = $SLEEP_MS / 1000.0
def handler(req):
    if SLEEP:
        time.sleep(SLEEP)
    req.content_type = "text/plain"
    req.write("hello from %s\n" % req.interpreter)
    return apache.OK
EOF
chmod 644 "$TMP/hello.py"

# ---------------------------------------------------------------- 2. Apache + mod_python
if want apache; then
    APACHE_PORT=$(free_port)
    { apache_conf_head "$TMP" "$APACHE_PORT"; apache_mpm_conf; } >"$TMP/apache.conf"
    cat >>"$TMP/apache.conf" <<EOF

# No access log (no mod_log_config loaded): logging is kept equal on both sides.
DocumentRoot "$TMP"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$TMP">
    AllowOverride None
    Require all granted
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    log "starting apache2 ($APACHE_MODE) on 127.0.0.1:$APACHE_PORT"
    # Embedded CPython of mod_python is the system one; keep pyenv's hints away.
    on_servers env -u PYTHONPATH -u PYTHONHOME /usr/sbin/apache2 -f "$TMP/apache.conf" -DFOREGROUND \
        >"$TMP/apache_stdout.log" 2>&1 &
    APACHE_PID=$!
    if ! wait_up apache "$APACHE_PID" "http://127.0.0.1:$APACHE_PORT$URL_PATH" "hello from" "$TMP/apache_error.log"; then
        cat "$TMP/apache_stdout.log" >&2 || true
        exit 1
    fi
fi

# ---------------------------------------------------------------- 3. modpy
if want modpy; then
    MODPY_PORT=$(free_port)
    cat >"$TMP/modpy.conf" <<EOF
Listen 127.0.0.1:$MODPY_PORT
ServerName localhost
DocumentRoot $TMP
ErrorLog $TMP/modpy_error.log
PidFile $TMP/modpy.pid
StartServers $NPROCS
ThreadsPerChild $MODPY_THREADS
<Directory $TMP>
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    log "starting modpy $MODPY_MODE on 127.0.0.1:$MODPY_PORT ($MODPY)"
    if [ "$WORKERS" = all ]; then
        on_servers "$MODPY" -f "$TMP/modpy.conf" >"$TMP/modpy_stdout.log" 2>&1 &
    else
        on_servers "$MODPY" -X -f "$TMP/modpy.conf" >"$TMP/modpy_stdout.log" 2>&1 &
    fi
    MODPY_PID=$!
    if ! wait_up modpy "$MODPY_PID" "http://127.0.0.1:$MODPY_PORT$URL_PATH" "hello from" "$TMP/modpy_stdout.log"; then
        cat "$TMP/modpy_error.log" >&2 2>/dev/null || true
        exit 1
    fi
fi

# ---------------------------------------------------------------- 4. wrk
servers=()
want apache && servers+=(apache)
want modpy && servers+=(modpy)
port_of() { if [ "$1" = apache ]; then echo "$APACHE_PORT"; else echo "$MODPY_PORT"; fi; }

STAMP=$(date +%Y%m%d-%H%M%S)
TAG=hello
[ "$WORKERS" = all ] && TAG="$TAG-all"
[ "$SLEEP_MS" != 0 ] && TAG="$TAG-sleep${SLEEP_MS}ms"
[ "$PIN" = 1 ] && TAG="$TAG-pinned"
RAW="$OUT/$TAG-$STAMP"
mkdir -p "$RAW"

pid_of() { if [ "$1" = apache ]; then echo "$APACHE_PID"; else echo "$MODPY_PID"; fi; }
url_of() { echo "http://127.0.0.1:$(port_of "$1")$URL_PATH"; }

log "warm-up: $WARMUP per server"
for s in "${servers[@]}"; do run_wrk "$s" "$(url_of "$s")" "$WARMUP" "$RAW/warmup-$s.txt"; done

declare -A RPS P99 SOCK BAD CPU
for r in $(seq "$ROUNDS"); do
    # Alternate who goes first so neither side always gets the warmer machine.
    order=("${servers[@]}")
    if [ ${#servers[@]} -eq 2 ] && [ $((r % 2)) -eq 0 ]; then order=("${servers[1]}" "${servers[0]}"); fi
    for s in "${order[@]}"; do
        log "round $r/$ROUNDS: $s (${DURATION}, -t$THREADS -c$CONNS)"
        measure "$s" "$(pid_of "$s")" "$(url_of "$s")" "$RAW/round$r-$s.txt"
    done
done

# Copy servers' error logs next to the raw wrk output.
for s in "${servers[@]}"; do
    cp "$TMP/${s}_error.log" "$RAW/${s}_error.log" 2>/dev/null || true
done

# ---------------------------------------------------------------- table
declare -A MED_RPS MED_P99 MED_CPU
TABLE="$RAW/table.md"
{
    print_table "${servers[@]}"
    if want apache && want modpy; then
        awk -v m="${MED_RPS[modpy]}" -v a="${MED_RPS[apache]}" -v mp="${MED_P99[modpy]}" -v ap="${MED_P99[apache]}" \
            'BEGIN { printf "\nmodpy/apache: %.2fx median req/s, %.2fx median p99\n", (a > 0 ? m / a : 0), (ap > 0 ? mp / ap : 0) }'
        if [ "$WORKERS" = all ] && [ "$SLEEP_MS" = 0 ]; then
            awk -v m="${MED_RPS[modpy]}" -v a="${MED_RPS[apache]}" \
                -v how="$(if [ "$PIN" = 1 ]; then echo "servers on $SERVER_CPUS of $ALL_CPUS cores, wrk on the rest"; else echo "all cores, shared with wrk"; fi)" \
                'BEGIN { r = (a > 0 ? m / a : 0); printf "bar (issue 3, %s): modpy >= 1.50x apache req/s: %s (%.2fx)\n", how, (r >= 1.5 ? "met" : "NOT met"), r }'
        fi
    fi
} >"$TABLE"

# ---------------------------------------------------------------- 5. versions
{
    echo
    echo "command: PIN=$PIN WORKERS=$WORKERS SLEEP_MS=$SLEEP_MS APACHE_THREADS=$APACHE_THREADS MODPY_THREADS=$MODPY_THREADS ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP: wrk -t$THREADS -c$CONNS -d$DURATION --latency http://127.0.0.1:PORT$URL_PATH"
    machine_lines
    if want apache; then
        echo "apache: $(/usr/sbin/apache2 -v | sed -n 's/^Server version: //p'), $APACHE_MODE, MaxKeepAliveRequests 0"
        echo "mod_python: libapache2-mod-python $(dpkg-query -W -f='${Version}' libapache2-mod-python 2>/dev/null || echo '?')"
        echo "mod_python's python: $(/usr/bin/python3 --version 2>&1) ($( (ldd /usr/lib/apache2/modules/mod_python.so || true) | awk '/libpython/ {print $3}'))"
    fi
    echo "python3 on PATH: $(python3 --version 2>&1) ($(command -v python3))"
    if want modpy; then
        modpy_lines "$MODPY" "$MODPY_MODE"
    fi
} >>"$TABLE"

echo
cat "$TABLE"
echo
echo "raw wrk output and server error logs: ${RAW#"$REPO"/}/"
error_log_notes "$RAW" "${servers[@]}"
exit 0
