#!/usr/bin/env bash
# make test: every suite, on SQLite and PostgreSQL, plain and under ASan+UBSan.
#   1. quick checks: layer rule, formatting, banned functions
#   2. build (RelWithDebInfo) + unit tests + HTTP tests + pages in Debian's Chromium
#      (tests/browser: axe-core, screenshots in tests/out/), SQLite and PostgreSQL
#   3. the same under -fsanitize=address,undefined -fno-sanitize-recover=all (pages: SQLite)
#   4. fuzz smoke: each libFuzzer harness for EGOV_FUZZ_SECONDS (10) seconds
# Each build also runs the audit log's tampering test (tests/audit/tamper.py).
# Set EGOV_TEST_SKIP_ASAN=1 or EGOV_TEST_SKIP_FUZZ=1 to leave a stage out locally.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)
start=$(date +%s)
failed=()

step() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }
run() {
  local name=$1; shift
  if "$@"; then echo "--- ok: $name"; else echo "--- FAILED: $name"; failed+=("$name"); fi
}

step "dependencies"
scripts/install-deps.sh test

tmp=$(mktemp -d /tmp/egov-test.XXXXXX)
chmod 755 "$tmp"
pgdir="$tmp/pg"
cleanup() {
  scripts/pg-test-server.sh stop "$pgdir" >/dev/null 2>&1 || true
  tests/ldap/slapd.sh stop "$tmp/ldap" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

step "quick checks"
run layers python3 tests/tools/test_check_layers.py
run lint-quick tools/lint.sh --quick

step "LDAP (slapd)"
ldapdir="$tmp/ldap"
eval "$(tests/ldap/slapd.sh start "$ldapdir")"
export EGOV_TEST_LDAP_URL EGOV_TEST_LDAP_BIND_DN EGOV_TEST_LDAP_BIND_PASSWORD EGOV_TEST_LDAP_BASE \
  EGOV_TEST_LDAPS_URL EGOV_TEST_LDAP_CA_FILE
echo "test slapd at $EGOV_TEST_LDAP_URL"

step "PostgreSQL"
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
pgurl=$(scripts/pg-test-server.sh start "$pgdir" "$pgport")
echo "test PostgreSQL at $pgurl"
export EGOV_TEST_PG_URL=$pgurl

suite() { # suite BUILD_DIR SQLITE_TAMPERS PG_TAMPERS CMAKE_ARGS...
  local dir=$1 tampers_sqlite=$2 tampers_pg=$3; shift 3
  step "build $dir $*"
  cmake -S . -B "$dir" "$@" >/dev/null
  if ! cmake --build "$dir" -j"$jobs" >"$tmp/build-$(basename "$dir").log" 2>&1; then
    cat "$tmp/build-$(basename "$dir").log"
    failed+=("build $dir")
    return
  fi
  step "unit tests ($dir)"
  run "unit $dir" ctest --test-dir "$dir" --output-on-failure -j"$jobs"
  step "HTTP tests on SQLite ($dir)"
  run "http sqlite $dir" python3 tests/http/run.py --egov "$dir/egov" --db sqlite
  step "HTTP tests on PostgreSQL ($dir)"
  run "http postgres $dir" python3 tests/http/run.py --egov "$dir/egov" --db postgres --pg-url "$pgurl"
  step "audit tampering ($dir)"
  run "tamper sqlite $dir" python3 tests/audit/tamper.py --egov "$dir/egov" --db sqlite \
    --trials "$tampers_sqlite"
  run "tamper postgres $dir" python3 tests/audit/tamper.py --egov "$dir/egov" --db postgres \
    --pg-url "$pgurl" --trials "$tampers_pg"
  step "pages in Chromium ($dir)"
  run "browser sqlite $dir" tests/browser/run.sh --egov "$dir/egov" --db sqlite
  if [ "$dir" = build ]; then
    run "browser postgres $dir" tests/browser/run.sh --egov "$dir/egov" --db postgres \
      --pg-url "$pgurl"
  fi
}

# The tampering test runs 1000 trials on SQLite with the plain build (issue 3); fewer elsewhere.
suite build 1000 200 -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${EGOV_TEST_SKIP_ASAN:-0}" != 1 ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The sanitized suite skips the one test that waits out a real idle timeout.
  EGOV_TEST_FAST=1 suite build-asan 100 40 -DCMAKE_BUILD_TYPE=Debug -DEGOV_SANITIZE=ON
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if [ "${EGOV_TEST_SKIP_FUZZ:-0}" != 1 ] && [ -x scripts/fuzz.sh ]; then
  step "fuzz smoke"
  run fuzz scripts/fuzz.sh "${EGOV_FUZZ_SECONDS:-10}"
fi

step "done"
if [ ${#failed[@]} -gt 0 ]; then
  echo "make test: FAILED: ${failed[*]}"
  exit 1
fi
echo "make test: all suites passed in $(($(date +%s) - start))s"
