#!/usr/bin/env bash
# WSGI throughput: modpy's WSGIScriptAlias (embedded, and in a process group:
# daemon mode) against gunicorn (sync and gthread), uWSGI and Apache httpd +
# mod_wsgi (embedded and daemon mode), side by side in one run, on two pages:
# a WSGI hello world, and a Django page (a template render over one sqlite
# query, tests/testdata/djangosite).
#
# Daemon mode (issue 14): modpy-daemon and mod_wsgi-daemon run the app in a
# process group of the same shape, WSGIDaemonProcess hello
# processes=$DAEMON_PROCESSES threads=$DAEMON_THREADS (2 x 16) with
# WSGIProcessGroup hello; modpy-daemon runs under the master (groups need
# it, -X refuses them) with StartServers $NPROCS accepting workers. The
# table's footer checks issue 14's bars: modpy-daemon >= 2x mod_wsgi-daemon
# and >= 0.7x modpy (embedded).
#
# Run as root from the repo root:
#     bash bench/wsgi.sh
#     PIN=1 WORKERS=all bash bench/wsgi.sh     # how docs/benchmarks.md measures it
#
# Every server runs the same .wsgi file (gunicorn imports it as a module).
# mod_wsgi is Debian's libapache2-mod-wsgi-py3: the installed module
# (/usr/lib/apache2/modules/mod_wsgi.so) when there is one; else, as that
# package conflicts with libapache2-mod-python (other benchmarks and the
# mod_python suite need that one), the script does not install it: it
# downloads the .deb with `apt-get download` and unpacks it under
# bench/.out/mod_wsgi/, so the system's packages are left as they are.
#
# Environment knobs (those shared with hello.sh mean the same there):
#   ROUNDS=3 DURATION=10s WARMUP=3s CONNS=32 THREADS=2
#   MODPY_BIN=/path/to/modpy   use this binary instead of building one
#   PAGES="hello django"       which pages to measure
#   HELLO_SERVERS="modpy modpy-daemon gunicorn-sync gunicorn-gthread uwsgi mod_wsgi-embedded mod_wsgi-daemon"
#   DJANGO_SERVERS="modpy gunicorn-sync gunicorn-gthread mod_wsgi-embedded mod_wsgi-daemon"
#   WORKERS=1     1: `modpy -X`, Apache with one child, a mod_wsgi daemon group
#                 of one process; all: one per (server) CPU: the modpy master
#                 with StartServers N, Apache with N children, processes=N
#   GUNICORN_WORKERS=2   gunicorn's -w (sync and gthread), and uWSGI's --processes
#   GTHREAD_THREADS=4    gunicorn gthread's --threads per worker
#   UWSGI_SOCKET=http11-socket   uWSGI's HTTP (keep-alive); http-socket:
#                 a connection per request (Connection: close), as gunicorn sync
#   UWSGI_THREADS   uWSGI's --threads per process; default enough for every
#                 connection (CONNS / GUNICORN_WORKERS): with keep-alive a
#                 thread stays with one connection, and connections without one
#                 get nothing (wrk counts only completed requests, so too few
#                 threads look fast)
#   DAEMON_PROCESSES=2 DAEMON_THREADS=16   the process group's shape, for
#                 mod_wsgi-daemon and modpy-daemon alike (issue 14's 2 x 16)
#   APACHE_THREADS / MODPY_THREADS   ThreadsPerChild, as in hello.sh
#   PIN=0         1: wrk on the last $WRK_CPUS CPU(s), every server on the others
set -euo pipefail

PAGES=${PAGES:-hello django}
HELLO_SERVERS=${HELLO_SERVERS:-modpy modpy-daemon gunicorn-sync gunicorn-gthread uwsgi mod_wsgi-embedded mod_wsgi-daemon}
DJANGO_SERVERS=${DJANGO_SERVERS:-modpy gunicorn-sync gunicorn-gthread mod_wsgi-embedded mod_wsgi-daemon}
GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
GTHREAD_THREADS=${GTHREAD_THREADS:-4}
UWSGI_THREADS=${UWSGI_THREADS:-}
UWSGI_SOCKET=${UWSGI_SOCKET:-http11-socket}
DAEMON_PROCESSES=${DAEMON_PROCESSES:-2}
DAEMON_THREADS=${DAEMON_THREADS:-16}

REPO=$(pwd)
BENCH_NAME=wsgi.sh
# shellcheck source=bench/lib.sh
. "$REPO/bench/lib.sh" 2>/dev/null || { echo "wsgi.sh: run me from the repo root (bash bench/wsgi.sh)" >&2; exit 2; }
bench_setup
[ -n "$UWSGI_THREADS" ] || UWSGI_THREADS=$(( (CONNS + GUNICORN_WORKERS - 1) / GUNICORN_WORKERS ))
for p in $PAGES; do
    case "$p" in hello|django) ;; *) echo "wsgi.sh: PAGES: unknown page $p (hello, django)" >&2; exit 2 ;; esac
done
ALL_SERVERS="modpy modpy-daemon gunicorn-sync gunicorn-gthread uwsgi mod_wsgi-embedded mod_wsgi-daemon"
for s in $HELLO_SERVERS $DJANGO_SERVERS; do
    [[ " $ALL_SERVERS " == *" $s "* ]] || { echo "wsgi.sh: unknown server $s (one of: $ALL_SERVERS)" >&2; exit 2; }
done
# The servers of the pages asked for.
servers_of() { if [ "$1" = hello ]; then echo "$HELLO_SERVERS"; else echo "$DJANGO_SERVERS"; fi; }
WANTED=" $(for p in $PAGES; do servers_of "$p"; done | tr '\n' ' ') "
wanted() { [[ "$WANTED" == *" $1 "* ]]; }

mkdir -p "$OUT"

# ---------------------------------------------------------------- 1. tools
need_pkgs=()
command -v wrk >/dev/null 2>&1 || need_pkgs+=(wrk)
command -v curl >/dev/null 2>&1 || need_pkgs+=(curl)
/usr/bin/python3 -c 'import django' 2>/dev/null || need_pkgs+=(python3-django)
{ wanted gunicorn-sync || wanted gunicorn-gthread; } && { [ -x /usr/bin/gunicorn ] || need_pkgs+=(gunicorn); }
wanted uwsgi && { command -v uwsgi >/dev/null 2>&1 || need_pkgs+=(uwsgi-core); }
wanted uwsgi && { [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ] || need_pkgs+=(uwsgi-plugin-python3); }
{ wanted mod_wsgi-embedded || wanted mod_wsgi-daemon; } && { [ -x /usr/sbin/apache2 ] || need_pkgs+=(apache2); }
install_missing "${need_pkgs[@]}"

# mod_wsgi: the installed module, else unpacked from Debian's package (see
# the top of this file).
WSGI_SO=""
WSGI_VERSION=""
WSGI_FROM=""
if { wanted mod_wsgi-embedded || wanted mod_wsgi-daemon; } && [ -e /usr/lib/apache2/modules/mod_wsgi.so ]; then
    WSGI_SO=/usr/lib/apache2/modules/mod_wsgi.so
    WSGI_VERSION=$(dpkg-query -W -f='${Version}' libapache2-mod-wsgi-py3 2>/dev/null || echo '?')
    WSGI_FROM="installed, $WSGI_SO"
elif wanted mod_wsgi-embedded || wanted mod_wsgi-daemon; then
    WSGI_DIR="$OUT/mod_wsgi"
    WSGI_SO="$WSGI_DIR/root/usr/lib/apache2/modules/mod_wsgi.so"
    if [ ! -e "$WSGI_SO" ]; then
        log "fetching libapache2-mod-wsgi-py3 (apt-get download; unpacked under ${WSGI_DIR#"$REPO"/}, not installed)"
        mkdir -p "$WSGI_DIR"
        rm -rf "$WSGI_DIR/root" "$WSGI_DIR"/*.deb
        ( cd "$WSGI_DIR" && apt-get download -qq libapache2-mod-wsgi-py3 2>/dev/null ) ||
            { apt-get update -qq >/dev/null && ( cd "$WSGI_DIR" && apt-get download -qq libapache2-mod-wsgi-py3 2>/dev/null ); } ||
            die "apt-get download libapache2-mod-wsgi-py3 failed: run without mod_wsgi (HELLO_SERVERS=/DJANGO_SERVERS= without mod_wsgi-*)"
        dpkg-deb -x "$WSGI_DIR"/libapache2-mod-wsgi-py3_*.deb "$WSGI_DIR/root" || die "dpkg-deb -x of the mod_wsgi package failed"
    fi
    [ -e "$WSGI_SO" ] || die "no $WSGI_SO in the unpacked package"
    WSGI_VERSION=$(dpkg-deb -f "$WSGI_DIR"/libapache2-mod-wsgi-py3_*.deb Version 2>/dev/null || echo '?')
    WSGI_FROM="unpacked, not installed"
fi

{ wanted modpy || wanted modpy-daemon; } && modpy_binary "HELLO_SERVERS= and DJANGO_SERVERS= without modpy run the others"

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d /tmp/modpy-bench-wsgi.XXXXXX)
declare -A PID PORT SKIPPED
# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    local rc=$? s
    set +e
    for s in "${!PID[@]}"; do stop_pid "${PID[$s]}"; done
    wait 2>/dev/null
    rm -rf "$TMP"
    exit "$rc"
}
set_traps

# The apps. Apache's children and uWSGI run as www-data when we are root:
# everything must be readable, and the Django project's directory (sqlite)
# writable.
chmod 755 "$TMP"
mkdir -p "$TMP/hello"
cat >"$TMP/hello/hello.wsgi" <<'EOF'
def application(environ, start_response):
    body = b"hello from wsgi\n"
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
EOF
cp "$TMP/hello/hello.wsgi" "$TMP/hello/hello.py"   # gunicorn imports a module
cp -r "$REPO/tests/testdata/djangosite" "$TMP/django"
# Create the database (and its table) once, before several servers open it.
( cd "$TMP/django" && env -u PYTHONPATH -u PYTHONHOME /usr/bin/python3 -c 'import djsite.wsgi' ) ||
    die "the Django project does not load: /usr/bin/python3 -c 'import djsite.wsgi' in tests/testdata/djangosite"
if [ "$(id -u)" -eq 0 ]; then chown -R www-data:www-data "$TMP/hello" "$TMP/django"; fi
chmod -R a+rX "$TMP/hello" "$TMP/django"

RUN_AS=()
[ "$(id -u)" -eq 0 ] && RUN_AS=(--uid www-data --gid www-data)

# page_script PAGE, page_path PAGE, page_want PAGE: what each server runs,
# the URL path wrk asks for, and what its body contains.
page_script() { if [ "$1" = hello ]; then echo "$TMP/hello/hello.wsgi"; else echo "$TMP/django/django.wsgi"; fi; }
page_path() { if [ "$1" = hello ]; then echo /; else echo /page/; fi; }
page_want() { if [ "$1" = hello ]; then echo "hello from wsgi"; else echo "count=3"; fi; }

# apache_wsgi_conf DIR PORT PAGE MODE: an Apache + mod_wsgi config, the
# event MPM sized as in hello.sh, embedded or daemon MODE.
apache_wsgi_conf() {
    local dir=$1 port=$2 page=$3 mode=$4 script
    script=$(page_script "$page")
    apache_conf_head "$dir" "$port" "wsgi_module $WSGI_SO"
    apache_mpm_conf
    cat <<EOF

WSGISocketPrefix "$dir/wsgi"
DocumentRoot "$TMP"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "$(dirname "$script")">
    Require all granted
</Directory>
WSGIScriptAlias / "$script"
# Python 3.11 hangs ending sub-interpreters at exit (Apache then SIGKILLs
# its child after 10 s): skip it, as it changes nothing while serving.
WSGIDestroyInterpreter Off
EOF
    if [ "$mode" = daemon ]; then
        printf 'WSGIDaemonProcess hello processes=%s threads=%s home=%s\nWSGIProcessGroup hello\n' \
            "$DAEMON_PROCESSES" "$DAEMON_THREADS" "$(dirname "$script")"
    fi
}

# start SERVER PAGE: start SERVER on PAGE in the background, in its own
# directory $TMP/SERVER-PAGE; PID and PORT get its pid and port. A server
# that does not come up is left out of the run (SKIPPED says why).
start() {
    local s=$1 page=$2 key="$1" dir="$TMP/$1-$2" port script appdir logf ok=1
    port=$(free_port)
    script=$(page_script "$page")
    appdir=$(dirname "$script")
    mkdir -p "$dir"
    chmod 755 "$dir"
    logf="$dir/${s}_error.log"
    case "$s" in
        modpy|modpy-daemon)
            cat >"$dir/modpy.conf" <<EOF
Listen 127.0.0.1:$port
ServerName localhost
DocumentRoot $TMP
ErrorLog $logf
PidFile $dir/modpy.pid
StartServers $NPROCS
ThreadsPerChild $MODPY_THREADS
WSGIScriptAlias / $script
EOF
            if [ "$s" = modpy-daemon ]; then
                # The same shape as mod_wsgi-daemon's (apache_wsgi_conf).
                printf 'WSGIDaemonProcess hello processes=%s threads=%s home=%s\nWSGIProcessGroup hello\n' \
                    "$DAEMON_PROCESSES" "$DAEMON_THREADS" "$appdir" >>"$dir/modpy.conf"
            fi
            if ! "$MODPY" -t -f "$dir/modpy.conf" >"$dir/check.log" 2>&1; then
                SKIPPED[$key]="modpy -t refuses the config: $(tail -n1 "$dir/check.log")"
                return 0
            fi
            if [ "$WORKERS" = all ] || [ "$s" = modpy-daemon ]; then
                on_servers "$MODPY" -f "$dir/modpy.conf" >"$dir/stdout.log" 2>&1 &
            else
                on_servers "$MODPY" -X -f "$dir/modpy.conf" >"$dir/stdout.log" 2>&1 &
            fi
            ;;
        gunicorn-sync|gunicorn-gthread)
            local module=hello:application kind=()
            [ "$page" = django ] && module=djsite.wsgi:application
            [ "$s" = gunicorn-gthread ] && kind=(-k gthread --threads "$GTHREAD_THREADS")
            # No access log (gunicorn's default); the error log to a file.
            on_servers env -u PYTHONPATH -u PYTHONHOME /usr/bin/gunicorn --chdir "$appdir" -w "$GUNICORN_WORKERS" \
                "${kind[@]}" -b "127.0.0.1:$port" --error-logfile "$logf" "$module" >"$dir/stdout.log" 2>&1 &
            ;;
        uwsgi)
            local th=()
            [ "$UWSGI_THREADS" -gt 1 ] && th=(--threads "$UWSGI_THREADS")
            # http-socket closes the connection after each response without
            # saying so, and wrk counts each close as a read error: say it.
            [ "$UWSGI_SOCKET" = http-socket ] && th+=(--add-header "Connection: close")
            on_servers env -u PYTHONPATH -u PYTHONHOME uwsgi --plugin python3 --master --die-on-term \
                --processes "$GUNICORN_WORKERS" "${th[@]}" "${RUN_AS[@]}" "--$UWSGI_SOCKET" "127.0.0.1:$port" \
                --chdir "$appdir" --wsgi-file "$script" --disable-logging --logto "$logf" >"$dir/stdout.log" 2>&1 &
            ;;
        mod_wsgi-embedded|mod_wsgi-daemon)
            apache_wsgi_conf "$dir" "$port" "$page" "${s#mod_wsgi-}" >"$dir/apache.conf"
            logf="$dir/apache_error.log"
            on_servers env -u PYTHONPATH -u PYTHONHOME /usr/sbin/apache2 -f "$dir/apache.conf" -DFOREGROUND \
                >"$dir/stdout.log" 2>&1 &
            ;;
    esac
    PID[$key]=$!
    PORT[$key]=$port
    LOGF[$key]=$logf
    wait_up "$s ($page)" "${PID[$key]}" "http://127.0.0.1:$port$(page_path "$page")" "$(page_want "$page")" "$logf" || ok=0
    if [ "$ok" = 0 ]; then
        cat "$dir/stdout.log" >&2 2>/dev/null || true
        stop_pid "${PID[$key]}"
        unset "PID[$key]"
        SKIPPED[$key]="did not start (its log is above)"
    fi
}

# ---------------------------------------------------------------- 2. measure, page by page
STAMP=$(date +%Y%m%d-%H%M%S)
TAG=wsgi
[ "$WORKERS" = all ] && TAG="$TAG-all"
[ "$PIN" = 1 ] && TAG="$TAG-pinned"
RAW="$OUT/$TAG-$STAMP"
mkdir -p "$RAW"
TABLE="$RAW/table.md"
: >"$TABLE"
declare -A LOGF RPS P99 SOCK BAD CPU MED_RPS MED_P99 MED_CPU

# ratio A B: A's median req/s over B's.
ratio() { awk -v a="${MED_RPS[$1]}" -v b="${MED_RPS[$2]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

for page in $PAGES; do
    log "page $page: starting $(servers_of "$page")"
    up=()
    for s in $(servers_of "$page"); do
        start "$s" "$page"
        [ -n "${PID[$s]:-}" ] && up+=("$s")
    done
    [ ${#up[@]} -gt 0 ] || die "no server came up for page $page"
    path=$(page_path "$page")
    url_of() { echo "http://127.0.0.1:${PORT[$1]}$path"; }

    log "warm-up: $WARMUP per server"
    for s in "${up[@]}"; do run_wrk "$s" "$(url_of "$s")" "$WARMUP" "$RAW/$page-warmup-$s.txt"; done
    for s in "${up[@]}"; do unset "RPS[$s]" "P99[$s]" "CPU[$s]" "SOCK[$s]" "BAD[$s]"; done
    n=${#up[@]}
    for r in $(seq "$ROUNDS"); do
        # Each round starts one server later, so none always goes first.
        for i in $(seq 0 $((n - 1))); do
            s=${up[$(( (i + r - 1) % n ))]}
            log "$page round $r/$ROUNDS: $s (${DURATION}, -t$THREADS -c$CONNS)"
            measure "$s" "${PID[$s]}" "$(url_of "$s")" "$RAW/$page-round$r-$s.txt"
        done
    done
    for s in "${up[@]}"; do
        cp "${LOGF[$s]}" "$RAW/$page-${s}_error.log" 2>/dev/null || true
        stop_pid "${PID[$s]}"
        unset "PID[$s]"
    done

    {
        echo "### $page: GET $path"
        echo
        print_table "${up[@]}"
        for s in $(servers_of "$page"); do
            [ -n "${SKIPPED[$s]:-}" ] && echo "| $s | skipped: ${SKIPPED[$s]} |"
        done
        echo
        if [[ " ${up[*]} " == *" modpy "* ]]; then
            for s in "${up[@]}"; do
                [ "$s" = modpy ] || printf 'modpy/%s: %sx median req/s\n' "$s" "$(ratio modpy "$s")"
            done
        fi
        if [[ " ${up[*]} " == *" mod_wsgi-daemon "* ]] && [[ " ${up[*]} " == *" modpy-daemon "* ]]; then
            printf 'modpy-daemon/mod_wsgi-daemon: %sx median req/s\n' "$(ratio modpy-daemon mod_wsgi-daemon)"
        fi
        if [[ " ${up[*]} " == *" modpy "* ]]; then
            # The bars of issue 12: hello >= 3x gunicorn sync and mod_wsgi
            # embedded; the Django page ahead of both.
            if [ "$page" = hello ]; then want=3; else want=1; fi
            for s in gunicorn-sync mod_wsgi-embedded; do
                [[ " ${up[*]} " == *" $s "* ]] || continue
                awk -v r="$(ratio modpy "$s")" -v w="$want" -v s="$s" -v p="$page" \
                    'BEGIN { printf "bar (issue 12, %s): modpy %s %s: %s (%.2fx)\n", p, (w > 1 ? ">= " w "x" : "ahead of"), s, (r >= w && (w > 1 || r > 1) ? "met" : "NOT met"), r }'
            done
        fi
        # The bars of issue 14 (daemon mode): modpy-daemon >= 2x
        # mod_wsgi-daemon, and >= 0.7x modpy embedded.
        if [[ " ${up[*]} " == *" modpy-daemon "* ]]; then
            for pair in "mod_wsgi-daemon 2" "modpy 0.7"; do
                read -r other want <<<"$pair"
                [[ " ${up[*]} " == *" $other "* ]] || continue
                awk -v r="$(ratio modpy-daemon "$other")" -v w="$want" -v s="$other" -v p="$page" \
                    'BEGIN { printf "bar (issue 14, %s): modpy-daemon >= %sx %s: %s (%.2fx)\n", p, w, s, (r >= w ? "met" : "NOT met"), r }'
            done
        fi
        echo
    } >>"$TABLE"
    SKIPPED=()
done

# ---------------------------------------------------------------- 3. versions
{
    echo "command: PIN=$PIN WORKERS=$WORKERS ROUNDS=$ROUNDS DURATION=$DURATION WARMUP=$WARMUP GUNICORN_WORKERS=$GUNICORN_WORKERS GTHREAD_THREADS=$GTHREAD_THREADS UWSGI_SOCKET=$UWSGI_SOCKET UWSGI_THREADS=$UWSGI_THREADS DAEMON_PROCESSES=$DAEMON_PROCESSES DAEMON_THREADS=$DAEMON_THREADS APACHE_THREADS=$APACHE_THREADS MODPY_THREADS=$MODPY_THREADS: wrk -t$THREADS -c$CONNS -d$DURATION --latency"
    machine_lines
    echo "python: $(/usr/bin/python3 --version 2>&1) (/usr/bin/python3); Django $(/usr/bin/python3 -c 'import django; print(django.get_version())' 2>/dev/null || echo '?')"
    if wanted gunicorn-sync || wanted gunicorn-gthread; then
        echo "gunicorn: $(dpkg-query -W -f='${Version}' gunicorn 2>/dev/null || echo '?'), -w $GUNICORN_WORKERS (sync), -w $GUNICORN_WORKERS -k gthread --threads $GTHREAD_THREADS; no access log"
    fi
    if wanted uwsgi; then
        echo "uwsgi: $(uwsgi --version 2>/dev/null || echo '?') (uwsgi-plugin-python3 $(dpkg-query -W -f='${Version}' uwsgi-plugin-python3 2>/dev/null || echo '?')), --master --processes $GUNICORN_WORKERS --threads $UWSGI_THREADS --$UWSGI_SOCKET, no request log"
    fi
    if [ -n "$WSGI_SO" ]; then
        echo "apache: $(/usr/sbin/apache2 -v | sed -n 's/^Server version: //p'), $APACHE_MODE, MaxKeepAliveRequests 0, no access log"
        echo "mod_wsgi: libapache2-mod-wsgi-py3 $WSGI_VERSION ($WSGI_FROM), default application group; daemon: WSGIDaemonProcess processes=$DAEMON_PROCESSES threads=$DAEMON_THREADS"
    fi
    if wanted modpy || wanted modpy-daemon; then
        modpy_lines "$MODPY" "$MODPY_MODE, WSGIScriptAlias, default application group"
    fi
    if wanted modpy-daemon; then
        echo "modpy-daemon: master (modpy -f), StartServers $NPROCS x ThreadsPerChild $MODPY_THREADS accepting, the app in WSGIDaemonProcess hello processes=$DAEMON_PROCESSES threads=$DAEMON_THREADS"
    fi
} >>"$TABLE"

echo
cat "$TABLE"
echo
echo "raw wrk output and server error logs: ${RAW#"$REPO"/}/"
# uWSGI logs its start-up at length: count only what looks like trouble.
NOTES_MATCH='error|traceback|exception|warn|denied|refused|killed|timeout'
for page in $PAGES; do
    # shellcheck disable=SC2046
    error_log_notes "$RAW" $(for s in $(servers_of "$page"); do echo "$page-$s"; done)
done
exit 0
