# shellcheck shell=bash disable=SC2153
# bench/sections/login.sh - P6 of ../shared/docs/PERFORMANCE.md: sign-in throughput
# against L_argon (argon2id hashes/s on all CPUs at egov's parameters, measured here by
# tools/argon-rate.c), and GET /healthz p99 while sign-ins keep the hashing pool busy.
#
# Each round: argon-rate on every CPU; /healthz idle (light load); sign-ins alone
# (wrk POST /api/v1/session with the right password, for BENCH_DURATION); sign-ins again
# with the same light /healthz load 1 s in. Medians over BENCH_ROUNDS.
#
# Settings (defaults in brackets; the rest as in scripts/bench.sh):
#   BENCH_LOGIN_CONNS [2 x CPUs, at least 16, at most 64]  sign-in connections: enough to
#       keep every hashing thread busy with work queued behind it, never more than the
#       pool's queue of 64, so a 429 means the pool was full
#   BENCH_LOGIN_ARGON [5]        seconds of argon-rate per round (after a 1 s warm-up)
#   BENCH_LOGIN_READ [5s]        length of each /healthz measurement (wrk -t1 -c4)
#   BENCH_LOGIN_READ_PACE [1]    ms each /healthz connection waits between requests
#       (wrk delay()); 0 = back to back, which takes the CPUs from the SCHED_IDLE hashing
#       so the sign-ins no longer saturate anything while reads are measured

bench_section_login() {
  local name=login
  local dur=$BENCH_DURATION warm=$BENCH_WARMUP rounds=$BENCH_ROUNDS
  local first_run=${#BENCH_WRK_RUNS[@]}
  local ncpu
  ncpu=$(nproc 2>/dev/null || echo 1)
  local lconns=${BENCH_LOGIN_CONNS:-}
  if [ -z "$lconns" ]; then
    lconns=$((2 * ncpu))
    [ "$lconns" -ge 16 ] || lconns=16
    [ "$lconns" -le 64 ] || lconns=64
  fi
  local argon_s=${BENCH_LOGIN_ARGON:-5} rdur=${BENCH_LOGIN_READ:-5s} pace=${BENCH_LOGIN_READ_PACE:-1}
  [[ "$lconns" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_LOGIN_CONNS must be a positive number (got '$lconns')"
  [[ "$argon_s" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_LOGIN_ARGON must be whole seconds (got '$argon_s')"
  [[ "$rdur" =~ ^[1-9][0-9]*s?$ ]] || bench_die "BENCH_LOGIN_READ must look like 5s (got '$rdur')"
  [[ "$pace" =~ ^[0-9]+$ ]] || bench_die "BENCH_LOGIN_READ_PACE must be whole ms (got '$pace')"
  local rsec=${rdur%s}

  echo
  echo "== $name: sign-in throughput vs L_argon, /healthz p99 while sign-ins saturate =="

  # --- L_argon: tools/argon-rate.c, built here (not part of egov's build) -----------------
  bench_require_cmd cc gcc
  bench_require_cmd curl curl
  bench_require_cmd pkg-config pkg-config
  local argon="$BENCH_TMP/argon-rate" sodium_flags
  sodium_flags=$(pkg-config --cflags --libs libsodium 2>/dev/null) ||
    bench_die "pkg-config knows no libsodium; install it with: apt-get install libsodium-dev"
  # shellcheck disable=SC2086
  cc -O2 "$BENCH_ROOT/tools/argon-rate.c" $sodium_flags -lpthread -o "$argon" 2>"$BENCH_TMP/argon-rate.log" ||
    { cat "$BENCH_TMP/argon-rate.log" >&2; bench_die "cannot build tools/argon-rate.c (output above)"; }

  # --- egov: its own database and key files; sign-in limits raised -----------------------
  local dir="$BENCH_TMP/login"
  mkdir -p "$dir" || bench_die "cannot create $dir"
  local keys=(EGOV_IDENTITY_KEY="$dir/identity.key" EGOV_AUDIT_KEY="$dir/audit.key"
    EGOV_AUDIT_ANCHOR="$dir/audit-anchor.log")
  local unset=() v
  for v in ${!EGOV_@}; do unset+=(-u "$v"); done
  env "${unset[@]}" "${keys[@]}" "$BENCH_EGOV" init --demo --db "sqlite:$dir/egov.db" \
    >"$dir/init.log" 2>&1 || { cat "$dir/init.log" >&2; bench_die "egov init --demo failed"; }
  # A staff account with no role: the password alone signs it in (no second factor).
  local password
  password="bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  printf '%s\n' "$password" | env "${unset[@]}" "${keys[@]}" "$BENCH_EGOV" user add \
    --db "sqlite:$dir/egov.db" --login bench.user --kind staff --name Bench --password-stdin \
    >"$dir/user.log" 2>&1 || { cat "$dir/user.log" >&2; bench_die "egov user add failed"; }

  bench_egov_start "$BENCH_EGOV" "$dir" 0 nopin "${keys[@]}" \
    EGOV_SIGNIN_ATTEMPTS_PER_LOGIN=1000000 EGOV_SIGNIN_ATTEMPTS_PER_ADDRESS=10000000
  local egov_pid=$EGOV_PID egov_log=$EGOV_LOG
  local base="http://127.0.0.1:$EGOV_PORT"
  local login_url="$base/api/v1/session" read_url="$base/healthz"
  local hthreads ithreads
  hthreads=$(ps -L -o cls= -p "$egov_pid" 2>/dev/null | grep -vc IDL)
  ithreads=$(ps -L -o cls= -p "$egov_pid" 2>/dev/null | grep -c IDL)
  bench_log "egov pid $egov_pid on :$EGOV_PORT, not pinned: $hthreads threads at normal priority, $ithreads SCHED_IDLE (the hashing pool)"

  # --- wrk scripts ----------------------------------------------------------------------------
  local lua="$BENCH_TMP/login.lua" rlua="$BENCH_TMP/read.lua"
  cat >"$lua" <<EOF
-- POST /api/v1/session with the right password; counts the answers by status.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"login":"bench.user","password":"$password"}'
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) s200 = 0; s401 = 0; s429 = 0; sother = 0 end
function response(status, headers, body)
  if status == 200 then s200 = s200 + 1
  elseif status == 401 then s401 = s401 + 1
  elseif status == 429 then s429 = s429 + 1
  else sother = sother + 1 end
end
function done(summary, latency, requests)
  local a, b, c, d = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("s200"); b = b + t:get("s401"); c = c + t:get("s429"); d = d + t:get("sother")
  end
  io.write(string.format("status: 200=%d 401=%d 429=%d other=%d\n", a, b, c, d))
end
EOF
  local rargs=()
  if [ "$pace" -gt 0 ]; then
    printf -- '-- each connection waits %s ms between requests: a light read load\nfunction delay() return %s end\n' \
      "$pace" "$pace" >"$rlua"
    rargs=(-s "$rlua")
  fi

  local probe
  probe=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    --data "{\"login\":\"bench.user\",\"password\":\"$password\"}" "$login_url" 2>/dev/null)
  [ "$probe" = 200 ] || { cat "$egov_log" >&2; bench_die "a sign-in as bench.user answered '$probe', not 200 (egov log above)"; }

  # --- warm-up ---------------------------------------------------------------------------------
  BENCH_CONNS=$lconns BENCH_WRK_NOPIN=1 bench_wrk login-warmup "$login_url" "$warm" "$egov_pid" -s "$lua"
  bench_log "warm-up sign-ins ($warm, -c$lconns): $(login_count "$WRK_OUT" 200) answered 200"
  BENCH_CONNS=4 BENCH_WRK_NOPIN=1 bench_wrk read-warmup "$read_url" "$warm" "$egov_pid" "${rargs[@]}"
  sleep 1

  # --- rounds --------------------------------------------------------------------------------
  local r a_rate a_cpu a_ocpu t0 t1 w0 w1 s0 s1 c0 c1
  local L_ARGON='' A_CPU='' A_OCPU='' LPS='' L_CPU='' L_CCPU='' L_OCPU='' L_P99='' L429=0 L401=0 LOTHER=0
  local P99_IDLE='' P99_LOAD='' RPS_IDLE='' RPS_LOAD='' LPS_LOAD='' LD_CPU='' LD_CCPU='' LD_OCPU='' LD429=0
  local RI_CPU='' RI_CCPU='' RI_OCPU='' SP99_IDLE='' SP99_LOAD='' POOL=''
  for ((r = 1; r <= rounds; r++)); do
    # L_argon, egov idle beside it.
    w0=$(bench_children_ticks) s0=$(bench_sys_busy_ticks) c0=$(bench_cpu_ticks "$egov_pid") t0=$(date +%s%N)
    # In the background and waited for, like wrk in bench_wrk, so that Ctrl-C is not deferred.
    local apid arc
    "$argon" "$ncpu" "$argon_s" 1 >"$BENCH_TMP/argon-rate.out" 2>&1 &
    apid=$!
    bench_track_pid "$apid"
    wait "$apid"
    arc=$?
    bench_untrack_pid "$apid"
    w1=$(bench_children_ticks) s1=$(bench_sys_busy_ticks) c1=$(bench_cpu_ticks "$egov_pid") t1=$(date +%s%N)
    a_rate=$(awk 'NR == 1 && $1 + 0 > 0 { print $1 }' "$BENCH_TMP/argon-rate.out")
    if [ "$arc" != 0 ] || [ -z "$a_rate" ]; then
      cat "$BENCH_TMP/argon-rate.out" >&2
      bench_die "argon-rate failed (exit $arc; output above)"
    fi
    a_cpu=$(bench_pct $((w1 - w0)) $((t1 - t0)))
    a_ocpu=$(bench_pct $((s1 - s0 - (w1 - w0) - (c1 - c0))) $((t1 - t0)))
    L_ARGON+="$a_rate " A_CPU+="$a_cpu " A_OCPU+="$a_ocpu "
    bench_log "round $r/$rounds L_argon   $(bench_fmt '%7.1f' "$a_rate") hashes/s   (argon-rate -t$ncpu, ${argon_s}s after 1 s warm-up; CPU % argon-rate $a_cpu, other $a_ocpu)"

    # /healthz with egov otherwise idle.
    curl -s "$base/metrics" >"$BENCH_TMP/metrics-a" 2>/dev/null
    BENCH_CONNS=4 BENCH_WRK_NOPIN=1 bench_wrk read-idle "$read_url" "$rdur" "$egov_pid" "${rargs[@]}"
    curl -s "$base/metrics" >"$BENCH_TMP/metrics-b" 2>/dev/null
    local sp99
    sp99=$(login_server_p99 "$BENCH_TMP/metrics-a" "$BENCH_TMP/metrics-b" 'GET /healthz')
    SP99_IDLE+="$sp99 "
    P99_IDLE+="$WRK_P99 " RPS_IDLE+="$WRK_RPS " RI_CPU+="$WRK_CPU " RI_CCPU+="$WRK_CLIENT_CPU " RI_OCPU+="$WRK_OTHER_CPU "
    bench_log "round $r/$rounds /healthz idle      p99 $(bench_fmt '%7.3f' "$WRK_P99") ms  $(bench_fmt '%7.0f' "$WRK_RPS") req/s   (egov's own p99 <= $sp99 ms) CPU % egov $WRK_CPU, wrk $WRK_CLIENT_CPU, other $WRK_OTHER_CPU"

    # Sign-ins alone.
    BENCH_CONNS=$lconns BENCH_WRK_NOPIN=1 bench_wrk login "$login_url" "$dur" "$egov_pid" -s "$lua"
    local n200 n401 n429 nother secs lps
    n200=$(login_count "$WRK_OUT" 200) n401=$(login_count "$WRK_OUT" 401)
    n429=$(login_count "$WRK_OUT" 429) nother=$(login_count "$WRK_OUT" other)
    secs=$(login_secs "$WRK_OUT")
    lps=$(awk -v n="$n200" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0) ? n / s : 0 }')
    LPS+="$lps " L_CPU+="$WRK_CPU " L_CCPU+="$WRK_CLIENT_CPU " L_OCPU+="$WRK_OTHER_CPU " L_P99+="$WRK_P99 "
    L429=$((L429 + n429)) L401=$((L401 + n401)) LOTHER=$((LOTHER + nother))
    bench_log "round $r/$rounds sign-ins     $(bench_fmt '%7.1f' "$lps") /s ($n200 x 200, $n429 x 429, $n401 x 401, $nother other; p99 $(bench_fmt '%.0f' "$WRK_P99") ms)   CPU % egov $WRK_CPU, wrk $WRK_CLIENT_CPU, other $WRK_OTHER_CPU"
    sleep 1 # let queued sign-ins drain

    # /healthz while sign-ins saturate: start them, 1 s later the same light read load.
    local lout="$BENCH_TMP/wrk-login-loaded-$((++BENCH_WRK_SEQ)).txt" lpid
    w0=$(bench_children_ticks) s0=$(bench_sys_busy_ticks) c0=$(bench_cpu_ticks "$egov_pid") t0=$(date +%s%N)
    wrk -t1 -c"$lconns" -d"$((rsec + 10))s" --latency -s "$lua" "$login_url" >"$lout" 2>&1 &
    lpid=$!
    bench_track_pid "$lpid"
    sleep 1
    local pool
    pool=$(curl -s "$base/metrics" 2>/dev/null | tee "$BENCH_TMP/metrics-a" | awk '/^egov_hash_pool_load / { print $2 }')
    BENCH_CONNS=4 BENCH_WRK_NOPIN=1 bench_wrk read-loaded "$read_url" "$rdur" "$egov_pid" "${rargs[@]}"
    local rp99=$WRK_P99 rrps=$WRK_RPS
    curl -s "$base/metrics" >"$BENCH_TMP/metrics-b" 2>/dev/null
    sp99=$(login_server_p99 "$BENCH_TMP/metrics-a" "$BENCH_TMP/metrics-b" 'GET /healthz')
    SP99_LOAD+="$sp99 " POOL+="${pool:-?} "
    kill -INT "$lpid" 2>/dev/null
    wait "$lpid"
    bench_untrack_pid "$lpid"
    w1=$(bench_children_ticks) s1=$(bench_sys_busy_ticks) c1=$(bench_cpu_ticks "$egov_pid") t1=$(date +%s%N)
    BENCH_WRK_RUNS+=("login-loaded $login_url $lout")
    n200=$(login_count "$lout" 200) n429=$(login_count "$lout" 429)
    secs=$(login_secs "$lout")
    lps=$(awk -v n="$n200" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0) ? n / s : 0 }')
    local ld_cpu ld_ccpu ld_ocpu
    ld_cpu=$(bench_pct $((c1 - c0)) $((t1 - t0)))
    ld_ccpu=$(bench_pct $((w1 - w0)) $((t1 - t0)))
    ld_ocpu=$(bench_pct $((s1 - s0 - (c1 - c0) - (w1 - w0))) $((t1 - t0)))
    P99_LOAD+="$rp99 " RPS_LOAD+="$rrps " LPS_LOAD+="$lps " LD_CPU+="$ld_cpu " LD_CCPU+="$ld_ccpu " LD_OCPU+="$ld_ocpu "
    LD429=$((LD429 + n429))
    bench_log "round $r/$rounds /healthz loaded    p99 $(bench_fmt '%7.3f' "$rp99") ms  $(bench_fmt '%7.0f' "$rrps") req/s   (egov's own p99 <= $sp99 ms; hashing pool load ${pool:-?}; sign-ins meanwhile $(bench_fmt '%.1f' "$lps")/s, $n429 x 429; CPU % egov $ld_cpu, wrk $ld_ccpu, other $ld_ocpu)"
    sleep 1
  done

  kill -0 "$egov_pid" 2>/dev/null || { cat "$egov_log" >&2; bench_die "egov exited during the load (log above)"; }
  local sessions=''
  if command -v sqlite3 >/dev/null 2>&1; then
    sessions=$(sqlite3 "file:$dir/egov.db?mode=ro" 'SELECT count(*) FROM session' 2>/dev/null)
  fi
  bench_stop_pid "$egov_pid"
  bench_untrack_pid "$egov_pid"

  # --- figures ---------------------------------------------------------------------------------
  local argon_med lps_med ratio a_cpu_med l_cpu_med l_ccpu_med l_ocpu_med a_ocpu_med
  # shellcheck disable=SC2086
  {
    argon_med=$(bench_median $L_ARGON)
    lps_med=$(bench_median $LPS)
    a_cpu_med=$(bench_median $A_CPU)
    a_ocpu_med=$(bench_median $A_OCPU)
    l_cpu_med=$(bench_median $L_CPU)
    l_ccpu_med=$(bench_median $L_CCPU)
    l_ocpu_med=$(bench_median $L_OCPU)
  }
  ratio=$(bench_ratio "$lps_med" "$argon_med")
  # Per CPU-second: sign-ins per second of CPU egov used, against hashes per second of CPU
  # argon-rate used (its CPU is measured over the warm-up too, when it is just as busy).
  local a_pc_list='' l_pc_list='' r_list='' i
  local -a la ac lp lc
  read -r -a la <<<"$L_ARGON"
  read -r -a ac <<<"$A_CPU"
  read -r -a lp <<<"$LPS"
  read -r -a lc <<<"$L_CPU"
  for ((i = 0; i < ${#la[@]}; i++)); do
    a_pc_list+="$(awk -v r="${la[$i]}" -v c="${ac[$i]}" 'BEGIN { if (c > 0) printf "%.2f", r * 100 / c; else printf "0" }') "
    l_pc_list+="$(awk -v r="${lp[$i]}" -v c="${lc[$i]}" 'BEGIN { if (c > 0) printf "%.2f", r * 100 / c; else printf "0" }') "
    r_list+="$(bench_ratio "${lp[$i]}" "${la[$i]}") "
  done
  local a_pc l_pc pc_ratio
  # shellcheck disable=SC2086
  {
    a_pc=$(bench_median $a_pc_list)
    l_pc=$(bench_median $l_pc_list)
  }
  pc_ratio=$(bench_ratio "$l_pc" "$a_pc")

  local p99_idle p99_load p99_ratio rps_idle rps_load lps_load ld_cpu_med ld_ccpu_med ld_ocpu_med
  local ri_cpu_med ri_ccpu_med ri_ocpu_med
  # shellcheck disable=SC2086
  {
    p99_idle=$(bench_median $P99_IDLE)
    p99_load=$(bench_median $P99_LOAD)
    rps_idle=$(bench_median $RPS_IDLE)
    rps_load=$(bench_median $RPS_LOAD)
    lps_load=$(bench_median $LPS_LOAD)
    ld_cpu_med=$(bench_median $LD_CPU)
    ld_ccpu_med=$(bench_median $LD_CCPU)
    ld_ocpu_med=$(bench_median $LD_OCPU)
    ri_cpu_med=$(bench_median $RI_CPU)
    ri_ccpu_med=$(bench_median $RI_CCPU)
    ri_ocpu_med=$(bench_median $RI_OCPU)
  }
  p99_ratio=$(bench_ratio "$p99_load" "$p99_idle")

  # Quiet rounds: those whose two compared phases both had other work under 20% of a CPU.
  # On a shared machine they are the figures to believe (medians over them).
  local -a ao lo pi pl rio ldo
  read -r -a ao <<<"$A_OCPU"
  read -r -a lo <<<"$L_OCPU"
  read -r -a pi <<<"$P99_IDLE"
  read -r -a pl <<<"$P99_LOAD"
  read -r -a rio <<<"$RI_OCPU"
  read -r -a ldo <<<"$LD_OCPU"
  local q_ratio='' q_p99='' qn_ratio=0 qn_p99=0
  for ((i = 0; i < ${#la[@]}; i++)); do
    if [ "${ao[$i]}" -le 20 ] && [ "${lo[$i]}" -le 20 ]; then
      q_ratio+="$(bench_ratio "${lp[$i]}" "${la[$i]}") "
      qn_ratio=$((qn_ratio + 1))
    fi
    if [ "${rio[$i]}" -le 20 ] && [ "${ldo[$i]}" -le 20 ]; then
      q_p99+="$(bench_ratio "${pl[$i]}" "${pi[$i]}") "
      qn_p99=$((qn_p99 + 1))
    fi
  done
  local q_ratio_med='' q_p99_med=''
  # shellcheck disable=SC2086
  {
    [ "$qn_ratio" = 0 ] || q_ratio_med=$(bench_fmt '%.3f' "$(bench_median $q_ratio)")
    [ "$qn_p99" = 0 ] || q_p99_med=$(bench_fmt '%.3f' "$(bench_median $q_p99)")
  }

  local noisy=0
  local o
  for o in "$a_ocpu_med" "$ri_ocpu_med" "$l_ocpu_med" "$ld_ocpu_med"; do
    [ "${o%.*}" -le 20 ] || noisy=1
  done

  # --- the summary -------------------------------------------------------------------------------
  local ts pacenote
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  if [ "$pace" -gt 0 ]; then
    pacenote="each connection waiting ${pace} ms between requests (a light load)"
  else
    pacenote="back to back (BENCH_LOGIN_READ_PACE=0: the reads take the CPUs from the hashing)"
  fi
  bench_summary_begin "$BENCH_OUT_DIR/$name.txt"
  bench_say "egov bench: $name (PERFORMANCE.md P6) - $ts"
  bench_say "$BENCH_HEADER"
  bench_say "pinning: none - egov on all $ncpu CPUs (default: one HTTP thread per CPU; hashing pool of $ithreads SCHED_IDLE threads, queue 64), wrk and argon-rate unpinned"
  bench_say "L_argon: tools/argon-rate.c, $ncpu threads, crypto_pwhash_str_alg argon2id13 t=2 m=19 MiB, ${argon_s} s after 1 s warm-up"
  bench_say "load:    sign-ins: wrk -t1 -c$lconns -d$dur POST /api/v1/session (JSON, right password) of a staff account with no role; $warm warm-up"
  bench_say "         reads: wrk -t1 -c4 -d$rdur GET /healthz, $pacenote; idle, then 1 s after the sign-ins start"
  bench_say "         median of $rounds rounds, each: L_argon, reads idle, sign-ins, reads while signing in"
  bench_say ""
  bench_say "$(printf '  %-34s %12s' 'L_argon (hashes/s)' "$(bench_fmt '%.1f' "$argon_med")")"
  bench_say "$(printf '  %-34s %12s' 'sign-ins/s (200s per second)' "$(bench_fmt '%.1f' "$lps_med")")"
  bench_say "$(printf '  %-34s %12s   %-9s %s' 'sign-ins / L_argon' "$ratio" '>= 0.80' "$(bench_mark "$ratio" ge 0.80)")"
  bench_say "$(printf '  %-34s %12s   %-9s %s' 'per CPU-second (sign-ins / hashes)' "$pc_ratio" '(>= 0.80)' "$(bench_mark "$pc_ratio" ge 0.80)")"
  bench_say "$(printf '  %-34s %12s   (pool full; expected 0 with -c%s <= 64)' 'answers 429 (all sign-in runs)' "$((L429 + LD429))" "$lconns")"
  [ "$((L401 + LOTHER))" = 0 ] || bench_say "$(printf '  %-34s %12s   (should be 0: see %s.wrk.txt)' 'answers 401 / other' "$L401 / $LOTHER" "$name")"
  bench_say "$(printf '  %-34s %12s' 'sessions created' "${sessions:-?}")"
  bench_say ""
  bench_say "$(printf '  %-34s %12s' '/healthz p99 idle (ms)' "$(bench_fmt '%.3f' "$p99_idle")")"
  bench_say "$(printf '  %-34s %12s' '/healthz p99 signing in (ms)' "$(bench_fmt '%.3f' "$p99_load")")"
  bench_say "$(printf '  %-34s %12s   %-9s %s' 'p99 signing in / idle' "$p99_ratio" '<= 2' "$(bench_mark "$p99_ratio" le 2)")"
  bench_say "$(printf '  %-34s %12s' '/healthz req/s idle / signing in' "$(bench_fmt '%.0f' "$rps_idle") / $(bench_fmt '%.0f' "$rps_load")")"
  bench_say "$(printf '  %-34s idle %s; signing in %s' "egov's own p99 <= (ms, per round)" "$(bench_csv "$SP99_IDLE")" "$(bench_csv "$SP99_LOAD")")"
  bench_say "   (from egov's /metrics histogram, buckets 0.5/1/2.5/5/10 ms: time inside egov only; the rest of"
  bench_say "    wrk's p99 is waiting for a CPU - egov's HTTP thread or wrk itself - and the network stack)"
  bench_say "$(printf '  %-34s %s   (running + queued; %s threads + queue 64)' 'hashing pool load, 1 s in' "$(bench_csv "$POOL")" "$ithreads")"
  bench_say "$(printf '  %-34s %12s   (vs %s alone: did sign-ins still saturate?)' 'sign-ins/s during those reads' "$(bench_fmt '%.1f' "$lps_load")" "$(bench_fmt '%.1f' "$lps_med")")"
  bench_say ""
  bench_say "CPU (% of one core; $ncpu CPUs = $((ncpu * 100))%)        measured   egov    wrk   rest of the machine"
  bench_say "$(printf '  %-34s %6s %6s %6s' 'argon-rate' "$a_cpu_med" '-' "$a_ocpu_med")"
  bench_say "$(printf '  %-34s %6s %6s %6s' 'reads idle' "$ri_cpu_med" "$ri_ccpu_med" "$ri_ocpu_med")"
  bench_say "$(printf '  %-34s %6s %6s %6s' 'sign-ins' "$l_cpu_med" "$l_ccpu_med" "$l_ocpu_med")"
  bench_say "$(printf '  %-34s %6s %6s %6s' 'sign-ins + reads (whole phase)' "$ld_cpu_med" "$ld_ccpu_med" "$ld_ocpu_med")"
  bench_say "  (per CPU-second = sign-ins per CPU-second egov used / hashes per CPU-second argon-rate used:"
  bench_say "   what egov spends beyond the hash, steadier than the plain ratio when other work shares the CPUs;"
  bench_say "   the hashing runs at SCHED_IDLE, so any other work on the machine takes CPU from it first)"
  if [ "$noisy" = 1 ]; then
    bench_say "  NOISY: other work used the CPUs during the runs; these figures are not reliable - re-run on an idle machine"
    bench_say "$(printf '  quiet rounds only (other work <= 20%% in both phases compared): sign-ins / L_argon %s (%s of %s rounds), p99 ratio %s (%s of %s)' \
      "${q_ratio_med:-n/a}" "$qn_ratio" "$rounds" "${q_p99_med:-n/a}" "$qn_p99" "$rounds")"
  fi
  bench_say ""
  bench_say "rounds, in order"
  # shellcheck disable=SC2086
  {
    bench_say "  L_argon hashes/s   $(bench_list '%.1f' $L_ARGON)   (per CPU-second $(bench_list '%.1f' $a_pc_list); CPU other $(bench_csv "$A_OCPU"))"
    bench_say "  sign-ins/s         $(bench_list '%.1f' $LPS)   (/ L_argon of the round $(bench_csv "$r_list"); per CPU-second $(bench_list '%.1f' $l_pc_list); CPU egov $(bench_csv "$L_CPU"), wrk $(bench_csv "$L_CCPU"), other $(bench_csv "$L_OCPU"); sign-in p99 ms $(bench_list '%.0f' $L_P99))"
    bench_say "  /healthz p99 ms    idle $(bench_list '%.3f' $P99_IDLE) (CPU other $(bench_csv "$RI_OCPU")); signing in $(bench_list '%.3f' $P99_LOAD)"
    bench_say "  while reading      sign-ins/s $(bench_list '%.1f' $LPS_LOAD); CPU egov $(bench_csv "$LD_CPU"), other $(bench_csv "$LD_OCPU")"
  }

  # --- history -------------------------------------------------------------------------------
  local prev_ts
  prev_ts=$(bench_history_last_ts "$BENCH_HISTORY" "$name")
  if [ -n "$prev_ts" ]; then
    local prev_dur prev_noisy line
    prev_dur=$(grep -F "\"bench\":\"$name\"" "$BENCH_HISTORY" | tail -n1 | sed -nE 's/.*"duration":"([^"]*)".*/\1/p')
    prev_noisy=$(bench_history_last "$BENCH_HISTORY" "$name" noisy)
    bench_say ""
    bench_say "change since the last run ($prev_ts, $BENCH_HISTORY):"
    [ "$prev_dur" = "$dur" ] || bench_say "  (that run used -d${prev_dur:-?}, this one -d$dur: not like for like)"
    if [ "$noisy" = 1 ] || [ "${prev_noisy:-0}" = 1 ]; then
      bench_say "  (this run or that one was NOISY - other work on the CPUs - so a change may be noise)"
    fi
    for line in \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" argon_rate 'L_argon (hashes/s)' "$argon_med" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" logins_per_s 'sign-ins/s' "$lps_med" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" ratio 'sign-ins / L_argon' "$ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" cpu_ratio 'per-CPU ratio' "$pc_ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" p99_ratio 'p99 signing in / idle' "$p99_ratio" higher)"; do
      [ -n "$line" ] && bench_say "$line"
    done
  fi
  bench_summary_end

  # shellcheck disable=SC2086
  bench_history_append "$BENCH_HISTORY" "$(printf '{"ts":"%s","bench":"%s","egov_version":"%s","host":"%s","cpus":%s,"duration":"%s","conns":%s,"rounds":%s,"read_duration":"%s","read_pace_ms":%s,"argon_rate":%s,"logins_per_s":%s,"ratio":%s,"argon_per_cpu":%s,"logins_per_cpu":%s,"cpu_ratio":%s,"http_429":%s,"http_401":%s,"p99_idle_ms":%s,"p99_loaded_ms":%s,"p99_ratio":%s,"logins_per_s_during_reads":%s,"egov_cpu_pct":%s,"other_cpu_pct":%s,"noisy":%s,"raw":{"argon_rate":%s,"logins_per_s":%s,"p99_idle_ms":%s,"p99_loaded_ms":%s,"logins_per_s_during_reads":%s,"egov_cpu_pct":%s,"other_cpu_pct":%s,"server_p99_idle_ms":%s,"server_p99_loaded_ms":%s,"pool_load":%s},"quiet_ratio":%s,"quiet_rounds_ratio":%s,"quiet_p99_ratio":%s,"quiet_rounds_p99":%s}' \
    "$ts" "$name" "$BENCH_EGOV_VERSION" "$(hostname 2>/dev/null || echo unknown)" "$ncpu" "$dur" "$lconns" "$rounds" "$rdur" "$pace" \
    "$argon_med" "$lps_med" "$(bench_json_num "$ratio")" "$a_pc" "$l_pc" "$(bench_json_num "$pc_ratio")" \
    "$((L429 + LD429))" "$L401" "$p99_idle" "$p99_load" "$(bench_json_num "$p99_ratio")" "$lps_load" \
    "$l_cpu_med" "$l_ocpu_med" "$noisy" \
    "$(bench_json_array $L_ARGON)" "$(bench_json_array $LPS)" "$(bench_json_array $P99_IDLE)" \
    "$(bench_json_array $P99_LOAD)" "$(bench_json_array $LPS_LOAD)" "$(bench_json_array $L_CPU)" \
    "$(bench_json_array $L_OCPU)" "$(login_json_list $SP99_IDLE)" "$(login_json_list $SP99_LOAD)" \
    "$(login_json_list $POOL)" "$(bench_json_num "$q_ratio_med")" "$qn_ratio" "$(bench_json_num "$q_p99_med")" "$qn_p99")"
  bench_save_raw "$first_run" "$BENCH_OUT_DIR/$name.wrk.txt"
  echo "(written to $BENCH_OUT_DIR/$name.txt, raw wrk reports in $name.wrk.txt; appended to $BENCH_HISTORY)"
}

# Answers with STATUS (200, 401, 429 or other) in a report of the sign-in script.
login_count() { # FILE STATUS
  awk -v s="$2" '/^status: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == s) print kv[2] } }' "$1" |
    tail -n1 | grep . || echo 0
}

# The seconds a wrk run lasted ("359 requests in 10.08s, ...").
login_secs() { # FILE
  local t
  t=$(awk '/ requests in / { sub(/,$/, "", $4); print $4 }' "$1")
  awk -v ms="$(bench_to_ms "${t:-0s}")" 'BEGIN { printf "%.3f", ms / 1000 }'
}

# egov's own p99 for ROUTE between two /metrics snapshots: the upper bound (ms) of the
# first egov_http_request_duration_seconds bucket holding 99% of the requests in between
# (coarse: 0.5, 1, 2.5, 5, 10, 25 ms...). Time inside egov only: not the wait before a
# thread reads the request, nor the client's.
login_server_p99() { # BEFORE AFTER ROUTE
  awk -v route="$3" '
    FNR == 1 { f++ }
    index($0, "egov_http_request_duration_seconds_bucket{route=\"" route "\",le=\"") == 1 {
      le = $0; sub(/.*le="/, "", le); sub(/".*/, "", le)
      if (f == 1) a[le] = $NF; else { b[le] = $NF; order[++n] = le } }
    END {
      total = b["+Inf"] - a["+Inf"]
      if (total <= 0) { print "?"; exit }
      for (i = 1; i <= n; i++) if (b[order[i]] - a[order[i]] >= 0.99 * total) {
        if (order[i] == "+Inf") print "inf"; else printf "%g\n", order[i] * 1000; exit } }' "$1" "$2"
}

# A JSON array of the arguments; anything not a number ("?", "inf") becomes null.
login_json_list() {
  local x out=
  for x in "$@"; do
    if [[ "$x" =~ ^[0-9.]+$ ]]; then out+="$x,"; else out+="null,"; fi
  done
  echo "[${out%,}]"
}
