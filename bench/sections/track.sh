# shellcheck shell=bash disable=SC2153
# bench/sections/track.sh - P2 of ../shared/docs/PERFORMANCE.md: the public status lookup,
# GET /api/v1/track/{code} of existing dossiers, against L_http (Debian nginx, 1 worker,
# a 16-byte JSON body), and its p99 at about half the maximum rate.
#
# The database: `egov init --demo`, a few dossiers submitted through egov's API (procedure
# 1.013978, no attachments), then copies of them up to BENCH_TRACK_DOSSIERS made by
# bench/gen-dossiers.py. wrk runs bench/track.lua, which walks a shuffled sample of the
# codes. egov --threads 1 and nginx with one worker on the server CPU, as in healthz.sh.
# Then the same lookups at about half the maximum rate: each connection waits between
# requests (wrk delay(), BENCH_CONNS x 1000 / (rate / 2) ms), p99 goal <= 5 ms.
#
# Settings (defaults in brackets; the rest as in scripts/bench.sh):
#   BENCH_TRACK_DOSSIERS [10000]  dossiers in the database
#
# This file also holds the helpers the dossier sections share (dossier_bench_*), which
# submit.sh and dossier_scale.sh load by sourcing it.
#
# Run by scripts/bench.sh like the other sections (see bench/sections/healthz.sh for the
# variables it sets). Writes BENCH_OUT_DIR/track.txt and track.wrk.txt, appends one line
# to BENCH_HISTORY.

# ---- helpers shared by the dossier sections ------------------------------------------------

# A valid online submission of 1.013978 (land registration) at 000.00.41.H41: no uploads.
dossier_bench_body() { # FILE
  cat >"$1" <<'EOF'
{"procedure":"1.013978","agency":"000.00.41.H41","form":{"applicant_name":"Nguyễn Văn An","applicant_personal_id":"001204001234","parcel_address":"Khối 5, phường Trường Vinh","area_m2":"152","land_use_purpose":"residential","origin":"Nhận chuyển nhượng năm 1998","use_since":"1998-05-01","has_assets":"no","phone":"0912 345 678"}}
EOF
}

# egov's settings for a section's own directory: its key files, and files and spool there
# too (never the repository's var/). One NAME=VALUE a word.
dossier_bench_env() { # DIR
  echo "$(bench_egov_keys "$1")" "EGOV_FILES_DIR=$1/files" "EGOV_SPOOL_DIR=$1/spool"
}

# Runs an egov subcommand on DIR's database, with DIR's settings and no EGOV_* of ours.
dossier_bench_egov() { # DIR ARGS...
  local dir=$1 unset=() v
  shift
  for v in ${!EGOV_@}; do unset+=(-u "$v"); done
  # shellcheck disable=SC2046 # one word per setting
  env "${unset[@]}" $(dossier_bench_env "$dir") "$BENCH_EGOV" "$@" --db "sqlite:$dir/egov.db"
}

# A demo database in DIR with NCITIZENS citizens (bench.c1..N, each with an email address,
# as sign-up requires) and one desk officer of 000.00.41.H41 (bench.desk), each with an API
# token (scope "read write") in DIR/tok.c1..N and DIR/tok.desk.
dossier_bench_accounts() { # DIR NCITIZENS
  local dir=$1 n=$2 i pw
  mkdir -p "$dir" || bench_die "cannot create $dir"
  bench_egov_init "$BENCH_EGOV" "$dir"
  pw="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  for ((i = 1; i <= n; i++)); do
    if ! { printf '%s\n' "$pw" | dossier_bench_egov "$dir" user add --login "bench.c$i" \
      --kind citizen --personal-id "$(printf '0012040%05d' "$i")" --name "Công dân $i" \
      --email "c$i@example.vn" --password-stdin >>"$dir/accounts.log" 2>&1 &&
      dossier_bench_egov "$dir" token create --login "bench.c$i" --scope 'read write' \
        >"$dir/tok.c$i" 2>>"$dir/accounts.log"; }; then
      cat "$dir/accounts.log" >&2
      bench_die "cannot create citizen bench.c$i (egov output above)"
    fi
  done
  if ! { printf '%s\n' "$pw" | dossier_bench_egov "$dir" user add --login bench.desk --kind staff \
    --name "Một Cửa" --email desk@example.vn --role desk_officer --org 000.00.41.H41 \
    --password-stdin >>"$dir/accounts.log" 2>&1 &&
    dossier_bench_egov "$dir" token create --login bench.desk --scope 'read write' \
      >"$dir/tok.desk" 2>>"$dir/accounts.log"; }; then
    cat "$dir/accounts.log" >&2
    bench_die "cannot create the desk officer (egov output above)"
  fi
}

# Submits BODY-FILE as the citizen of TOKEN-FILE with Idempotency-Key KEY; prints the code.
dossier_bench_submit() { # BASE-URL TOKEN-FILE BODY-FILE KEY
  local out code
  out=$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $(cat "$2")" \
    -H 'Content-Type: application/json' -H "Idempotency-Key: $4" --data-binary "@$3" \
    "$1/api/v1/dossiers")
  code=$(printf '%s' "$out" | tail -n1)
  [ "$code" = 201 ] || { printf '%s\n' "$out" >&2; return 1; }
  printf '%s' "$out" | head -n1 | sed -n 's/.*"code":"\([^"]*\)".*/\1/p'
}

# A database in DIR holding COUNT dossiers: REAL (default 3) submitted through egov's API by
# one citizen, the rest copies of them (bench/gen-dossiers.py). Writes the codes of a sample of
# up to 10,000 of them to CODES-FILE. Sets DOSSIER_GEN_S (seconds the copies took) and
# DOSSIER_GEN_NOTE (gen-dossiers.py's own line).
dossier_bench_make() { # DIR COUNT CODES-FILE [REAL]
  local dir=$1 count=$2 codes=$3 real=${4:-3} i code
  bench_require_cmd curl curl
  bench_require_cmd python3 python3
  dossier_bench_accounts "$dir" 1
  dossier_bench_body "$dir/body.json"
  # shellcheck disable=SC2046 # one word per setting
  bench_egov_start "$BENCH_EGOV" "$dir" 0 nopin $(dossier_bench_env "$dir")
  local pid=$EGOV_PID base="http://127.0.0.1:$EGOV_PORT"
  : >"$dir/real-codes.txt"
  for ((i = 1; i <= real; i++)); do
    code=$(dossier_bench_submit "$base" "$dir/tok.c1" "$dir/body.json" "bench-make-$i") ||
      { cat "$EGOV_LOG" >&2; bench_die "a submission through egov's API failed (answer and log above)"; }
    echo "$code" >>"$dir/real-codes.txt"
  done
  bench_stop_pid "$pid"
  bench_untrack_pid "$pid"
  DOSSIER_GEN_S=0 DOSSIER_GEN_NOTE="no copies"
  if [ "$count" -gt "$real" ]; then
    local t0 t1
    t0=$(date +%s%N)
    python3 "$BENCH_ROOT/bench/gen-dossiers.py" "$dir/egov.db" $((count - real)) \
      --codes "$codes" --sample 10000 2>"$dir/gen.log" ||
      { cat "$dir/gen.log" >&2; bench_die "bench/gen-dossiers.py failed (output above)"; }
    t1=$(date +%s%N)
    DOSSIER_GEN_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    DOSSIER_GEN_NOTE=$(tail -n1 "$dir/gen.log")
  else
    cp "$dir/real-codes.txt" "$codes"
  fi
}

# "N" of "status: ... KEY=N ..." printed by the dossier wrk scripts (0 if absent).
dossier_bench_count() { # FILE KEY
  awk -v k="$2" '/^status: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) n = kv[2] } }
    END { print n + 0 }' "$1"
}

# ---- the section ----------------------------------------------------------------------------

bench_section_track() {
  local name=track
  local dur=$BENCH_DURATION warm=$BENCH_WARMUP rounds=$BENCH_ROUNDS conns=$BENCH_CONNS
  local first_run=${#BENCH_WRK_RUNS[@]}
  local count=${BENCH_TRACK_DOSSIERS:-10000}
  [[ "$count" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_TRACK_DOSSIERS must be a positive number (got '$count')"

  echo
  echo "== $name: GET /api/v1/track/{code} with $count dossiers, egov vs nginx (L_http) =="

  local dir="$BENCH_TMP/track"
  dossier_bench_make "$dir" "$count" "$dir/codes.txt"
  bench_log "$count dossiers: $(wc -l <"$dir/real-codes.txt") through the API, the rest copies ($DOSSIER_GEN_S s)"

  # --- servers: both on the server CPU, each with one thread/worker ------------------------
  bench_nginx_start "$BENCH_TMP" 1 pin
  local nginx_pid=$NGINX_PID nginx_url="http://127.0.0.1:$NGINX_PORT/healthz"
  # shellcheck disable=SC2046 # one word per setting
  bench_egov_start "$BENCH_EGOV" "$dir" 1 pin $(dossier_bench_env "$dir")
  local egov_pid=$EGOV_PID egov_log=$EGOV_LOG egov_port=$EGOV_PORT base="http://127.0.0.1:$EGOV_PORT"
  export "BENCH_TRACK_CODES_$egov_port=$dir/codes.txt"
  local lua="$BENCH_ROOT/bench/track.lua" one
  one=$(head -n1 "$dir/codes.txt")
  local probe_nginx probe_egov
  probe_nginx=$(bench_probe "$nginx_url")
  probe_egov=$(bench_probe "$base/api/v1/track/$one")
  case "$probe_egov" in *"status 200"*) ;; *)
    cat "$egov_log" >&2
    bench_die "GET /api/v1/track/$one answered: $probe_egov (egov log above)" ;;
  esac

  bench_target nginx "$nginx_url" "$nginx_pid"
  bench_target track "$base" "$egov_pid" -s "$lua"
  bench_log "wrk -t${BENCH_WRK_THREADS:-1} -c$conns -d$dur --latency, $rounds rounds alternating nginx and the lookups (bench/track.lua, $(wc -l <"$dir/codes.txt") codes)"
  bench_alternate "$rounds" "$dur" "$warm" nginx track
  # --- about half the maximum rate: each connection waits between requests ----------------
  local t_rps=${BENCH_RPS_MED[track]} pace
  pace=$(awk -v c="$conns" -v r="$t_rps" 'BEGIN { p = (r > 0) ? c * 1000 / (r / 2) : 1; if (p < 1) p = 1; printf "%.0f", p }')
  bench_target half "$base" "$egov_pid" -s "$lua"
  bench_log "about half the rate: each of the $conns connections waits $pace ms between lookups"
  BENCH_TRACK_DELAY=$pace bench_alternate "$rounds" "$dur" "$warm" half

  # Lookups that did not answer 200 (a code not found would make the figures meaningless).
  local other=0 run label f
  for run in "${BENCH_WRK_RUNS[@]:$first_run}"; do
    read -r label _ f <<<"$run"
    [ "$label" = nginx ] || [ "$label" = nginx-warmup ] ||
      other=$((other + $(dossier_bench_count "$f" other)))
  done

  kill -0 "$egov_pid" 2>/dev/null || { cat "$egov_log" >&2; bench_die "egov exited during the load (log above)"; }
  kill -0 "$nginx_pid" 2>/dev/null || bench_die "nginx exited during the load"
  bench_stop_pid "$egov_pid"
  bench_untrack_pid "$egov_pid"
  bench_stop_pid "$nginx_pid"
  bench_untrack_pid "$nginx_pid"
  unset "BENCH_TRACK_CODES_$egov_port"

  # --- the summary -----------------------------------------------------------------------------
  local n_rps=${BENCH_RPS_MED[nginx]} n_p99=${BENCH_P99_MED[nginx]} t_p99=${BENCH_P99_MED[track]}
  local h_rps=${BENCH_RPS_MED[half]} h_p99=${BENCH_P99_MED[half]}
  local ratio p99_ratio n_pc t_pc pc_ratio
  ratio=$(bench_ratio "$t_rps" "$n_rps")
  p99_ratio=$(bench_ratio "$t_p99" "$n_p99")
  # shellcheck disable=SC2046
  n_pc=$(bench_median $(bench_per_cpu "${BENCH_RPS[nginx]}" "${BENCH_CPU[nginx]}"))
  # shellcheck disable=SC2046
  t_pc=$(bench_median $(bench_per_cpu "${BENCH_RPS[track]}" "${BENCH_CPU[track]}"))
  pc_ratio=$(bench_ratio "$t_pc" "$n_pc")
  local noisy=0 t o
  for t in nginx track half; do
    for o in ${BENCH_OCPU[$t]}; do
      [ "${o%.*}" -gt 20 ] && noisy=1
    done
  done

  local ts
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  bench_summary_begin "$BENCH_OUT_DIR/$name.txt"
  bench_say "egov bench: $name (PERFORMANCE.md P2) - $ts"
  bench_say "$BENCH_HEADER"
  bench_say "pinning: $BENCH_PIN_NOTE; egov --threads 1 vs nginx worker_processes 1"
  bench_say "load:    wrk -t${BENCH_WRK_THREADS:-1} -c$conns -d$dur --latency, $warm warm-up each, median of $rounds rounds alternating nginx and egov"
  bench_say "data:    $count dossiers ($(wc -l <"$dir/real-codes.txt") submitted through the API, the rest copies by bench/gen-dossiers.py); lookups walk $(wc -l <"$dir/codes.txt") codes, shuffled"
  bench_say "reply:   nginx $probe_nginx"
  bench_say "         egov  $probe_egov   (GET /api/v1/track/$one)"
  bench_say ""
  bench_say "                           req/s     p99 ms   / nginx    goal"
  bench_say "$(printf '  %-20s %10s %10s' 'nginx (L_http)' "$(bench_fmt '%.0f' "$n_rps")" "$(bench_fmt '%.3f' "$n_p99")")"
  bench_say "$(printf '  %-20s %10s %10s %10s   %-8s %s' 'status lookup' "$(bench_fmt '%.0f' "$t_rps")" \
    "$(bench_fmt '%.3f' "$t_p99")" "$ratio" '>= 0.30' "$(bench_mark "$ratio" ge 0.30)")"
  bench_say "$(printf '  %-20s %10s %10s %10s   %s' 'p99 / nginx p99' '' '' "$p99_ratio" '(no goal of its own)')"
  bench_say "$(printf '  %-20s %10s %10s %10s   %-8s %s' 'req/s per CPU' "$(bench_fmt '%.0f' "$t_pc")" '' \
    "$pc_ratio" '(>= 0.30)' "$(bench_mark "$pc_ratio" ge 0.30)")"
  bench_say "$(printf '  %-20s %10s %10s %10s   %-8s %s' 'at ~half the rate' "$(bench_fmt '%.0f' "$h_rps")" \
    "$(bench_fmt '%.3f' "$h_p99")" '' 'p99 <= 5 ms' "$(bench_mark "$h_p99" le 5)")"
  bench_say "  (half the rate: each connection waits $pace ms between lookups, aiming at $(bench_fmt '%.0f' "$(awk -v r="$t_rps" 'BEGIN { print r / 2 }')") req/s;"
  bench_say "   wrk is closed-loop, so this approximates a constant-rate load - a slow answer delays the next)"
  [ "$other" = 0 ] || bench_say "  WARNING: $other lookups did not answer 200 (see $name.wrk.txt)"
  [ "$noisy" = 1 ] && bench_say "  NOISY: other work used the CPUs during the runs; these figures are not reliable - re-run on an idle machine"
  bench_say ""
  bench_say "rounds, in order (CPU in % of one core: server / wrk / rest of the machine)"
  for t in nginx track half; do
    # shellcheck disable=SC2086
    bench_say "$(printf '  %-6s req/s %-22s  p99 ms %-22s  CPU %s / %s / %s' "$t" \
      "$(bench_list '%.0f' ${BENCH_RPS[$t]})" "$(bench_list '%.3f' ${BENCH_P99[$t]})" \
      "$(bench_csv "${BENCH_CPU[$t]}")" "$(bench_csv "${BENCH_CCPU[$t]}")" "$(bench_csv "${BENCH_OCPU[$t]}")")"
  done
  bench_say "  copies: $DOSSIER_GEN_NOTE"

  local prev_ts
  prev_ts=$(bench_history_last_ts "$BENCH_HISTORY" "$name")
  if [ -n "$prev_ts" ]; then
    bench_say ""
    bench_say "change since the last run ($prev_ts, $BENCH_HISTORY):"
    local line
    for line in \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" ratio 'lookup / L_http' "$ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" cpu_ratio 'per-CPU ratio' "$pc_ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" half_p99_ms 'p99 at half rate (ms)' "$h_p99" higher)"; do
      [ -n "$line" ] && bench_say "$line"
    done
  fi
  bench_summary_end

  # shellcheck disable=SC2086
  bench_history_append "$BENCH_HISTORY" "$(printf '{"ts":"%s","bench":"%s","egov_version":"%s","duration":"%s","conns":%s,"rounds":%s,"dossiers":%s,"nginx_rps":%s,"track_rps":%s,"ratio":%s,"cpu_ratio":%s,"nginx_p99_ms":%s,"track_p99_ms":%s,"half_pace_ms":%s,"half_rps":%s,"half_p99_ms":%s,"not_200":%s,"noisy":%s,"raw":{"nginx_rps":%s,"track_rps":%s,"half_rps":%s,"nginx_p99_ms":%s,"track_p99_ms":%s,"half_p99_ms":%s}}' \
    "$ts" "$name" "$BENCH_EGOV_VERSION" "$dur" "$conns" "$rounds" "$count" "$n_rps" "$t_rps" \
    "$(bench_json_num "$ratio")" "$(bench_json_num "$pc_ratio")" "$n_p99" "$t_p99" "$pace" "$h_rps" "$h_p99" \
    "$other" "$noisy" \
    "$(bench_json_array ${BENCH_RPS[nginx]})" "$(bench_json_array ${BENCH_RPS[track]})" "$(bench_json_array ${BENCH_RPS[half]})" \
    "$(bench_json_array ${BENCH_P99[nginx]})" "$(bench_json_array ${BENCH_P99[track]})" "$(bench_json_array ${BENCH_P99[half]})")"
  bench_save_raw "$first_run" "$BENCH_OUT_DIR/$name.wrk.txt"
  echo "(written to $BENCH_OUT_DIR/$name.txt, raw wrk reports in $name.wrk.txt; appended to $BENCH_HISTORY)"
}
