#!/bin/sh
# tests/ldap/slapd.sh - a private OpenLDAP server (Debian's slapd) for egov's LDAP tests.
#
#   tests/ldap/slapd.sh start [DIR]   start one; prints KEY=value lines to eval
#   tests/ldap/slapd.sh stop DIR      stop it and remove DIR
#
# `start` builds everything in DIR (default: a new mktemp -d): a slapd.conf with the mdb
# backend, a self-signed CA and a server certificate for 127.0.0.1 (when openssl is
# installed), the tree below, loaded with slapadd; then it starts slapd on free loopback
# ports, waits until the service account can bind, and prints:
#
#   EGOV_TEST_LDAP_URL=ldap://127.0.0.1:PORT
#   EGOV_TEST_LDAP_BIND_DN=cn=egov,dc=nghean,dc=demo,dc=egov,dc=vn
#   EGOV_TEST_LDAP_BIND_PASSWORD=<random, new on every start>
#   EGOV_TEST_LDAP_BASE=dc=nghean,dc=demo,dc=egov,dc=vn
#   EGOV_TEST_LDAPS_URL=ldaps://127.0.0.1:PORT2      (with openssl only)
#   EGOV_TEST_LDAP_CA_FILE=DIR/ca.pem                (with openssl only)
#   EGOV_TEST_LDAP_DIR=DIR                           (give it to `stop`)
#
# so a test script can do:  eval "$(tests/ldap/slapd.sh start)"; ...;
#                           tests/ldap/slapd.sh stop "$EGOV_TEST_LDAP_DIR"
#
# The tree (BASE = dc=nghean,dc=demo,dc=egov,dc=vn):
#   cn=egov,BASE              the service account: reads everything, writes ou=egov
#   ou=people,BASE            people who sign in (userPassword is {SSHA} from slappasswd):
#     uid=an.nguyen           "Nguyễn Văn An"        password  Mật-khẩu-Đúng-2025
#     uid=binh.tran           "Trần Thị Bình"        password  Binh-Tran-Secret-42
#     uid=hoa*(le)\x          "Lê Thị Hoa"           password  Special-Chars-9   (filter
#                             metacharacters in the uid itself: escaping must still find it)
#   ou=egov,BASE              empty: where `egov ldap export` writes
#
# With EGOV_TEST_LDAP_OWNER_PID=PID in the environment, a small watcher stops the server
# (and removes DIR) once that process is gone, so a test that crashes leaves nothing behind.
#
# Needs: slapd, slapadd, slappasswd (Debian: slapd), ldapwhoami (ldap-utils). Runs as any
# user; nothing outside DIR is touched.
set -eu

BASE="dc=nghean,dc=demo,dc=egov,dc=vn"
SCHEMA=/etc/ldap/schema
MODULES=/usr/lib/ldap

die() {
    echo "slapd.sh: $*" >&2
    exit 1
}

b64() {
    printf '%s' "$1" | base64 | tr -d '\n'
}

# A random high port; if it is taken, slapd fails to start and start() tries others.
pick_port() {
    echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 30000 + 20000))
}

make_certs() {
    dir=$1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=egov test CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
        >/dev/null 2>&1 || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$dir/server.key" -out "$dir/server.csr" >/dev/null 2>&1 || return 1
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' \
        >"$dir/server.ext"
    openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 2 -extfile "$dir/server.ext" -out "$dir/server.pem" \
        >/dev/null 2>&1 || return 1
    chmod 600 "$dir/server.key" "$dir/ca.key"
}

write_conf() {
    dir=$1
    tls=$2
    {
        echo "include $SCHEMA/core.schema"
        echo "include $SCHEMA/cosine.schema"
        echo "include $SCHEMA/inetorgperson.schema"
        echo "modulepath $MODULES"
        echo "moduleload back_mdb.so"
        echo "pidfile $dir/slapd.pid"
        echo "argsfile $dir/slapd.args"
        echo "loglevel none"
        if [ "$tls" = yes ]; then
            echo "TLSCACertificateFile $dir/ca.pem"
            echo "TLSCertificateFile $dir/server.pem"
            echo "TLSCertificateKeyFile $dir/server.key"
        fi
        cat <<CONF
database mdb
maxsize 67108864
suffix "$BASE"
directory $dir/db
index objectClass eq
index uid eq
index ou eq
limits dn.exact="cn=egov,$BASE" size=unlimited time=unlimited
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword
    by self write
    by anonymous auth
    by * none
access to dn.subtree="ou=egov,$BASE"
    by dn.exact="cn=egov,$BASE" write
    by users read
    by * none
access to *
    by dn.exact="cn=egov,$BASE" read
    by users read
    by * none
CONF
    } >"$dir/slapd.conf"
}

person() {
    # person DN-VALUE UID NAME SN GIVEN MAIL PASSWORD
    hash=$(slappasswd -h '{SSHA}' -s "$7")
    cat <<LDIF
dn:: $(b64 "uid=$1,ou=people,$BASE")
objectClass: inetOrgPerson
uid:: $(b64 "$2")
cn:: $(b64 "$3")
sn:: $(b64 "$4")
givenName:: $(b64 "$5")
displayName:: $(b64 "$3")
mail: $6
userPassword: $hash

LDIF
}

write_ldif() {
    dir=$1
    egov_pw=$2
    egov_hash=$(slappasswd -h '{SSHA}' -s "$egov_pw")
    {
        cat <<LDIF
dn: $BASE
objectClass: dcObject
objectClass: organization
dc: nghean
o:: $(b64 "Tỉnh Nghệ An (demo)")

dn: cn=egov,$BASE
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: egov
description: egov service account
userPassword: $egov_hash

dn: ou=people,$BASE
objectClass: organizationalUnit
ou: people

dn: ou=egov,$BASE
objectClass: organizationalUnit
ou: egov
description: written by egov ldap export

LDIF
        person "an.nguyen" "an.nguyen" "Nguyễn Văn An" "Nguyễn" "An" \
            "an.nguyen@nghean.demo.egov.vn" "Mật-khẩu-Đúng-2025"
        person "binh.tran" "binh.tran" "Trần Thị Bình" "Trần" "Bình" \
            "binh.tran@nghean.demo.egov.vn" "Binh-Tran-Secret-42"
        person 'hoa*(le)\5Cx' 'hoa*(le)\x' "Lê Thị Hoa" "Lê" "Hoa" \
            "hoa.le@nghean.demo.egov.vn" "Special-Chars-9"
    } >"$dir/init.ldif"
}

start() {
    for tool in slapd slapadd slappasswd ldapwhoami; do
        command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
            die "$tool is not installed (Debian: apt-get install slapd ldap-utils)"
    done
    PATH="$PATH:/usr/sbin"
    if [ $# -ge 1 ]; then
        dir=$1
        mkdir -p "$dir"
    else
        dir=$(mktemp -d "${TMPDIR:-/tmp}/egov-slapd.XXXXXX")
    fi
    dir=$(cd "$dir" && pwd)
    mkdir -p "$dir/db"
    tls=no
    if command -v openssl >/dev/null 2>&1 && make_certs "$dir"; then
        tls=yes
    fi
    egov_pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    write_conf "$dir" "$tls"
    write_ldif "$dir" "$egov_pw"
    slapadd -f "$dir/slapd.conf" -l "$dir/init.ldif" >"$dir/slapadd.log" 2>&1 ||
        die "slapadd failed: $(cat "$dir/slapadd.log")"
    tries=0
    while :; do
        port=$(pick_port)
        urls="ldap://127.0.0.1:$port"
        if [ "$tls" = yes ]; then
            tport=$(pick_port)
            urls="$urls ldaps://127.0.0.1:$tport"
        fi
        if slapd -f "$dir/slapd.conf" -h "$urls" -n egov-test-slapd \
            </dev/null >"$dir/slapd.log" 2>&1; then
            break
        fi
        tries=$((tries + 1))
        [ $tries -lt 10 ] || die "slapd did not start (ports taken?); see $dir/slapd.log"
    done
    # slapd has detached; wait until it answers a bind as the service account.
    i=0
    until ldapwhoami -x -H "ldap://127.0.0.1:$port" -D "cn=egov,$BASE" -w "$egov_pw" \
        >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -ge 100 ]; then
            stop "$dir" || true
            die "slapd did not answer within 10 s"
        fi
        sleep 0.1
    done
    owner=${EGOV_TEST_LDAP_OWNER_PID:-}
    if [ -n "$owner" ]; then
        (
            while kill -0 "$owner" 2>/dev/null && [ -f "$dir/slapd.conf" ]; do
                sleep 1
            done
            [ -f "$dir/slapd.conf" ] && stop "$dir"
        ) </dev/null >/dev/null 2>&1 &
    fi
    echo "EGOV_TEST_LDAP_URL=ldap://127.0.0.1:$port"
    echo "EGOV_TEST_LDAP_BIND_DN=cn=egov,$BASE"
    echo "EGOV_TEST_LDAP_BIND_PASSWORD=$egov_pw"
    echo "EGOV_TEST_LDAP_BASE=$BASE"
    if [ "$tls" = yes ]; then
        echo "EGOV_TEST_LDAPS_URL=ldaps://127.0.0.1:$tport"
        echo "EGOV_TEST_LDAP_CA_FILE=$dir/ca.pem"
    fi
    echo "EGOV_TEST_LDAP_DIR=$dir"
}

stop() {
    dir=$1
    [ -f "$dir/slapd.conf" ] || die "$dir does not look like a slapd.sh directory"
    if [ -f "$dir/slapd.pid" ]; then
        pid=$(cat "$dir/slapd.pid")
        if kill "$pid" 2>/dev/null; then
            i=0
            # slapd removes its pid file as the last step of a clean shutdown.
            while kill -0 "$pid" 2>/dev/null && [ -f "$dir/slapd.pid" ]; do
                i=$((i + 1))
                if [ $i -ge 100 ]; then
                    kill -9 "$pid" 2>/dev/null || true
                    break
                fi
                sleep 0.1
            done
        fi
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start)
    shift
    start "$@"
    ;;
stop)
    [ $# -eq 2 ] || die "usage: slapd.sh stop DIR"
    stop "$2"
    ;;
*)
    die "usage: slapd.sh start [DIR] | slapd.sh stop DIR"
    ;;
esac
