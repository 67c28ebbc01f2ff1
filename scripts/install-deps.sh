#!/usr/bin/env bash
# Installs the Debian 12 packages egov needs for a purpose, only those missing.
#   scripts/install-deps.sh run     build and run egov
#   scripts/install-deps.sh test    + unit, HTTP, PostgreSQL, sanitizer and fuzz tests
#   scripts/install-deps.sh bench   + nginx and wrk
#   scripts/install-deps.sh lint    + clang-format, clang-tidy, cppcheck
# Runs apt-get update at most once, and only when something is missing.
set -euo pipefail

run_pkgs="gcc make libc6-dev cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
  libpq-dev libutf8proc-dev libsodium-dev libcurl4-openssl-dev libldap-dev libhpdf-dev
  libxlsxwriter-dev libqrencode-dev fonts-dejavu-core"
test_pkgs="$run_pkgs libcmocka-dev clang libclang-rt-14-dev python3 postgresql wrk clang-format
  sqlite3 python3-aiosmtpd slapd ldap-utils openssl chromium fonts-dejavu-core poppler-utils
  unzip zbar-tools"
bench_pkgs="$run_pkgs nginx wrk util-linux procps"
lint_pkgs="$run_pkgs clang-format clang-tidy cppcheck python3"

case "${1:-run}" in
run) want=$run_pkgs ;;
test) want=$test_pkgs ;;
bench) want=$bench_pkgs ;;
lint) want=$lint_pkgs ;;
*) echo "usage: $0 run|test|bench|lint" >&2; exit 2 ;;
esac

missing=()
for p in $want; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# The browser tests need Node.js and npm; the machine's own (often newer than
# Debian's) is used when there is one.
if [ "${1:-run}" = test ] && ! command -v npm >/dev/null 2>&1; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "install-deps: run as root or install: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
