#!/usr/bin/env bash
# HTTP/2 throughput: modpy vs Apache httpd + mod_http2 (+ mod_python), one
# process each, loaded by h2load (Debian's nghttp2-client): h2c by prior
# knowledge on a plain port, or (TLS=1) h2 over TLS by ALPN (Apache with
# mod_ssl). The handler is hello.sh's mod_python hello.
#
# Run as root from the repo root (`make bench-h2` calls it):
#     bash bench/h2.sh
#
# Environment knobs:
#   ROUNDS=3       measured rounds per server (alternating which goes first)
#   DURATION=10    seconds of one measured h2load run (h2load -D)
#   WARMUP=3       seconds of the warm-up run per server
#   CLIENTS=16     h2load connections (-c)      STREAMS=8  streams in flight per connection (-m)
#   H2THREADS=1    h2load threads (-t)
#   TLS=0          1: https:// with ALPN h2 (both servers get a self-signed certificate)
#   URL_PATH=/     path requested from both servers
#   MODPY_BIN=/path/to/modpy   use this binary instead of building one
#   ONLY=apache|modpy          benchmark just one side (no ratio printed)
#   THREADS_PER_CHILD=25       Apache's and modpy's ThreadsPerChild
set -euo pipefail

ONLY=${ONLY:-}
URL_PATH=${URL_PATH:-/}
TLS=${TLS:-0}
CLIENTS=${CLIENTS:-16}
STREAMS=${STREAMS:-8}
H2THREADS=${H2THREADS:-1}
REPO=$(pwd)
BENCH_NAME=h2.sh
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh" 2>/dev/null || { echo "h2.sh: run me from the repo root (bash bench/h2.sh)" >&2; exit 2; }
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
bench_setup
APACHE_THREADS=${THREADS_PER_CHILD:-25}
MODPY_THREADS=${THREADS_PER_CHILD:-25}
APACHE_MRW=$APACHE_THREADS

case "$ONLY" in ""|apache|modpy) ;; *) die "ONLY must be apache or modpy" ;; esac
case "$TLS" in 0|1) ;; *) die "TLS must be 0 or 1" ;; esac
want() { [ -z "$ONLY" ] || [ "$ONLY" = "$1" ]; }
mkdir -p "$OUT"

need_pkgs=()
want apache && { [ -x /usr/sbin/apache2 ] || need_pkgs+=(apache2); }
want apache && { [ -f /usr/lib/apache2/modules/mod_python.so ] || need_pkgs+=(libapache2-mod-python); }
command -v h2load >/dev/null 2>&1 || need_pkgs+=(nghttp2-client)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
[ "$TLS" = 1 ] && { command -v openssl >/dev/null 2>&1 || need_pkgs+=(openssl); }
install_missing "${need_pkgs[@]}"
want modpy && modpy_binary "ONLY=apache runs the Apache half alone"

TMP=$(mktemp -d /tmp/modpy-bench-h2.XXXXXX)
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
chmod 755 "$TMP"

cat >"$TMP/hello.py" <<'EOF'
from mod_python import apache
def handler(req):
    req.content_type = "text/plain"
    req.write("hello from %s over %s\n" % (req.interpreter, req.protocol))
    return apache.OK
EOF
chmod 644 "$TMP/hello.py"

SCHEME=http
CURL_H2=--http2-prior-knowledge
PROTOCOLS="h2c http/1.1"
TLS_CONF=""
if [ "$TLS" = 1 ]; then
    SCHEME=https
    CURL_H2=--http2
    PROTOCOLS="h2 http/1.1"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
        -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
        -keyout "$TMP/key.pem" -out "$TMP/cert.pem" >/dev/null 2>&1 || die "openssl could not make a certificate"
    chmod 644 "$TMP/key.pem" "$TMP/cert.pem"
    export CURL_CA_BUNDLE="$TMP/cert.pem" # wait_up's curl and ours trust it
    TLS_CONF="SSLEngine on
SSLCertificateFile $TMP/cert.pem
SSLCertificateKeyFile $TMP/key.pem"
fi

# ---------------------------------------------------------------- Apache + mod_http2 + mod_python
if want apache; then
    APACHE_PORT=$(free_port)
    {
        apache_conf_head "$TMP" "$APACHE_PORT"
        apache_mpm_conf
        echo "LoadModule http2_module /usr/lib/apache2/modules/mod_http2.so"
        [ "$TLS" = 1 ] && echo "LoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so"
        cat <<EOF
Protocols $PROTOCOLS
$TLS_CONF
# No access log (no mod_log_config loaded): logging is kept equal on both sides.
DocumentRoot "$TMP"
<Directory "$TMP">
    AllowOverride None
    Require all granted
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    } >"$TMP/apache.conf"
    log "starting apache2 (mpm_event, 1 child x $APACHE_THREADS threads, mod_http2, Protocols $PROTOCOLS) on 127.0.0.1:$APACHE_PORT"
    on_servers env -u PYTHONPATH -u PYTHONHOME /usr/sbin/apache2 -f "$TMP/apache.conf" -DFOREGROUND \
        >"$TMP/apache_stdout.log" 2>&1 &
    APACHE_PID=$!
    if ! wait_up apache "$APACHE_PID" "$SCHEME://127.0.0.1:$APACHE_PORT$URL_PATH" "hello from" "$TMP/apache_error.log"; then
        cat "$TMP/apache_stdout.log" >&2 || true
        exit 1
    fi
fi

# ---------------------------------------------------------------- modpy
if want modpy; then
    MODPY_PORT=$(free_port)
    cat >"$TMP/modpy.conf" <<EOF
Listen 127.0.0.1:$MODPY_PORT
ServerName localhost
DocumentRoot $TMP
ErrorLog $TMP/modpy_error.log
PidFile $TMP/modpy.pid
ThreadsPerChild $MODPY_THREADS
Protocols $PROTOCOLS
$TLS_CONF
<Directory $TMP>
    SetHandler mod_python
    PythonHandler hello
</Directory>
EOF
    log "starting modpy -X (ThreadsPerChild $MODPY_THREADS, Protocols $PROTOCOLS) on 127.0.0.1:$MODPY_PORT ($MODPY)"
    on_servers "$MODPY" -X -f "$TMP/modpy.conf" >"$TMP/modpy_stdout.log" 2>&1 &
    MODPY_PID=$!
    if ! wait_up modpy "$MODPY_PID" "$SCHEME://127.0.0.1:$MODPY_PORT$URL_PATH" "hello from" "$TMP/modpy_stdout.log"; then
        cat "$TMP/modpy_error.log" >&2 2>/dev/null || true
        exit 1
    fi
fi

servers=()
want apache && servers+=(apache)
want modpy && servers+=(modpy)
pid_of() { if [ "$1" = apache ]; then echo "$APACHE_PID"; else echo "$MODPY_PID"; fi; }
url_of() { if [ "$1" = apache ]; then echo "$SCHEME://127.0.0.1:$APACHE_PORT$URL_PATH"; else echo "$SCHEME://127.0.0.1:$MODPY_PORT$URL_PATH"; fi; }

# Both must answer over HTTP/2, or the comparison means nothing.
for s in "${servers[@]}"; do
    # shellcheck disable=SC2086
    body=$(curl -s $CURL_H2 --max-time 5 "$(url_of "$s")" || true)
    [[ "$body" == *"HTTP/2.0"* ]] || die "$s does not answer over HTTP/2 ($CURL_H2): ${body:-<nothing>}"
done

STAMP=$(date +%Y%m%d-%H%M%S)
TAG=h2c
[ "$TLS" = 1 ] && TAG=h2-tls
RAW="$OUT/$TAG-$STAMP"
mkdir -p "$RAW"

# run_h2load LABEL URL SECONDS OUTFILE
run_h2load() {
    {
        echo "# h2load -t$H2THREADS -c$CLIENTS -m$STREAMS -D$3 $2  ($1)"
        on_wrk h2load -t"$H2THREADS" -c"$CLIENTS" -m"$STREAMS" -D"$3" "$2"
    } >"$4" 2>&1 || { echo "h2.sh: h2load failed against $1:" >&2; cat "$4" >&2; exit 1; }
}

# parse_h2load FILE -> "rps mean_ms failed requests non2xx"
parse_h2load() {
    awk '
    function ms(v) {
        if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
        if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
        if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
        return v + 0
    }
    /^finished in/        { rps = $4 }
    /^requests:/          { done = $8; failed = $12 + $14 + $16 }
    /^status codes:/      { bad = $5 + $7 + $9 }
    /^time for request:/  { mean = ms($6) }
    END { printf "%s %.3f %d %d %d\n", rps, mean, failed, done, bad }' "$1"
}

declare -A RPS MEAN FAIL CPU
log "warm-up: ${WARMUP}s per server"
for s in "${servers[@]}"; do run_h2load "$s" "$(url_of "$s")" "$WARMUP" "$RAW/warmup-$s.txt"; done
for r in $(seq "$ROUNDS"); do
    order=("${servers[@]}")
    if [ ${#servers[@]} -eq 2 ] && [ $((r % 2)) -eq 0 ]; then order=("${servers[1]}" "${servers[0]}"); fi
    for s in "${order[@]}"; do
        f="$RAW/round$r-$s.txt"
        t0=$(tree_ticks "$(pid_of "$s")")
        run_h2load "$s" "$(url_of "$s")" "$DURATION" "$f"
        t1=$(tree_ticks "$(pid_of "$s")")
        read -r rps mean failed reqs bad < <(parse_h2load "$f")
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }')
        RPS[$s]="${RPS[$s]:-} $rps"
        MEAN[$s]="${MEAN[$s]:-} $mean"
        CPU[$s]="${CPU[$s]:-} $cpu"
        FAIL[$s]=$(( ${FAIL[$s]:-0} + failed + bad ))
        log "round $r/$ROUNDS: $s: $rps req/s, mean ${mean} ms, failed or non-2xx $((failed + bad)), server CPU ${cpu} us/req"
    done
done
for s in "${servers[@]}"; do cp "$TMP/${s}_error.log" "$RAW/${s}_error.log" 2>/dev/null || true; done

declare -A MED_RPS MED_CPU
TABLE="$RAW/table.md"
{
    printf '| server |'
    for r in $(seq "$ROUNDS"); do printf ' round %d req/s |' "$r"; done
    printf ' median req/s | median mean time (ms) | failed | server CPU µs/req |\n|---|'
    for r in $(seq "$ROUNDS"); do printf -- '---:|'; done
    printf -- '---:|---:|---:|---:|\n'
    for s in "${servers[@]}"; do
        # shellcheck disable=SC2086
        set -- ${RPS[$s]}
        printf '| %s |' "$s"
        for v in "$@"; do printf ' %.0f |' "$v"; done
        MED_RPS[$s]=$(median "$@")
        # shellcheck disable=SC2086
        MED_CPU[$s]=$(median ${CPU[$s]})
        # shellcheck disable=SC2086
        printf ' %.0f | %.2f | %d | %.1f |\n' "${MED_RPS[$s]}" "$(median ${MEAN[$s]})" "${FAIL[$s]}" "${MED_CPU[$s]}"
    done
    if want apache && want modpy; then
        awk -v m="${MED_RPS[modpy]}" -v a="${MED_RPS[apache]}" -v mc="${MED_CPU[modpy]}" -v ac="${MED_CPU[apache]}" \
            'BEGIN { printf "\nmodpy/apache: %.2fx median req/s, %.2fx server CPU per request\n", (a > 0 ? m / a : 0), (ac > 0 ? mc / ac : 0) }'
    fi
    echo
    echo "command: TLS=$TLS ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP THREADS_PER_CHILD=$APACHE_THREADS: h2load -t$H2THREADS -c$CLIENTS -m$STREAMS -D$DURATION $SCHEME://127.0.0.1:PORT$URL_PATH"
    machine_lines | grep -v '^wrk:'
    echo "h2load: $(h2load --version 2>&1 | head -n1)"
    want apache && echo "apache: $(/usr/sbin/apache2 -v | sed -n 's/^Server version: //p'), mpm_event 1 child x $APACHE_THREADS threads, mod_http2, Protocols $PROTOCOLS"
    want modpy && modpy_lines "$MODPY" "-X, ThreadsPerChild $MODPY_THREADS, Protocols $PROTOCOLS"
} >"$TABLE"

echo
cat "$TABLE"
echo
echo "raw h2load output and server error logs: ${RAW#"$REPO"/}/"
error_log_notes "$RAW" "${servers[@]}"
exit 0
