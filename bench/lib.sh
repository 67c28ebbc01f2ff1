# shellcheck shell=bash
# bench/lib.sh - shared pieces of `make bench` (sourced by scripts/bench.sh).
#
# Servers (egov, nginx), CPU pinning, wrk runs and their parsing, medians,
# ratios, RSS, the summary file and the history file. A benchmark section
# (bench/sections/*.sh) uses only these functions; see healthz.sh.
#
# Conventions: numbers are plain decimals ("12345.67"); latencies are in ms;
# a function that "sets" something sets global variables named in its comment.
# Timings never make a function fail; only things that could not run do.

# Globals set here and read by the sections and scripts/bench.sh:
# shellcheck disable=SC2034

# ---- messages and failure ----------------------------------------------------------

bench_die() {
  printf 'bench: %s\n' "$*" >&2
  exit 1
}

bench_warn() {
  printf 'bench: warning: %s\n' "$*" >&2
}

# Progress lines: shown, not written to the summary file.
bench_log() {
  printf '  %s\n' "$*"
}

# Summary lines: shown and appended to $BENCH_SUMMARY (set by bench_summary_begin).
bench_say() {
  printf '%s\n' "$*"
  if [ -n "${BENCH_SUMMARY:-}" ]; then printf '%s\n' "$*" >>"$BENCH_SUMMARY"; fi
}

bench_summary_begin() { # FILE
  BENCH_SUMMARY=$1
  mkdir -p "$(dirname "$BENCH_SUMMARY")" || bench_die "cannot create $(dirname "$BENCH_SUMMARY")"
  : >"$BENCH_SUMMARY" || bench_die "cannot write $BENCH_SUMMARY"
}

bench_summary_end() {
  BENCH_SUMMARY=
}

bench_require_cmd() { # CMD DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 ||
    bench_die "'$1' is not installed; install it with: apt-get install $2"
}

# ---- cleanup: everything started or created is registered here -----------------------

BENCH_PIDS=()
BENCH_DIRS=()

bench_track_pid() { BENCH_PIDS+=("$1"); }
bench_track_dir() { BENCH_DIRS+=("$1"); }

# Stop one process we started: SIGTERM, up to 10 s for a graceful exit, then SIGKILL.
bench_stop_pid() { # PID
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    bench_warn "process $pid did not stop within 10 s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  return 0
}

bench_cleanup() {
  local pid dir
  for pid in "${BENCH_PIDS[@]}"; do bench_stop_pid "$pid"; done
  BENCH_PIDS=()
  for dir in "${BENCH_DIRS[@]}"; do [ -n "$dir" ] && rm -rf -- "$dir"; done
  BENCH_DIRS=()
}

bench_untrack_pid() { # PID
  local keep=() p
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

# Install the traps: cleanup on any exit, including Ctrl-C and SIGTERM.
bench_traps() {
  trap bench_cleanup EXIT
  trap 'echo >&2; echo "bench: interrupted; cleaning up" >&2; exit 130' INT
  trap 'exit 143' TERM HUP
}

bench_mktemp() { # sets BENCH_TMP
  BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/egov-bench.XXXXXX") || bench_die "cannot create a temporary directory"
  bench_track_dir "$BENCH_TMP"
  chmod 755 "$BENCH_TMP"
}

# ---- arithmetic (awk: bash has no floats) ---------------------------------------------

bench_fmt() { # FORMAT NUMBER  (printf through awk so locales never matter)
  awk -v f="$1" -v x="$2" 'BEGIN { printf f, x }'
}

# Median of the arguments (the mean of the two middle ones for an even count).
bench_median() {
  [ $# -gt 0 ] || { echo 0; return; }
  printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) printf "%.6g", v[(NR + 1) / 2];
    else printf "%.6g", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Ratio A/B, or "n/a" when B is zero.
bench_ratio() { # A B
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.3f", a / b }'
}

# PASS or BELOW/ABOVE: bench_mark VALUE ge|le GOAL
bench_mark() {
  awk -v v="$1" -v op="$2" -v g="$3" 'BEGIN {
    if (v == "n/a") { print "n/a"; exit }
    if (op == "ge") print ((v + 0 >= g + 0) ? "PASS" : "BELOW");
    else print ((v + 0 <= g + 0) ? "PASS" : "ABOVE") }'
}

# ---- ports -------------------------------------------------------------------------

# Is anything listening on TCP PORT (IPv4 or IPv6)? Reads /proc, sends nothing.
bench_port_listening() { # PORT
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == p { found = 1 }
    END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A free loopback port from the range 20000-59999.
bench_free_port() {
  local i port
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    bench_port_listening "$port" || { echo "$port"; return 0; }
  done
  bench_die "no free TCP port found"
}

# Wait until PID listens on PORT (up to SECONDS); fails if PID exits first.
bench_wait_listen() { # PID PORT SECONDS
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    kill -0 "$1" 2>/dev/null || return 1
    bench_port_listening "$2" && return 0
    sleep 0.05
  done
  return 1
}

# ---- CPU pinning -------------------------------------------------------------------

# Sets BENCH_PINNED (1/0), BENCH_PIN_NOTE, and the command prefixes
# BENCH_SERVER_PIN / BENCH_CLIENT_PIN (arrays, empty when not pinned).
bench_pin_setup() {
  BENCH_SERVER_PIN=()
  BENCH_CLIENT_PIN=()
  BENCH_PINNED=0
  local ncpu
  ncpu=$(nproc 2>/dev/null || echo 1)
  if [ "${BENCH_NO_PIN:-0}" = 1 ]; then
    BENCH_PIN_NOTE="not pinned (BENCH_NO_PIN=1); $ncpu CPUs"
  elif ! command -v taskset >/dev/null 2>&1; then
    BENCH_PIN_NOTE="not pinned: taskset missing (apt-get install util-linux); $ncpu CPUs"
  elif [ "$ncpu" -lt 2 ]; then
    BENCH_PIN_NOTE="not pinned: only $ncpu CPU available"
  else
    local cpus server client
    cpus=$(taskset -cp $$ 2>/dev/null | sed 's/.*: *//')
    server=${BENCH_SERVER_CPU:-$(bench_cpu_nth "$cpus" 0)}
    client=${BENCH_CLIENT_CPU:-$(bench_cpu_nth "$cpus" 1)}
    if [ -n "$server" ] && [ -n "$client" ] && taskset -c "$server" true 2>/dev/null &&
      taskset -c "$client" true 2>/dev/null; then
      BENCH_SERVER_PIN=(taskset -c "$server")
      BENCH_CLIENT_PIN=(taskset -c "$client")
      BENCH_PINNED=1
      BENCH_PIN_NOTE="server on CPU $server, wrk on CPU $client (taskset; $ncpu CPUs online)"
    else
      BENCH_PIN_NOTE="not pinned: taskset -c $server/$client refused; $ncpu CPUs"
    fi
  fi
}

# The Nth CPU (0-based) of a taskset list such as "0-1" or "0,2-3".
bench_cpu_nth() { # LIST N
  echo "$1" | tr ',' '\n' | awk -F- '{ lo = $1; hi = (NF > 1) ? $2 : $1
    for (c = lo; c <= hi; c++) print c }' | sed -n "$(($2 + 1))p"
}

# ---- process figures -----------------------------------------------------------------

bench_rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
bench_hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
bench_kb_to_mb() { awk -v k="${1:-0}" 'BEGIN { printf "%.1f", k / 1024 }'; }

# A process and its direct children (nginx: master and workers).
bench_proc_tree() { # PID
  echo "$1"
  cat /proc/"$1"/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$'
}

# CPU time used so far (user+system, clock ticks) by the given PIDs and their children.
bench_cpu_ticks() { # PID...
  local p t=0 v
  for p in "$@"; do
    for v in $(bench_proc_tree "$p"); do
      # Fields 14 and 15 after the ")" that ends the command name.
      v=$(sed 's/.*) //' "/proc/$v/stat" 2>/dev/null | awk '{ print $12 + $13 }')
      t=$((t + ${v:-0}))
    done
  done
  echo "$t"
}

# Clock ticks of waited-for children of this shell (wrk runs as one), from /proc.
bench_children_ticks() {
  sed 's/.*) //' "/proc/$$/stat" | awk '{ print $14 + $15 }'
}

# Busy clock ticks of the whole machine (all CPUs).
bench_sys_busy_ticks() {
  awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# TICKS over NANOSECONDS as % of one core.
bench_pct() { # TICKS NS
  awk -v c="$1" -v hz="$BENCH_CLK_TCK" -v ns="$2" \
    'BEGIN { v = (ns > 0) ? 100 * (c / hz) / (ns / 1e9) : 0; if (v < 0) v = 0; printf "%.0f", v }'
}

BENCH_WRK_SEQ=0
BENCH_WRK_RUNS=() # "LABEL URL FILE" of every wrk run, in order

# Write the raw wrk reports of the runs from index FROM on into FILE.
bench_save_raw() { # FROM FILE
  local i label url f
  : >"$2" || return 0
  for ((i = $1; i < ${#BENCH_WRK_RUNS[@]}; i++)); do
    read -r label url f <<<"${BENCH_WRK_RUNS[$i]}"
    { printf '==== %s (%s)\n' "$label" "$url"; cat "$f"; echo; } >>"$2"
  done
}
BENCH_CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# ---- servers -------------------------------------------------------------------------

# egov's key files in DIR, never the repository's var/.
bench_egov_keys() { # DIR
  echo "EGOV_IDENTITY_KEY=$1/identity.key" "EGOV_AUDIT_KEY=$1/audit.key" \
    "EGOV_AUDIT_ANCHOR=$1/audit-anchor.log"
}

# egov: initialise a demo database in DIR (once).
bench_egov_init() { # EGOV DIR
  [ -f "$2/egov.db" ] && return 0
  # shellcheck disable=SC2046 # one word per setting
  env $(bench_egov_keys "$2") "$1" init --demo --db "sqlite:$2/egov.db" >"$2/init.log" 2>&1 ||
    { cat "$2/init.log" >&2; bench_die "egov init --demo failed"; }
}

# Start egov serve on a free port. PIN=pin runs it on the server CPU. THREADS 0 is
# egov's default (one HTTP thread per CPU).
# Sets EGOV_PID, EGOV_PORT, EGOV_LOG. Any EGOV_* of the caller's environment is
# dropped so the figures do not depend on it; the log level is warn (no access log)
# and the per-IP connection limit is off (wrk opens every connection from 127.0.0.1).
# Optional NAME=VALUE arguments are added to egov's environment after that (and may
# override those two), e.g. EGOV_IDENTITY_KEY=$BENCH_TMP/x/identity.key.
bench_egov_start() { # EGOV DBDIR THREADS pin|nopin [NAME=VALUE...]
  local egov=$1 dir=$2 threads=$3 pin=$4 unset=() v
  shift 4
  local extra=("$@")
  for v in ${!EGOV_@}; do unset+=(-u "$v"); done
  local prefix=()
  [ "$pin" = pin ] && prefix=("${BENCH_SERVER_PIN[@]}")
  for _ in 1 2 3; do
    EGOV_PORT=$(bench_free_port)
    EGOV_LOG="$dir/egov-t$threads-$EGOV_PORT.log"
    # shellcheck disable=SC2046 # one word per setting
    "${prefix[@]}" env "${unset[@]}" EGOV_LOG_LEVEL=warn EGOV_CONN_PER_IP=0 \
      $(bench_egov_keys "$dir") "${extra[@]}" \
      "$egov" serve --db "sqlite:$dir/egov.db" --listen "127.0.0.1:$EGOV_PORT" \
      --threads "$threads" >"$EGOV_LOG" 2>&1 &
    EGOV_PID=$!
    bench_track_pid "$EGOV_PID"
    bench_wait_listen "$EGOV_PID" "$EGOV_PORT" 15 && return 0
    bench_stop_pid "$EGOV_PID"
    bench_untrack_pid "$EGOV_PID"
  done
  cat "$EGOV_LOG" >&2
  bench_die "egov serve did not start listening (log above)"
}

# Start a private nginx (own prefix, pid file, logs, loopback port; as 'nobody' when
# run as root). Sets NGINX_PID, NGINX_PORT, NGINX_DIR.
bench_nginx_start() { # TMPDIR WORKERS pin|nopin
  local base=$1 workers=$2 pin=$3
  local tmpl="$BENCH_ROOT/bench/nginx.conf.in"
  [ -f "$tmpl" ] || bench_die "missing $tmpl"
  local prefix=()
  [ "$pin" = pin ] && prefix=("${BENCH_SERVER_PIN[@]}")
  local drop=()
  if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
  fi
  for _ in 1 2 3; do
    NGINX_PORT=$(bench_free_port)
    NGINX_DIR="$base/nginx-w$workers-$NGINX_PORT"
    mkdir -p "$NGINX_DIR"
    sed -e "s|@PREFIX@|$NGINX_DIR|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@WORKERS@|$workers|g" \
      "$tmpl" >"$NGINX_DIR/nginx.conf"
    [ ${#drop[@]} -gt 0 ] && chown -R nobody:nogroup "$NGINX_DIR"
    "${prefix[@]}" "${drop[@]}" nginx -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" \
      -e "$NGINX_DIR/error.log" -g 'daemon off;' >"$NGINX_DIR/stdout.log" 2>&1 &
    NGINX_PID=$!
    bench_track_pid "$NGINX_PID"
    bench_wait_listen "$NGINX_PID" "$NGINX_PORT" 10 && return 0
    bench_stop_pid "$NGINX_PID"
    bench_untrack_pid "$NGINX_PID"
  done
  cat "$NGINX_DIR/stdout.log" "$NGINX_DIR/error.log" >&2 2>/dev/null
  bench_die "nginx did not start listening (log above)"
}

# Fetch URL once; prints "BYTES STATUS" of the whole response (headers + body).
bench_probe() { # URL
  if command -v curl >/dev/null 2>&1; then
    curl -s -o /dev/null -w '%{size_header} %{size_download} %{http_code} %{content_type}\n' "$1" |
      awk '{ printf "%d bytes (%d headers + %d body), status %s, %s", $1 + $2, $1, $2, $3, $4 }'
  else
    echo "(curl missing: not probed)"
  fi
}

# ---- wrk -----------------------------------------------------------------------------

# A wrk time ("812.00us", "1.23ms", "2.01s", "1.00m") in ms.
bench_to_ms() {
  awk -v t="$1" 'BEGIN {
    n = t + 0; u = t; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000;
    else if (u == "m") n *= 60000; else if (u == "h") n *= 3600000;
    printf "%.3f", n }'
}

# Parse a wrk --latency report. Prints: RPS P99_MS ERRORS NON2XX REQUESTS
bench_parse_wrk() { # FILE
  local rps p99 err non2xx reqs
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$1")
  p99=$(awk '$1 == "99%" { print $2 }' "$1")
  reqs=$(awk '/requests in/ { print $1 }' "$1")
  err=$(awk '/Socket errors:/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$1")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$1")
  [ -n "$rps" ] && [ -n "$p99" ] || return 1
  echo "$rps $(bench_to_ms "$p99") ${err:-0} ${non2xx:-0} ${reqs:-0}"
}

# One wrk run against URL for DURATION, measuring the CPU the server PIDs use.
# Sets WRK_RPS, WRK_P99, WRK_ERRORS, WRK_NON2XX, WRK_OUT (the raw report), and CPU use
# in % of one core: WRK_CPU (the server PIDs), WRK_CLIENT_CPU (wrk), WRK_OTHER_CPU
# (everything else on the machine, i.e. noise). Extra args go to wrk (e.g. -s script.lua).
# Connections and threads: BENCH_CONNS (50), BENCH_WRK_THREADS (1).
# Pinned to the client CPU unless BENCH_WRK_NOPIN=1.
bench_wrk() { # LABEL URL DURATION "SERVER-PIDS" [WRK-ARGS...]
  local label=$1 url=$2 dur=$3 pids=$4
  shift 4
  local prefix=()
  [ "${BENCH_WRK_NOPIN:-0}" = 1 ] || prefix=("${BENCH_CLIENT_PIN[@]}")
  WRK_OUT="$BENCH_TMP/wrk-$label-$((++BENCH_WRK_SEQ)).txt"
  local t0 t1 c0 c1 w0 w1 s0 s1
  # shellcheck disable=SC2086
  c0=$(bench_cpu_ticks $pids)
  s0=$(bench_sys_busy_ticks)
  w0=$(bench_children_ticks)
  t0=$(date +%s%N)
  # In the background and waited for, so that Ctrl-C reaches our trap at once (bash
  # defers traps while a foreground child runs, and wrk exits 0 on SIGINT).
  "${prefix[@]}" wrk -t"${BENCH_WRK_THREADS:-1}" -c"${BENCH_CONNS:-50}" -d"$dur" --latency \
    "$@" "$url" >"$WRK_OUT" 2>&1 &
  local wpid=$! rc
  bench_track_pid "$wpid"
  wait "$wpid"
  rc=$?
  bench_untrack_pid "$wpid"
  t1=$(date +%s%N)
  w1=$(bench_children_ticks)
  s1=$(bench_sys_busy_ticks)
  # shellcheck disable=SC2086
  c1=$(bench_cpu_ticks $pids)
  local parsed
  if [ $rc -ne 0 ] || ! parsed=$(bench_parse_wrk "$WRK_OUT"); then
    cat "$WRK_OUT" >&2
    bench_die "wrk against $url failed (exit $rc; output above)"
  fi
  read -r WRK_RPS WRK_P99 WRK_ERRORS WRK_NON2XX WRK_REQS <<<"$parsed"
  BENCH_WRK_RUNS+=("$label $url $WRK_OUT")
  WRK_CPU=$(bench_pct $((c1 - c0)) $((t1 - t0)))
  WRK_CLIENT_CPU=$(bench_pct $((w1 - w0)) $((t1 - t0)))
  WRK_OTHER_CPU=$(bench_pct $((s1 - s0 - (c1 - c0) - (w1 - w0))) $((t1 - t0)))
  if [ "$WRK_ERRORS" != 0 ] || [ "$WRK_NON2XX" != 0 ]; then
    bench_warn "$label: $WRK_ERRORS socket errors, $WRK_NON2XX non-2xx responses of $WRK_REQS (see the raw report below)"
    sed 's/^/    /' "$WRK_OUT" >&2
  fi
}

# Run ROUNDS rounds alternating the targets, after a warm-up of each.
# A target NAME is declared with bench_target NAME URL "SERVER-PIDS" [WRK-ARGS...].
# Collects, per target: BENCH_RPS[NAME], BENCH_P99[NAME], BENCH_CPU[NAME] (space-separated
# per round), CPU % per round BENCH_CPU (server), BENCH_CCPU (wrk), BENCH_OCPU (other),
# and the medians BENCH_RPS_MED[NAME], BENCH_P99_MED[NAME].
declare -gA BENCH_T_URL BENCH_T_PIDS BENCH_T_ARGS BENCH_RPS BENCH_P99 BENCH_CPU BENCH_CCPU BENCH_OCPU \
  BENCH_RPS_MED BENCH_P99_MED
bench_target() { # NAME URL "SERVER-PIDS" [WRK-ARGS...]
  local name=$1
  BENCH_T_URL[$name]=$2
  BENCH_T_PIDS[$name]=$3
  shift 3
  BENCH_T_ARGS[$name]="$*"
}

bench_alternate() { # ROUNDS DURATION WARMUP NAME...
  local rounds=$1 dur=$2 warm=$3 name r
  shift 3
  for name in "$@"; do
    BENCH_RPS[$name]='' BENCH_P99[$name]='' BENCH_CPU[$name]='' BENCH_CCPU[$name]='' BENCH_OCPU[$name]=''
    # shellcheck disable=SC2086
    bench_wrk "$name-warmup" "${BENCH_T_URL[$name]}" "$warm" "${BENCH_T_PIDS[$name]}" ${BENCH_T_ARGS[$name]}
    bench_log "warm-up $name ($warm): $(bench_fmt '%.0f' "$WRK_RPS") req/s"
  done
  for ((r = 1; r <= rounds; r++)); do
    for name in "$@"; do
      # shellcheck disable=SC2086
      bench_wrk "$name" "${BENCH_T_URL[$name]}" "$dur" "${BENCH_T_PIDS[$name]}" ${BENCH_T_ARGS[$name]}
      BENCH_RPS[$name]+="$WRK_RPS "
      BENCH_P99[$name]+="$WRK_P99 "
      BENCH_CPU[$name]+="$WRK_CPU "
      BENCH_CCPU[$name]+="$WRK_CLIENT_CPU "
      BENCH_OCPU[$name]+="$WRK_OTHER_CPU "
      bench_log "round $r/$rounds $(printf '%-8s' "$name") $(bench_fmt '%9.0f' "$WRK_RPS") req/s" \
        " p99 $(bench_fmt '%7.3f' "$WRK_P99") ms   CPU % server $WRK_CPU, wrk $WRK_CLIENT_CPU, other $WRK_OTHER_CPU"
    done
  done
  for name in "$@"; do
    # shellcheck disable=SC2086
    BENCH_RPS_MED[$name]=$(bench_median ${BENCH_RPS[$name]})
    # shellcheck disable=SC2086
    BENCH_P99_MED[$name]=$(bench_median ${BENCH_P99[$name]})
  done
}

# A list of numbers, formatted: bench_list FORMAT N...
bench_list() {
  local f=$1 x out=
  shift
  for x in "$@"; do out+="$(bench_fmt "$f" "$x") "; done
  echo "${out% }"
}

# ---- history ----------------------------------------------------------------------------

# The value of a numeric KEY in the last history line of BENCH (empty if none).
bench_history_last() { # FILE BENCH KEY
  [ -f "$1" ] || return 0
  grep -F "\"bench\":\"$2\"" "$1" | tail -n1 |
    sed -nE "s/.*\"$3\":(-?[0-9.eE+-]+).*/\1/p"
}

bench_history_last_ts() { # FILE BENCH
  [ -f "$1" ] || return 0
  grep -F "\"bench\":\"$2\"" "$1" | tail -n1 | sed -nE 's/.*"ts":"([^"]*)".*/\1/p'
}

# Print the change of KEY against the last run; flag a move of more than 10% in the
# bad direction (WORSE = lower|higher).
bench_history_compare() { # FILE BENCH KEY LABEL NEW WORSE
  local old
  old=$(bench_history_last "$1" "$2" "$3")
  [ -n "$old" ] || return 0
  awk -v o="$old" -v n="$5" -v l="$4" -v w="$6" 'BEGIN {
    if (n == "n/a" || o + 0 == 0) exit
    ch = (n - o) / o * 100
    bad = (w == "lower") ? (ch < -10) : (ch > 10)
    printf "  %-26s %s -> %s (%+.1f%%)%s\n", l, o, n, ch,
      bad ? "   <-- " (w == "lower" ? "DROP" : "RISE") " of more than 10%" : "" }'
}

bench_history_append() { # FILE JSON
  mkdir -p "$(dirname "$1")" && printf '%s\n' "$2" >>"$1"
}

# A JSON array of the numbers given.
bench_json_array() {
  local x out=
  for x in "$@"; do out+="$x,"; done
  echo "[${out%,}]"
}

# A number for JSON ("n/a" and empty become null).
bench_json_num() {
  case "$1" in '' | n/a) echo null ;; *) echo "$1" ;; esac
}

# How busy the machine is without us: CPU use over SECONDS (default 1), in % of one
# core (200 = both cores of a 2-core machine). Sets BENCH_BUSY.
bench_busy_check() { # [SECONDS]
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep "${1:-1}"
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  BENCH_BUSY=$(awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    busy = y[1] - x[1]; all = busy + y[2] - x[2]
    printf "%.0f", (all > 0) ? 100 * n * busy / all : 0 }')
}

# The words of the arguments joined by commas: bench_csv "1 2 3 " -> 1,2,3
bench_csv() {
  # shellcheck disable=SC2048,SC2086
  set -- $*
  local IFS=,
  echo "$*"
}

# Requests per CPU-second of the server, per round: "RPS-LIST" "CPU%-LIST" -> list.
# Less sensitive than req/s to other work sharing the CPUs (it counts only the
# time the server actually ran), though not to cache effects of that work.
bench_per_cpu() { # "RPS..." "CPU%..."
  local -a r c
  read -r -a r <<<"$1"
  read -r -a c <<<"$2"
  local i out=
  for ((i = 0; i < ${#r[@]}; i++)); do
    out+="$(awk -v r="${r[$i]}" -v c="${c[$i]:-0}" 'BEGIN { if (c + 0 > 0) printf "%.0f", r * 100 / c; else printf "0" }') "
  done
  echo "${out% }"
}
