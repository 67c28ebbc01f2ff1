#!/usr/bin/env bash
# scripts/bench.sh - `make bench`: egov against limits measured in the same run
# (../shared/docs/PERFORMANCE.md). A benchmark, not a test: it exits 0 whatever the timings
# and 1 only when something could not run (a tool missing, a server not starting).
#
#   scripts/bench.sh [SECTION...]     default: every section (healthz login search track submit dossier_scale)
#
# Environment (defaults in brackets):
#   BENCH_DURATION [10s]  BENCH_WARMUP [2s]  BENCH_ROUNDS [3]  BENCH_CONNS [50]
#   BENCH_T2 [1]          also measure egov --threads 2 unpinned (not comparable to nginx)
#   BENCH_NO_PIN [0]      do not pin; BENCH_SERVER_CPU / BENCH_CLIENT_CPU choose the CPUs
#   BENCH_NO_BUILD [0]    use build/egov as it is
#   BENCH_IDLE_WAIT [60]  seconds to wait for a busy machine to go idle before starting
#   BENCH_OUT_DIR [build/bench]  where the summary, raw reports and history go
#
# Results: build/bench/SECTION.txt (the summary), SECTION.wrk.txt (the raw wrk
# reports) and history.jsonl (one JSON line per section and run; a drop of more
# than 10% against the last line is flagged). Everything it starts (nginx, egov)
# runs on loopback from a temporary directory and is stopped on exit, Ctrl-C
# included. Sections live in bench/sections/ (see bench/README.md).
set -uo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_ROOT/bench/lib.sh"

BENCH_ALL_SECTIONS=(healthz login search track submit dossier_scale)

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

sections=()
for a in "$@"; do
  case "$a" in
  -h | --help) usage; exit 0 ;;
  -*) echo "bench: unknown option $a (see --help)" >&2; exit 2 ;;
  *) [ -f "$BENCH_ROOT/bench/sections/$a.sh" ] || { echo "bench: no section '$a' (have: ${BENCH_ALL_SECTIONS[*]})" >&2; exit 2; }
     sections+=("$a") ;;
  esac
done
[ ${#sections[@]} -gt 0 ] || sections=("${BENCH_ALL_SECTIONS[@]}")

BENCH_DURATION=${BENCH_DURATION:-10s}
BENCH_WARMUP=${BENCH_WARMUP:-2s}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
BENCH_CONNS=${BENCH_CONNS:-50}
BENCH_OUT_DIR=${BENCH_OUT_DIR:-"$BENCH_ROOT/build/bench"}
BENCH_HISTORY="$BENCH_OUT_DIR/history.jsonl"
BENCH_EGOV="$BENCH_ROOT/build/egov"
[[ "$BENCH_ROUNDS" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_ROUNDS must be a positive number (got '$BENCH_ROUNDS')"
[[ "$BENCH_DURATION" =~ ^[1-9][0-9]*[smh]?$ ]] || bench_die "BENCH_DURATION must look like 10s (got '$BENCH_DURATION')"
[[ "$BENCH_WARMUP" =~ ^[1-9][0-9]*[smh]?$ ]] || bench_die "BENCH_WARMUP must look like 2s (got '$BENCH_WARMUP')"

# ---- tools ------------------------------------------------------------------------------
bench_require_cmd wrk wrk
bench_require_cmd nginx nginx
bench_require_cmd awk gawk
bench_traps

# ---- build egov when a source is newer than the binary -----------------------------------
cd "$BENCH_ROOT" || bench_die "cannot enter $BENCH_ROOT"
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  stale=
  if [ ! -x build/egov ]; then
    stale="build/egov is missing"
  else
    newer=$(find src data/demo -type f -newer build/egov 2>/dev/null | head -n1)
    [ -z "$newer" ] || stale="$newer is newer than build/egov"
  fi
  if [ -n "$stale" ]; then
    echo "building egov ($stale; log in build/bench/build.log)"
    bench_require_cmd cmake cmake
    mkdir -p build/bench || bench_die "cannot create build/bench"
    { cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
      cmake --build build -j2; } >build/bench/build.log 2>&1 ||
      { tail -n 30 build/bench/build.log >&2; bench_die "the build failed (last lines above; all in build/bench/build.log)"; }
  fi
fi
[ -x "$BENCH_EGOV" ] || bench_die "no $BENCH_EGOV (build with: cmake -S . -B build && cmake --build build)"

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' build/CMakeCache.txt 2>/dev/null)
sanitize=$(sed -n 's/^EGOV_SANITIZE:BOOL=//p' build/CMakeCache.txt 2>/dev/null)
case "$sanitize" in ON | on | 1 | TRUE | true)
  bench_warn "build/ is configured with EGOV_SANITIZE=ON: the figures measure ASan/UBSan, not a release build" ;;
esac
case "$build_type" in RelWithDebInfo | Release) ;; *)
  bench_warn "build/ is a '${build_type:-unknown}' build, not RelWithDebInfo: the figures will not compare with other runs" ;;
esac

BENCH_EGOV_VERSION=$("$BENCH_EGOV" version 2>/dev/null | sed 's/^egov //') || true
nginx_version=$(nginx -v 2>&1 | sed 's/^nginx version: //')
wrk_version=$(wrk -v 2>&1 | head -n1 | awk '{ print $2 }')
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
BENCH_HEADER="host:    $(nproc) CPUs (${cpu_model:-unknown}), kernel $(uname -r); egov $BENCH_EGOV_VERSION, ${build_type:-?} build$([ "$sanitize" = ON ] && echo ' WITH SANITIZERS'); $nginx_version; wrk $wrk_version"

bench_pin_setup
# Wait (up to BENCH_IDLE_WAIT seconds, default 60) for other work to finish: the
# servers and wrk need the CPUs to themselves.
bench_busy_check 1
if [ "$BENCH_BUSY" -gt 10 ] && [ "${BENCH_IDLE_WAIT:-60}" -gt 0 ]; then
  echo "the machine is busy (${BENCH_BUSY}% of one CPU); waiting up to ${BENCH_IDLE_WAIT:-60} s for it to go idle"
  for ((w = 0; w < ${BENCH_IDLE_WAIT:-60} / 2 && BENCH_BUSY > 10; w++)); do bench_busy_check 2; done
fi
BENCH_BUSY_NOTE="machine before the run: ${BENCH_BUSY}% of one CPU busy, load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$BENCH_BUSY" -gt 10 ]; then
  BENCH_BUSY_NOTE+=" - NOT IDLE: other work shares the CPUs, expect noisy figures"
fi
BENCH_HEADER+=$'\n'"idle:    $BENCH_BUSY_NOTE"
echo "egov bench: ${sections[*]}"
echo "$BENCH_HEADER"
echo "pinning: $BENCH_PIN_NOTE"

# ---- shared state: a temporary directory and a demo database -----------------------------
bench_mktemp
BENCH_DB_DIR="$BENCH_TMP/db"
mkdir -p "$BENCH_DB_DIR"
bench_egov_init "$BENCH_EGOV" "$BENCH_DB_DIR"
mkdir -p "$BENCH_OUT_DIR" || bench_die "cannot create $BENCH_OUT_DIR"

for s in "${sections[@]}"; do
  # shellcheck source=bench/sections/healthz.sh
  . "$BENCH_ROOT/bench/sections/$s.sh"
  "bench_section_$s"
done
exit 0
