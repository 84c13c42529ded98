# Shared by the bench scripts: source it, do not run it.

# apache_conf_head DIR PORT prints the start of a self-contained Apache
# config (it needs none of Debian's APACHE_* environment variables): DIR as
# ServerRoot, runtime dir and home of apache.pid and apache_error.log, a
# listener on 127.0.0.1:PORT, the event MPM, authz_core and mod_python (or,
# given as a third argument, another "LoadModule" line's NAME and FILE).
# Children run as www-data when we are root, else as us.
apache_conf_head() {
    local dir=$1 port=$2 user group m=/usr/lib/apache2/modules
    local module=${3:-python_module $m/mod_python.so}
    if [ "$(id -u)" -eq 0 ]; then user=www-data group=www-data
    else user=$(id -un) group=$(id -gn); fi
    cat <<CONF
ServerRoot "$dir"
DefaultRuntimeDir "$dir"
PidFile "$dir/apache.pid"
ErrorLog "$dir/apache_error.log"
LogLevel warn
ServerName localhost
Listen 127.0.0.1:$port
User $user
Group $group

LoadModule mpm_event_module $m/mod_mpm_event.so
LoadModule authz_core_module $m/mod_authz_core.so
LoadModule $module
CONF
}

# apache_mpm_conf: the event MPM with NPROCS children of APACHE_THREADS
# threads (a fixed count: no child is ever stopped), and keep-alive without
# a limit on requests (wrk keeps its connections open; Debian's default
# would make Apache close them every 100 requests).
apache_mpm_conf() {
    cat <<CONF

StartServers        $NPROCS
ServerLimit         $NPROCS
ThreadLimit         $APACHE_THREADS
ThreadsPerChild     $APACHE_THREADS
MaxRequestWorkers   $APACHE_MRW
MinSpareThreads     1
MaxSpareThreads     $APACHE_MRW
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5
CONF
}

# ---------------------------------------------------------------- shared by hello.sh and wsgi.sh
# Set BENCH_NAME (the script's name, for messages) before sourcing.
BENCH_NAME=${BENCH_NAME:-bench}
log() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; exit 1; }

# pin_setup reads PIN (0|1) and WRK_CPUS and sets ALL_CPUS, SERVER_CPUS and,
# with PIN=1, SERVER_SET and WRK_SET (taskset CPU lists): wrk on the last
# WRK_CPUS CPUs, the servers on the others. Bad values exit 2.
pin_setup() {
    ALL_CPUS=$(nproc)
    SERVER_CPUS=$ALL_CPUS
    case "$PIN" in
        0) ;;
        1)
            if ! [[ "$WRK_CPUS" =~ ^[1-9][0-9]*$ ]] || [ "$WRK_CPUS" -ge "$ALL_CPUS" ]; then
                echo "$BENCH_NAME: PIN=1 needs WRK_CPUS between 1 and $((ALL_CPUS - 1)) (this machine has $ALL_CPUS CPUs)" >&2
                exit 2
            fi
            command -v taskset >/dev/null 2>&1 || { echo "$BENCH_NAME: PIN=1 needs taskset (util-linux)" >&2; exit 2; }
            SERVER_CPUS=$((ALL_CPUS - WRK_CPUS))
            SERVER_SET="0-$((SERVER_CPUS - 1))"
            WRK_SET="$SERVER_CPUS-$((ALL_CPUS - 1))"
            ;;
        *) echo "$BENCH_NAME: PIN must be 0 or 1" >&2; exit 2 ;;
    esac
}

# bench_setup: what hello.sh and wsgi.sh start with: the defaults of the
# knobs they share (ROUNDS, DURATION, WARMUP, CONNS, THREADS, MODPY_BIN,
# WORKERS, PIN, WRK_CPUS), the repo root check, OUT, pin_setup, and from
# WORKERS (1|all) the
# process count NPROCS, the threads per process (APACHE_THREADS,
# MODPY_THREADS, APACHE_MRW) and the MODPY_MODE and APACHE_MODE lines.
bench_setup() {
    ROUNDS=${ROUNDS:-3}
    DURATION=${DURATION:-10s}
    WARMUP=${WARMUP:-3s}
    CONNS=${CONNS:-32}
    THREADS=${THREADS:-2}
    MODPY_BIN=${MODPY_BIN:-}
    WORKERS=${WORKERS:-1}
    PIN=${PIN:-0}
    WRK_CPUS=${WRK_CPUS:-1}
    if [ ! -f "$REPO/go.mod" ] || [ ! -d "$REPO/bench" ]; then
        echo "$BENCH_NAME: run me from the repo root (bash bench/$BENCH_NAME)" >&2
        exit 2
    fi
    OUT="$REPO/bench/.out"
    pin_setup
    case "$WORKERS" in
        1) NPROCS=1 ;;
        all) NPROCS=$SERVER_CPUS ;;
        *) echo "$BENCH_NAME: WORKERS must be 1 or all" >&2; exit 2 ;;
    esac
    # Threads per process: 25 (Apache's default), or twice a process's share
    # of wrk's connections when that is more. With fewer, Apache's event MPM
    # closes keep-alive connections when its threads are nearly all taken
    # (wrk counts socket errors and reconnects), or turns them away ("server
    # reached MaxRequestWorkers"). modpy gets the same number.
    local def=$(( 2 * ((CONNS + NPROCS - 1) / NPROCS) ))
    [ "$def" -lt 25 ] && def=25
    APACHE_THREADS=${APACHE_THREADS:-$def}
    MODPY_THREADS=${MODPY_THREADS:-$def}
    APACHE_MRW=$((NPROCS * APACHE_THREADS))
    if [ "$WORKERS" = all ]; then
        MODPY_MODE="master (modpy -f, no -X), StartServers $NPROCS, ThreadsPerChild $MODPY_THREADS"
    else
        MODPY_MODE="-X (one process), ThreadsPerChild $MODPY_THREADS"
    fi
    APACHE_MODE="mpm_event, $NPROCS child(ren) x $APACHE_THREADS threads (MaxRequestWorkers $APACHE_MRW)"
}

# set_traps: run the script's cleanup function at exit, also on Ctrl-C
# and SIGTERM.
set_traps() {
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# on_servers CMD...: run CMD on the servers' CPUs; on_wrk CMD...: on wrk's.
# on_servers replaces the (background) subshell it runs in, so that $! is
# the server's own pid.
on_servers() { if [ "$PIN" = 1 ]; then exec taskset -c "$SERVER_SET" "$@"; else exec "$@"; fi; }
on_wrk() { if [ "$PIN" = 1 ]; then taskset -c "$WRK_SET" "$@"; else "$@"; fi; }

# modpy_binary HINT: MODPY is MODPY_BIN, or else a fresh build of the
# repo's modpy in OUT (HINT: what to do if the build fails).
modpy_binary() {
    if [ -n "$MODPY_BIN" ]; then
        [ -x "$MODPY_BIN" ] || die "MODPY_BIN=$MODPY_BIN is not an executable"
        MODPY="$MODPY_BIN"
        return
    fi
    log "building modpy"
    go build -o "$OUT/modpy" ./cmd/modpy || die "go build -o bench/.out/modpy ./cmd/modpy failed; cannot benchmark modpy ($1)"
    MODPY="$OUT/modpy"
}

# install_missing PKG...: apt-get install the Debian packages given (as root).
install_missing() {
    [ $# -gt 0 ] || return 0
    [ "$(id -u)" -eq 0 ] || die "missing packages ($*) and not root to install them"
    log "installing $*"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || die "apt-get update failed"
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null || die "apt-get install $* failed"
    # Debian's postinst may have started the system apache on :80; it does not
    # matter for us (we use our own port and config), but say so.
    if pgrep -x apache2 >/dev/null 2>&1; then log "note: a system apache2 is running too"; fi
}

free_port() {
    python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

# wait_up NAME PID URL WANT LOGFILE: poll until GET URL answers a body that
# contains WANT (30 s max); on failure print LOGFILE and return 1.
wait_up() {
    local name=$1 pid=$2 url=$3 want=$4 logf=$5 body
    for _ in $(seq 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$BENCH_NAME: $name exited during start-up; its log ($logf):" >&2
            cat "$logf" >&2 2>/dev/null || true
            return 1
        fi
        body=$(curl -s --max-time 2 "$url" 2>/dev/null || true)
        if [[ "$body" == *"$want"* ]]; then
            log "$name answers on $url: $(printf '%s' "$body" | grep -m1 -F -- "$want")"
            return 0
        fi
        sleep 0.1
    done
    echo "$BENCH_NAME: $name did not answer \"$want\" on $url within 30 s (last body: ${body:-<none>}); its log ($logf):" >&2
    cat "$logf" >&2 2>/dev/null || true
    return 1
}

# stop_pid PID: SIGTERM, then SIGKILL if it is still there after 5 s, and
# then also to the children it had (a killed Apache parent leaves them).
stop_pid() {
    local pid=$1 kids
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kids=$(pgrep -P "$pid" || true)
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    echo "$BENCH_NAME: pid $pid did not stop within 5 s of SIGTERM: SIGKILL" >&2
    # shellcheck disable=SC2086
    kill -KILL "$pid" $kids 2>/dev/null
}

# run_wrk LABEL URL DURATION OUTFILE: wrk -t$THREADS -c$CONNS against URL.
run_wrk() {
    {
        echo "# wrk -t$THREADS -c$CONNS -d$3 --latency $2  ($1)"
        on_wrk wrk -t"$THREADS" -c"$CONNS" -d"$3" --latency "$2"
    } >"$4" 2>&1 || { echo "$BENCH_NAME: wrk failed against $1:" >&2; cat "$4" >&2; exit 1; }
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
# parent and children; a master and its workers; or the one process).
CLK_TCK=$(getconf CLK_TCK)
tree_ticks() {
    local t=0 p v
    for p in "$1" $(pgrep -P "$1" || true); do
        v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
        t=$((t + v))
    done
    echo "$t"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# measure SERVER PID URL FILE: one measured wrk run of DURATION; its numbers
# are added to the caller's associative arrays RPS P99 CPU (lists) and SOCK
# BAD (sums), keyed by SERVER.
measure() {
    local s=$1 pid=$2 url=$3 f=$4 t0 t1 rps p99 sock bad reqs cpu
    t0=$(tree_ticks "$pid")
    run_wrk "$s" "$url" "$DURATION" "$f"
    t1=$(tree_ticks "$pid")
    read -r rps p99 sock bad reqs < <(parse_wrk "$f")
    # the server's CPU time (user + system, all its processes) per request, in µs
    cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$reqs" 'BEGIN { printf "%.1f", (n > 0 ? d / hz * 1e6 / n : 0) }')
    CPU[$s]="${CPU[$s]:-} $cpu"
    RPS[$s]="${RPS[$s]:-} $rps"
    P99[$s]="${P99[$s]:-} $p99"
    SOCK[$s]=$(( ${SOCK[$s]:-0} + sock ))
    BAD[$s]=$(( ${BAD[$s]:-0} + bad ))
    log "  $s: $rps req/s, p99 ${p99} ms, socket errors $sock, non-2xx/3xx $bad, server CPU ${cpu} us/req"
}

# print_table SERVER...: the markdown table of the rounds measure() recorded
# (ROUNDS of them); sets the caller's MED_RPS, MED_P99 and MED_CPU.
print_table() {
    local s v
    printf '| server |'
    for r in $(seq "$ROUNDS"); do printf ' round %d req/s |' "$r"; done
    printf ' median req/s | median p99 (ms) | socket errors | non-2xx/3xx | server CPU µs/req | server CPU (cores) |\n|---|'
    for r in $(seq "$ROUNDS"); do printf -- '---:|'; done
    printf -- '---:|---:|---:|---:|---:|---:|\n'
    for s in "$@"; do
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
}

# machine_lines: the pinning, the machine and wrk, for the table's footer.
machine_lines() {
    local os_name
    os_name=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release 2>/dev/null)
    [ "$PIN" = 1 ] && echo "pinning (taskset): servers on CPUs $SERVER_SET, wrk on CPU(s) $WRK_SET"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), ${os_name:-unknown OS}, $(uname -r)"
    echo "wrk: $(wrk -v 2>&1 | head -n1 | sed 's/ \[.*//')"
}

# modpy_lines BINARY MODE: the modpy build used, for the table's footer.
modpy_lines() {
    local commit lp
    commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "no commit yet")
    [ -n "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] && commit="$commit (dirty work tree)"
    echo "modpy: $1, git $commit, $2"
    lp=$( (ldd "$1" 2>/dev/null || true) | awk '/libpython/ {print $1 " => " $3}')
    echo "modpy's python: ${lp:-statically linked or not found by ldd}"
}

# error_log_notes DIR SERVER...: for each DIR/SERVER_error.log with lines
# that are not start-up chatter (Apache logs its start-up at "notice" level
# even with LogLevel warn, gunicorn at INFO), say how many and show a few.
# NOTES_MATCH (an ERE), if set, counts only the lines that match it instead.
error_log_notes() {
    local dir=$1 s n
    shift
    notable() {
        if [ -n "${NOTES_MATCH:-}" ]; then grep -i -E -- "$NOTES_MATCH" "$1"
        else grep -v -E '\[[a-z_:]*notice\]|\[INFO\]' "$1"; fi
    }
    for s in "$@"; do
        n=$(notable "$dir/${s}_error.log" 2>/dev/null | grep -c . || true)
        if [ "${n:-0}" -gt 0 ]; then
            echo "note: $s error log has $n notable line(s), e.g.:"
            # (head closes the pipe early: ignore the SIGPIPE under pipefail)
            { notable "$dir/${s}_error.log" | sort -u -k4 | head -n 5 | sed 's/^/    /'; } || true
        fi
    done
}
