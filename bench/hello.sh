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

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
ONLY=${ONLY:-}
URL_PATH=${URL_PATH:-/}
MODPY_BIN=${MODPY_BIN:-}
WORKERS=${WORKERS:-1}
SLEEP_MS=${SLEEP_MS:-0}
PIN=${PIN:-0}
WRK_CPUS=${WRK_CPUS:-1}
ALL_CPUS=$(nproc)
SERVER_CPUS=$ALL_CPUS
case "$PIN" in
    0) ;;
    1)
        if ! [[ "$WRK_CPUS" =~ ^[1-9][0-9]*$ ]] || [ "$WRK_CPUS" -ge "$ALL_CPUS" ]; then
            echo "hello.sh: PIN=1 needs WRK_CPUS between 1 and $((ALL_CPUS - 1)) (this machine has $ALL_CPUS CPUs)" >&2
            exit 2
        fi
        command -v taskset >/dev/null 2>&1 || { echo "hello.sh: PIN=1 needs taskset (util-linux)" >&2; exit 2; }
        SERVER_CPUS=$((ALL_CPUS - WRK_CPUS))
        SERVER_SET="0-$((SERVER_CPUS - 1))"
        WRK_SET="$SERVER_CPUS-$((ALL_CPUS - 1))"
        ;;
    *) echo "hello.sh: PIN must be 0 or 1" >&2; exit 2 ;;
esac
# on_servers CMD...: run CMD on the servers' CPUs; on_wrk CMD...: on wrk's.
# on_servers replaces the (background) subshell it runs in, so that $! is
# the server's own pid.
on_servers() { if [ "$PIN" = 1 ]; then exec taskset -c "$SERVER_SET" "$@"; else exec "$@"; fi; }
on_wrk() { if [ "$PIN" = 1 ]; then taskset -c "$WRK_SET" "$@"; else "$@"; fi; }
case "$WORKERS" in
    1) NPROCS=1 ;;
    all) NPROCS=$SERVER_CPUS ;;
    *) echo "hello.sh: WORKERS must be 1 or all" >&2; exit 2 ;;
esac
# Threads per process: 25 (Apache's default), or twice a process's share
# of wrk's connections when that is more. With fewer, Apache's event MPM
# closes keep-alive connections when its threads are nearly all taken
# (wrk counts socket errors and reconnects), or turns them away ("server
# reached MaxRequestWorkers"). modpy gets the same number.
DEFAULT_THREADS=$(( 2 * ((CONNS + NPROCS - 1) / NPROCS) ))
[ "$DEFAULT_THREADS" -lt 25 ] && DEFAULT_THREADS=25
APACHE_THREADS=${APACHE_THREADS:-$DEFAULT_THREADS}
MODPY_THREADS=${MODPY_THREADS:-$DEFAULT_THREADS}
APACHE_MRW=$((NPROCS * APACHE_THREADS))
if [ "$WORKERS" = all ]; then
    MODPY_MODE="master (modpy -f, no -X), StartServers $NPROCS, ThreadsPerChild $MODPY_THREADS"
else
    MODPY_MODE="-X (one process), ThreadsPerChild $MODPY_THREADS"
fi
APACHE_MODE="mpm_event, $NPROCS child(ren) x $APACHE_THREADS threads (MaxRequestWorkers $APACHE_MRW)"

case "$ONLY" in ""|apache|modpy) ;; *) echo "hello.sh: ONLY must be apache or modpy" >&2; exit 2 ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }

REPO=$(pwd)
if [ ! -f "$REPO/go.mod" ] || [ ! -d "$REPO/bench" ]; then
    echo "hello.sh: run me from the repo root (bash bench/hello.sh)" >&2
    exit 2
fi
OUT="$REPO/bench/.out"
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh"
mkdir -p "$OUT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'hello.sh: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- 1. tools
need_pkgs=()
want apache && { [ -x /usr/sbin/apache2 ] || need_pkgs+=(apache2); }
want apache && { [ -f /usr/lib/apache2/modules/mod_python.so ] || need_pkgs+=(libapache2-mod-python); }
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    [ "$(id -u)" -eq 0 ] || die "missing packages (${need_pkgs[*]}) and not root to install them"
    log "installing ${need_pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null \
        || die "apt-get install ${need_pkgs[*]} failed"
    # Debian's postinst may have started the system apache on :80; it does not
    # matter for us (we use our own port and config), but say so.
    if pgrep -x apache2 >/dev/null 2>&1; then log "note: a system apache2 is running too"; fi
fi

if want modpy; then
    if [ -n "$MODPY_BIN" ]; then
        [ -x "$MODPY_BIN" ] || die "MODPY_BIN=$MODPY_BIN is not an executable"
        MODPY="$MODPY_BIN"
    else
        log "building modpy"
        if ! go build -o "$OUT/modpy" ./cmd/modpy; then
            die "go build -o bench/.out/modpy ./cmd/modpy failed; cannot benchmark modpy (ONLY=apache runs the Apache half alone)"
        fi
        MODPY="$OUT/modpy"
    fi
fi

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d /tmp/modpy-bench.XXXXXX)
APACHE_PID=""
MODPY_PID=""
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$?
    set +e
    if [ -n "$APACHE_PID" ] && kill -0 "$APACHE_PID" 2>/dev/null; then
        kill -TERM "$APACHE_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$APACHE_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$APACHE_PID" 2>/dev/null
    fi
    if [ -n "$MODPY_PID" ] && kill -0 "$MODPY_PID" 2>/dev/null; then
        kill -TERM "$MODPY_PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$MODPY_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$MODPY_PID" 2>/dev/null
    fi
    wait 2>/dev/null
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# wait_up NAME PID PORT LOGFILE: poll until GET answers "hello from" (30 s max)
wait_up() {
    local name=$1 pid=$2 port=$3 logf=$4 body
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "hello.sh: $name exited during start-up; its log ($logf):" >&2
            cat "$logf" >&2 2>/dev/null || true
            return 1
        fi
        body=$(curl -s --max-time 2 "http://127.0.0.1:$port$URL_PATH" 2>/dev/null || true)
        if [[ "$body" == "hello from"* ]]; then
            log "$name answers on :$port: $body"
            return 0
        fi
        sleep 0.1
    done
    echo "hello.sh: $name did not answer \"hello from\" on :$port within 30 s (last body: ${body:-<none>}); its log ($logf):" >&2
    cat "$logf" >&2 2>/dev/null || true
    return 1
}

# ---------------------------------------------------------------- 2. Apache + mod_python
if want apache; then
    APACHE_PORT=$(free_port)
    apache_conf_head "$TMP" "$APACHE_PORT" >"$TMP/apache.conf"
    cat >>"$TMP/apache.conf" <<EOF

# $NPROCS child process(es), $APACHE_THREADS worker threads each, a fixed count.
StartServers        $NPROCS
ServerLimit         $NPROCS
ThreadLimit         $APACHE_THREADS
ThreadsPerChild     $APACHE_THREADS
MaxRequestWorkers   $APACHE_MRW
MinSpareThreads     1
MaxSpareThreads     $APACHE_MRW
MaxConnectionsPerChild 0

# wrk keeps its connections open; don't make Apache close them every 100 requests.
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5

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
    if ! wait_up apache "$APACHE_PID" "$APACHE_PORT" "$TMP/apache_error.log"; then
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
    if ! wait_up modpy "$MODPY_PID" "$MODPY_PORT" "$TMP/modpy_stdout.log"; then
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

# run_wrk SERVER DURATION OUTFILE
run_wrk() {
    local port
    port=$(port_of "$1")
    {
        echo "# wrk -t$THREADS -c$CONNS -d$2 --latency http://127.0.0.1:$port$URL_PATH  ($1)"
        on_wrk wrk -t"$THREADS" -c"$CONNS" -d"$2" --latency "http://127.0.0.1:$port$URL_PATH"
    } >"$3" 2>&1 || { echo "hello.sh: wrk failed against $1:" >&2; cat "$3" >&2; exit 1; }
}

# parse_wrk FILE -> "rps p99_ms sockerr non2xx requests"
# wrk counts a connection the server closed between keep-alive requests as a
# socket "read" error (it reconnects and goes on); non-2xx/3xx are real failures.
parse_wrk() {
    awk '
    function ms(v) {
        if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
        if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
        if (v ~ /m$/)  { sub(/m$/, "", v);  return v * 60000 }
        if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
        return v + 0
    }
    /^Requests\/sec:/           { rps = $2 }
    / requests in /             { reqs = $1 }
    $1 == "99%"                 { p99 = ms($2) }
    /Socket errors:/            { gsub(/,/, ""); sock += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { bad += $NF }
    END {
        if (rps == "") rps = "NaN"; if (p99 == "") p99 = "NaN"
        printf "%s %.3f %d %d %d\n", rps, p99, sock, bad, reqs
    }' "$1"
}

# tree_ticks PID: user+system CPU ticks of PID and its children (Apache's
# parent and children; modpy's master and workers; or the one -X process).
CLK_TCK=$(getconf CLK_TCK)
tree_ticks() {
    local t=0 p v
    for p in "$1" $(pgrep -P "$1" || true); do
        v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        t=$((t + v))
    done
    echo "$t"
}
pid_of() { if [ "$1" = apache ]; then echo "$APACHE_PID"; else echo "$MODPY_PID"; fi; }

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

log "warm-up: $WARMUP per server"
for s in "${servers[@]}"; do run_wrk "$s" "$WARMUP" "$RAW/warmup-$s.txt"; done

declare -A RPS P99 SOCK BAD CPU
for r in $(seq "$ROUNDS"); do
    # Alternate who goes first so neither side always gets the warmer machine.
    order=("${servers[@]}")
    if [ ${#servers[@]} -eq 2 ] && [ $((r % 2)) -eq 0 ]; then order=("${servers[1]}" "${servers[0]}"); fi
    for s in "${order[@]}"; do
        log "round $r/$ROUNDS: $s (${DURATION}, -t$THREADS -c$CONNS)"
        f="$RAW/round$r-$s.txt"
        t0=$(tree_ticks "$(pid_of "$s")")
        run_wrk "$s" "$DURATION" "$f"
        t1=$(tree_ticks "$(pid_of "$s")")
        read -r rps p99 sock bad reqs < <(parse_wrk "$f")
        # the server's CPU time (user + system, all its processes) per request, in µs
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }')
        CPU[$s]="${CPU[$s]:-} $cpu"
        RPS[$s]="${RPS[$s]:-} $rps"
        P99[$s]="${P99[$s]:-} $p99"
        SOCK[$s]=$(( ${SOCK[$s]:-0} + sock ))
        BAD[$s]=$(( ${BAD[$s]:-0} + bad ))
        log "  $s: $rps req/s, p99 ${p99} ms, socket errors $sock, non-2xx/3xx $bad, server CPU ${cpu} us/req"
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
    printf '| server |'
    for r in $(seq "$ROUNDS"); do printf ' round %d req/s |' "$r"; done
    printf ' median req/s | median p99 (ms) | socket errors | non-2xx/3xx | server CPU µs/req | server CPU (cores) |\n|---|'
    for r in $(seq "$ROUNDS"); do printf -- '---:|'; done
    printf -- '---:|---:|---:|---:|---:|---:|\n'
    for s in "${servers[@]}"; do
        # shellcheck disable=SC2086
        set -- ${RPS[$s]}
        printf '| %s |' "$s"
        for v in "$@"; do printf ' %.0f |' "$v"; done
        MED_RPS[$s]=$(median "$@")
        # shellcheck disable=SC2086
        MED_P99[$s]=$(median ${P99[$s]})
        # shellcheck disable=SC2086
        MED_CPU[$s]=$(median ${CPU[$s]})
        printf ' %.0f | %.2f | %d | %d | %.1f | %.2f |\n' "${MED_RPS[$s]}" "${MED_P99[$s]}" "${SOCK[$s]}" "${BAD[$s]}" \
            "${MED_CPU[$s]}" "$(awk -v c="${MED_CPU[$s]}" -v r="${MED_RPS[$s]}" 'BEGIN { print c * r / 1e6 }')"
    done
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
    os_name=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null)
    [ "$PIN" = 1 ] && echo "pinning (taskset): servers on CPUs $SERVER_SET, wrk on CPU(s) $WRK_SET"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), ${os_name:-unknown OS}, $(uname -r)"
    echo "wrk: $(wrk -v 2>&1 | head -n1 | sed 's/ \[.*//')"
    if want apache; then
        echo "apache: $(/usr/sbin/apache2 -v | sed -n 's/^Server version: //p'), $APACHE_MODE, MaxKeepAliveRequests 0"
        echo "mod_python: libapache2-mod-python $(dpkg-query -W -f='${Version}' libapache2-mod-python 2>/dev/null || echo '?')"
        echo "mod_python's python: $(/usr/bin/python3 --version 2>&1) ($( (ldd /usr/lib/apache2/modules/mod_python.so || true) | awk '/libpython/ {print $3}'))"
    fi
    echo "python3 on PATH: $(python3 --version 2>&1) ($(command -v python3))"
    if want modpy; then
        commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
        [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] && commit="$commit (dirty work tree)"
        echo "modpy: $MODPY, git $commit, $MODPY_MODE"
        lp=$( (ldd "$MODPY" 2>/dev/null || true) | awk '/libpython/ {print $1 " => " $3}')
        echo "modpy's python: ${lp:-statically linked or not found by ldd}"
    fi
} >>"$TABLE"

echo
cat "$TABLE"
echo
echo "raw wrk output and server error logs: ${RAW#"$REPO"/}/"
for s in "${servers[@]}"; do
    # Apache logs its start-up at "notice" level even with LogLevel warn; skip those.
    n=$(grep -v -E '\[[a-z_:]*notice\]' "$RAW/${s}_error.log" 2>/dev/null | grep -c . || true)
    if [ "${n:-0}" -gt 0 ]; then
        echo "note: $s error log has $n non-notice line(s), e.g.:"
        # (head closes the pipe early: ignore the SIGPIPE under pipefail)
        { grep -v -E '\[[a-z_:]*notice\]' "$RAW/${s}_error.log" | sort -u -k4 | head -n 5 | sed 's/^/    /'; } || true
    fi
done
exit 0
