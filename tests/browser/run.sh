#!/usr/bin/env bash
# run.sh - egov's pages in Debian's Chromium (playwright-core + axe-core).
#
#   tests/browser/run.sh --egov build/egov --db sqlite
#   tests/browser/run.sh --egov build/egov --db postgres --pg-url postgres://egov@127.0.0.1:55500/egov
#
# Installs the npm packages if they are missing (npm ci, from package-lock.json),
# starts a real SMTP server (tests/notify/smtp_server.py), makes a fresh
# database with `egov init --demo` (a new database on the PostgreSQL server for
# --db postgres, dropped afterwards), creates the province administrator with
# the CLI, starts `egov serve` on a free port, runs the tests (run.js), and
# stops everything it started. Screenshots at 360 px and 1280 px go to
# tests/out/screenshots/ (replaced at each run), the axe-core results to
# tests/out/axe-report-DB.json, egov's log to tests/out/browser-egov-DB.log.
# Exit status: 0 when every test passed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
egov="" db="sqlite" pg_url="" filter=""

usage() {
    echo "usage: $0 --egov PATH --db sqlite|postgres [--pg-url URL] [-k REGEX]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
    --egov) egov="${2:-}"; shift 2 ;;
    --db) db="${2:-}"; shift 2 ;;
    --pg-url) pg_url="${2:-}"; shift 2 ;;
    -k) filter="${2:-}"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "$0: unknown argument $1" >&2; usage ;;
    esac
done
[ -n "$egov" ] || usage
egov="$(cd "$(dirname "$egov")" && pwd)/$(basename "$egov")"
[ -x "$egov" ] || { echo "$0: $egov is not an executable" >&2; exit 2; }
case "$db" in
sqlite) ;;
postgres) [ -n "$pg_url" ] || { echo "$0: --db postgres needs --pg-url" >&2; exit 2; } ;;
*) usage ;;
esac

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "$0: $chromium is missing: apt-get install -y chromium" >&2
    exit 2
fi
command -v node >/dev/null || { echo "$0: node is missing: apt-get install -y nodejs npm" >&2; exit 2; }
python=/usr/bin/python3
"$python" -c 'import aiosmtpd' 2>/dev/null ||
    { echo "$0: python3-aiosmtpd is missing: apt-get install -y python3-aiosmtpd" >&2; exit 2; }

# The pinned packages, installed exactly as locked.
if [ ! -f "$here/node_modules/playwright-core/package.json" ] ||
    [ ! -f "$here/node_modules/axe-core/axe.min.js" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
    (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

out="$repo/tests/out"
mkdir -p "$out"
rm -rf "$out/screenshots" "$out/failures"
tmp="$(mktemp -d /tmp/egov-browser.XXXXXX)"
serve_pid="" smtp_pid="" pg_db=""

free_port() {
    "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() { # port seconds
    local i
    for ((i = 0; i < $2 * 20; i++)); do
        if "$python" -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; then
            return 0
        fi
        sleep 0.05
    done
    return 1
}
psql_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/psql" ] && { echo "$d/psql"; return; }
    done
    command -v psql
}
with_dbname() { # url name
    "$python" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit((p.scheme, p.netloc, "/" + sys.argv[2], p.query, p.fragment)))' "$1" "$2"
}

cleanup() {
    local rc=$?
    if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
        kill -TERM "$serve_pid" 2>/dev/null || true
        wait "$serve_pid" 2>/dev/null || true
    fi
    if [ -n "$smtp_pid" ] && kill -0 "$smtp_pid" 2>/dev/null; then
        kill -TERM "$smtp_pid" 2>/dev/null || true
        wait "$smtp_pid" 2>/dev/null || true
    fi
    [ -f "$tmp/serve.log" ] && cp "$tmp/serve.log" "$out/browser-egov-$db.log"
    if [ -n "$pg_db" ]; then
        "$(psql_bin)" -X -q -d "$(with_dbname "$pg_url" postgres)" \
            -c "DROP DATABASE IF EXISTS \"$pg_db\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT INT TERM

# ---- the database --------------------------------------------------------------------
if [ "$db" = sqlite ]; then
    db_url="sqlite:$tmp/egov.db"
else
    pg_db="egov_b_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
    "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 -d "$(with_dbname "$pg_url" postgres)" \
        -c "CREATE DATABASE \"$pg_db\"" >/dev/null
    db_url="$(with_dbname "$pg_url" "$pg_db")"
fi

# ---- mail --------------------------------------------------------------------------------
smtp_port="$(free_port)"
mkdir -p "$tmp/mail"
"$python" "$repo/tests/notify/smtp_server.py" --port "$smtp_port" --dir "$tmp/mail" \
    >"$tmp/smtp.log" 2>&1 &
smtp_pid=$!
wait_port "$smtp_port" 10 || { echo "$0: the SMTP server did not start" >&2; cat "$tmp/smtp.log" >&2; exit 1; }

# ---- egov: keys outside the database, shared by the CLI and the server -------------------------
port="$(free_port)"
export EGOV_IDENTITY_KEY="$tmp/identity.key"
export EGOV_AUDIT_KEY="$tmp/audit.key"
export EGOV_AUDIT_ANCHOR="$tmp/audit-anchor.log"
export EGOV_SMTP_URL="smtp://127.0.0.1:$smtp_port"
export EGOV_SMTP_FROM="no-reply@example.vn"
export EGOV_PUBLIC_URL="http://127.0.0.1:$port"
export LANG=C.UTF-8

"$egov" init --demo --db "$db_url" >"$tmp/init.log" 2>&1 ||
    { echo "$0: egov init --demo failed" >&2; cat "$tmp/init.log" >&2; exit 1; }

admin_login="tinhadmin"
admin_password="Quản-trị tỉnh-$(od -An -N6 -tx1 /dev/urandom | tr -d ' ')"
printf '%s\n' "$admin_password" | "$egov" user add --login "$admin_login" --kind staff \
    --name "Lê Văn Quản Trị" --email "tinhadmin@example.vn" --role province_admin \
    --org 000.00.00.H41 --password-stdin --db "$db_url" >"$tmp/user.log" 2>&1 ||
    { echo "$0: egov user add failed" >&2; cat "$tmp/user.log" >&2; exit 1; }

"$egov" serve --db "$db_url" --listen "127.0.0.1:$port" --static-dir "$repo/web/static" \
    >"$tmp/serve.log" 2>&1 &
serve_pid=$!
ready=""
for ((i = 0; i < 200; i++)); do
    if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ready=1; break; fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.05
done
[ -n "$ready" ] || { echo "$0: egov serve did not start" >&2; cat "$tmp/serve.log" >&2; exit 1; }

# ---- the tests -----------------------------------------------------------------------------
set +e
EGOV_URL="http://127.0.0.1:$port" MAIL_DIR="$tmp/mail" OUT_DIR="$out" CHROMIUM="$chromium" \
    ADMIN_LOGIN="$admin_login" ADMIN_PASSWORD="$admin_password" DB_KIND="$db" FILTER="$filter" \
    node "$here/run.js"
rc=$?
set -e

# egov must stop cleanly, and nothing may have crashed on the way.
serve_rc=0
kill -TERM "$serve_pid"
wait "$serve_pid" || serve_rc=$?
serve_pid=""
if [ "$serve_rc" -ne 0 ]; then
    echo "FAIL egov serve exited with $serve_rc after SIGTERM" >&2
    rc=1
fi
if grep -E "AddressSanitizer|LeakSanitizer|runtime error:|\"level\":\"error\"" "$tmp/serve.log" >&2; then
    echo "FAIL egov logged errors (above)" >&2
    rc=1
fi
exit "$rc"
