#!/usr/bin/env bash
# Requests lost to graceful restarts: ROUNDS runs of `wrk -t1 -c8`, each with
# one graceful restart in its middle, while BURNERS shell loops keep the CPUs
# busy (new workers then start slowly, and old ones drain in small steps).
# Prints wrk's errors (a request that got no response) per round and in all.
#
# Run from the repo root:
#     bash bench/graceful.sh                  # modpy, master with 2 workers
#     SERVER=apache bash bench/graceful.sh    # Apache 2.4 event + mod_python
#
# Environment knobs:
#   ROUNDS=10  DURATION=6s  CONNS=8  BURNERS=2  WORKERS=2
#   SERVER=modpy|apache
#   MODPY_BIN=/path/to/modpy   use this binary instead of building one
set -euo pipefail

ROUNDS=${ROUNDS:-10}
DURATION=${DURATION:-6s}
CONNS=${CONNS:-8}
BURNERS=${BURNERS:-2}
WORKERS=${WORKERS:-2}
SERVER=${SERVER:-modpy}
MODPY_BIN=${MODPY_BIN:-}

die() { printf 'graceful.sh: %s\n' "$*" >&2; exit 1; }
command -v wrk >/dev/null 2>&1 || die "needs wrk"
command -v curl >/dev/null 2>&1 || die "needs curl"
REPO=$(pwd)
[ -f "$REPO/go.mod" ] && [ -d "$REPO/bench" ] || die "run me from the repo root"

TMP=$(mktemp -d /tmp/modpy-graceful.XXXXXX)
chmod 755 "$TMP"
SERVER_PID=""
BURN_PIDS=()
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$?
    set +e
    [ ${#BURN_PIDS[@]} -gt 0 ] && kill "${BURN_PIDS[@]}" 2>/dev/null
    # The server's own stop, then a kill if it is still there after 10 s.
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null &&
        ! timeout 10 tail --pid="$SERVER_PID" -f /dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cat >"$TMP/hello.py" <<'EOF'
from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("hello\n")
    return apache.OK
EOF
chmod 644 "$TMP/hello.py"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

case "$SERVER" in
modpy)
    if [ -z "$MODPY_BIN" ]; then
        go build -o "$TMP/modpy" ./cmd/modpy || die "go build failed"
        MODPY_BIN="$TMP/modpy"
    fi
    cat >"$TMP/site.conf" <<EOF
Listen 127.0.0.1:$PORT
ServerName localhost
PidFile $TMP/modpy.pid
ErrorLog $TMP/error.log
StartServers $WORKERS
DocumentRoot $TMP
<Directory $TMP>
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    "$MODPY_BIN" -f "$TMP/site.conf" &
    SERVER_PID=$!
    graceful() { "$MODPY_BIN" -k graceful -f "$TMP/site.conf"; }
    ;;
apache)
    [ -x /usr/sbin/apache2 ] && [ -f /usr/lib/apache2/modules/mod_python.so ] || die "needs apache2 and libapache2-mod-python"
    # shellcheck source=bench/lib.sh
    . "$REPO/bench/lib.sh"
    apache_conf_head "$TMP" "$PORT" >"$TMP/apache.conf"
    ln -s apache_error.log "$TMP/error.log"
    cat >>"$TMP/apache.conf" <<EOF
StartServers $WORKERS
ServerLimit $((2 * WORKERS))
ThreadsPerChild 25
MaxRequestWorkers $((25 * WORKERS))
MinSpareThreads 1
MaxSpareThreads $((25 * WORKERS))
DocumentRoot "$TMP"
<Directory "$TMP">
    Require all granted
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    /usr/sbin/apache2 -f "$TMP/apache.conf" -DFOREGROUND &
    SERVER_PID=$!
    graceful() { /usr/sbin/apache2 -f "$TMP/apache.conf" -k graceful; }
    ;;
*) die "SERVER must be modpy or apache" ;;
esac

for _ in $(seq 100); do
    curl -sf --max-time 2 "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/error.log" >&2; die "$SERVER exited"; }
    sleep 0.1
done
for _ in $(seq "$BURNERS"); do
    sh -c 'while :; do :; done' &
    BURN_PIDS+=($!)
done

half=$(( ${DURATION%s} / 2 ))
total=0
for r in $(seq "$ROUNDS"); do
    wrk -t1 -c"$CONNS" -d"$DURATION" "http://127.0.0.1:$PORT/" >"$TMP/wrk.out" 2>&1 &
    wrk_pid=$!
    sleep "$half"
    graceful
    wait "$wrk_pid"
    # "Socket errors: connect 0, read 3, write 0, timeout 0" and
    # "Non-2xx or 3xx responses: N" are absent when zero.
    errs=$(awk '/Socket errors/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
                /Non-2xx/ { n += $NF } END { print n + 0 }' "$TMP/wrk.out")
    reqs=$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")
    printf 'round %2d: %8s requests, %3d failed %s\n' "$r" "$reqs" "$errs" \
        "$(grep -E 'Socket errors|Non-2xx' "$TMP/wrk.out" | tr -s ' \n' ' ')"
    total=$((total + errs))
done
printf '%s: %d failed requests in %d graceful restarts (wrk -t1 -c%s -d%s, %d CPU burners)\n' \
    "$SERVER" "$total" "$ROUNDS" "$CONNS" "$DURATION" "$BURNERS"
