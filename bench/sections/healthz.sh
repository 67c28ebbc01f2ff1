# shellcheck shell=bash disable=SC2153
# bench/sections/healthz.sh - P1 of ../shared/docs/PERFORMANCE.md: GET /healthz through the
# whole stack against L_http (Debian nginx, 1 worker, the same JSON body).
#
# A section is a function bench_section_NAME run by scripts/bench.sh with these set:
#   BENCH_ROOT BENCH_EGOV BENCH_TMP BENCH_DB_DIR BENCH_OUT_DIR BENCH_HISTORY
#   BENCH_DURATION BENCH_WARMUP BENCH_ROUNDS BENCH_CONNS BENCH_PIN_NOTE BENCH_HEADER
# It writes BENCH_OUT_DIR/NAME.txt and NAME.wrk.txt and appends one line to BENCH_HISTORY.

bench_section_healthz() {
  local name=healthz
  local dur=$BENCH_DURATION warm=$BENCH_WARMUP rounds=$BENCH_ROUNDS conns=$BENCH_CONNS
  local first_run=${#BENCH_WRK_RUNS[@]}

  echo
  echo "== $name: GET /healthz, egov vs nginx (L_http) =="

  # --- servers: both on the server CPU, each with one thread/worker ------------------
  bench_nginx_start "$BENCH_TMP" 1 pin
  local nginx_pid=$NGINX_PID nginx_url="http://127.0.0.1:$NGINX_PORT/healthz"
  bench_egov_start "$BENCH_EGOV" "$BENCH_DB_DIR" 1 pin
  local egov_pid=$EGOV_PID egov_url="http://127.0.0.1:$EGOV_PORT/healthz" egov_log=$EGOV_LOG

  # RSS right after start, before any request.
  sleep 0.5
  local rss_start_kb
  rss_start_kb=$(bench_rss_kb "$egov_pid")
  bench_log "nginx pid $nginx_pid on :$NGINX_PORT; egov pid $egov_pid on :$EGOV_PORT; egov RSS at start $(bench_kb_to_mb "$rss_start_kb") MB"
  if [ -s "$egov_log" ]; then
    bench_log "egov wrote at start (log level warn):"
    sed 's/^/      /' "$egov_log"
  fi

  local probe_nginx probe_egov
  probe_nginx=$(bench_probe "$nginx_url")
  probe_egov=$(bench_probe "$egov_url")

  # --- the pinned comparison -------------------------------------------------------------
  bench_target nginx "$nginx_url" "$nginx_pid"
  bench_target egov "$egov_url" "$egov_pid"
  bench_log "wrk -t${BENCH_WRK_THREADS:-1} -c$conns -d$dur --latency, $rounds rounds alternating nginx and egov"
  bench_alternate "$rounds" "$dur" "$warm" nginx egov

  kill -0 "$egov_pid" 2>/dev/null || { cat "$egov_log" >&2; bench_die "egov exited during the load (log above)"; }
  kill -0 "$nginx_pid" 2>/dev/null || bench_die "nginx exited during the load"

  # Idle RSS: after the load, 2 s of rest.
  sleep 2
  local rss_idle_kb hwm_kb
  rss_idle_kb=$(bench_rss_kb "$egov_pid")
  hwm_kb=$(bench_hwm_kb "$egov_pid")

  bench_stop_pid "$egov_pid"
  bench_untrack_pid "$egov_pid"
  bench_stop_pid "$nginx_pid"
  bench_untrack_pid "$nginx_pid"

  # --- optional: egov on both CPUs (not comparable to nginx's single worker) -------------
  local t2_rps='' t2_p99='' t2_raw_rps='' t2_raw_p99='' t2_cpu=''
  if [ "${BENCH_T2:-1}" = 1 ]; then
    bench_egov_start "$BENCH_EGOV" "$BENCH_DB_DIR" 2 nopin
    local t2_pid=$EGOV_PID
    bench_target egov-t2 "http://127.0.0.1:$EGOV_PORT/healthz" "$t2_pid"
    bench_log "egov --threads 2, wrk unpinned: $rounds rounds"
    BENCH_WRK_NOPIN=1 bench_alternate "$rounds" "$dur" "$warm" egov-t2
    t2_rps=${BENCH_RPS_MED[egov-t2]} t2_p99=${BENCH_P99_MED[egov-t2]}
    t2_raw_rps=${BENCH_RPS[egov-t2]} t2_raw_p99=${BENCH_P99[egov-t2]}
    t2_cpu="$(bench_csv "${BENCH_CPU[egov-t2]}") / $(bench_csv "${BENCH_CCPU[egov-t2]}") / $(bench_csv "${BENCH_OCPU[egov-t2]}")"
    bench_stop_pid "$t2_pid"
    bench_untrack_pid "$t2_pid"
  fi

  # --- the summary -----------------------------------------------------------------------
  local n_rps=${BENCH_RPS_MED[nginx]} e_rps=${BENCH_RPS_MED[egov]}
  local n_p99=${BENCH_P99_MED[nginx]} e_p99=${BENCH_P99_MED[egov]}
  local ratio p99_ratio rss_start rss_idle hwm
  ratio=$(bench_ratio "$e_rps" "$n_rps")
  p99_ratio=$(bench_ratio "$e_p99" "$n_p99")
  rss_start=$(bench_kb_to_mb "$rss_start_kb")
  rss_idle=$(bench_kb_to_mb "$rss_idle_kb")
  hwm=$(bench_kb_to_mb "$hwm_kb")
  local n_cpu e_cpu n_ccpu e_ccpu n_ocpu e_ocpu
  # shellcheck disable=SC2086
  {
    n_cpu=$(bench_median ${BENCH_CPU[nginx]})
    e_cpu=$(bench_median ${BENCH_CPU[egov]})
    n_ccpu=$(bench_median ${BENCH_CCPU[nginx]})
    e_ccpu=$(bench_median ${BENCH_CCPU[egov]})
    n_ocpu=$(bench_median ${BENCH_OCPU[nginx]})
    e_ocpu=$(bench_median ${BENCH_OCPU[egov]})
  }

  # Requests per server CPU-second: the same comparison with the time the server
  # actually ran, which other work on the machine disturbs much less.
  local n_pc_list e_pc_list n_pc e_pc pc_ratio
  n_pc_list=$(bench_per_cpu "${BENCH_RPS[nginx]}" "${BENCH_CPU[nginx]}")
  e_pc_list=$(bench_per_cpu "${BENCH_RPS[egov]}" "${BENCH_CPU[egov]}")
  # shellcheck disable=SC2086
  n_pc=$(bench_median $n_pc_list)
  # shellcheck disable=SC2086
  e_pc=$(bench_median $e_pc_list)
  pc_ratio=$(bench_ratio "$e_pc" "$n_pc")

  local ts
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  bench_summary_begin "$BENCH_OUT_DIR/$name.txt"
  bench_say "egov bench: $name (PERFORMANCE.md P1, P10) - $ts"
  bench_say "$BENCH_HEADER"
  bench_say "pinning: $BENCH_PIN_NOTE; egov --threads 1 vs nginx worker_processes 1"
  bench_say "load:    wrk -t${BENCH_WRK_THREADS:-1} -c$conns -d$dur --latency, $warm warm-up each, median of $rounds rounds alternating nginx and egov"
  bench_say "reply:   nginx $probe_nginx"
  bench_say "         egov  $probe_egov"
  bench_say ""
  bench_say "                       nginx (L_http)         egov   egov/nginx   goal"
  bench_say "$(printf '  %-18s %14s %12s %12s   %-8s %s' 'requests/s' \
    "$(bench_fmt '%.0f' "$n_rps")" "$(bench_fmt '%.0f' "$e_rps")" "$ratio" '>= 0.50' \
    "$(bench_mark "$ratio" ge 0.50)")"
  bench_say "$(printf '  %-18s %14s %12s %12s   %-8s %s' 'p99 latency (ms)' \
    "$(bench_fmt '%.3f' "$n_p99")" "$(bench_fmt '%.3f' "$e_p99")" "$p99_ratio" '<= 3' \
    "$(bench_mark "$p99_ratio" le 3)")"
  bench_say "$(printf '  %-18s %14s %12s %12s   %-8s %s' 'req/s per CPU' \
    "$(bench_fmt '%.0f' "$n_pc")" "$(bench_fmt '%.0f' "$e_pc")" "$pc_ratio" '(>= 0.50)' \
    "$(bench_mark "$pc_ratio" ge 0.50)")"
  bench_say "$(printf '  %-18s %14s %12s' 'server CPU (%)' "$n_cpu" "$e_cpu")"
  bench_say "$(printf '  %-18s %14s %12s' 'wrk CPU (%)' "$n_ccpu" "$e_ccpu")"
  bench_say "$(printf '  %-18s %14s %12s   (the rest of the machine; should be near 0)' 'other CPU (%)' "$n_ocpu" "$e_ocpu")"
  if [ "${n_ccpu%.*}" -ge 90 ] && [ "${n_cpu%.*}" -lt 95 ]; then
    bench_say "  CLIENT-BOUND: wrk used ${n_ccpu}% of its CPU while nginx used ${n_cpu}% - L_http is partly wrk's"
    bench_say "  limit, which flatters the req/s ratio; the per-CPU ratio does not depend on it"
  fi
  bench_say "  (req/s per CPU = requests per CPU-second the server used: the P1 comparison with the time"
  bench_say "   each server actually ran, steadier than req/s when other work shares the CPUs)"
  local noisy=0
  if [ "${n_ocpu%.*}" -gt 20 ] || [ "${e_ocpu%.*}" -gt 20 ]; then
    noisy=1
    bench_say "  NOISY: other work used the CPUs during the runs; these figures are not reliable - re-run on an idle machine"
  fi
  bench_say ""
  bench_say "$(printf '  %-18s %s MB at start (before any request); %s MB after the load + 2 s idle (peak %s MB); goal <= 50 MB: %s' \
    'egov RSS' "$rss_start" "$rss_idle" "$hwm" "$(bench_mark "$rss_idle" le 50)")"
  bench_say ""
  bench_say "rounds, in order (CPU in % of one core: server processes / wrk / rest of the machine)"
  local t
  for t in nginx egov; do
    # shellcheck disable=SC2086
    bench_say "$(printf '  %-6s req/s %-22s  p99 ms %-20s  CPU %s / %s / %s' "$t" \
      "$(bench_list '%.0f' ${BENCH_RPS[$t]})" "$(bench_list '%.3f' ${BENCH_P99[$t]})" \
      "$(bench_csv "${BENCH_CPU[$t]}")" "$(bench_csv "${BENCH_CCPU[$t]}")" "$(bench_csv "${BENCH_OCPU[$t]}")")"
  done
  bench_say "  req/s per server CPU-second: nginx $n_pc_list; egov $e_pc_list"
  if [ -n "$t2_rps" ]; then
    bench_say ""
    bench_say "not comparable to nginx's single worker - egov --threads 2, nothing pinned, wrk sharing the 2 CPUs:"
    # shellcheck disable=SC2086
    bench_say "  egov-t2  median $(bench_fmt '%.0f' "$t2_rps") req/s, p99 $(bench_fmt '%.3f' "$t2_p99") ms   (rounds: req/s $(bench_list '%.0f' $t2_raw_rps); p99 ms $(bench_list '%.3f' $t2_raw_p99); CPU egov/wrk/rest $t2_cpu)"
  fi

  # --- history ---------------------------------------------------------------------------
  local prev_ts prev_dur
  prev_ts=$(bench_history_last_ts "$BENCH_HISTORY" "$name")
  if [ -n "$prev_ts" ]; then
    prev_dur=$(grep -F "\"bench\":\"$name\"" "$BENCH_HISTORY" | tail -n1 | sed -nE 's/.*"duration":"([^"]*)".*/\1/p')
    bench_say ""
    bench_say "change since the last run ($prev_ts, $BENCH_HISTORY):"
    [ "$prev_dur" = "$dur" ] || bench_say "  (that run used -d${prev_dur:-?}, this one -d$dur: not like for like)"
    local prev_noisy
    prev_noisy=$(bench_history_last "$BENCH_HISTORY" "$name" noisy)
    if [ "$noisy" = 1 ] || [ "${prev_noisy:-0}" = 1 ]; then
      bench_say "  (this run or that one was NOISY - other work on the CPUs - so a change may be noise)"
    fi
    local line
    for line in \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" ratio 'ratio egov/nginx' "$ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" cpu_ratio 'per-CPU ratio egov/nginx' "$pc_ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" p99_ratio 'p99 ratio egov/nginx' "$p99_ratio" higher)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" rss_idle_mb 'idle RSS (MB)' "$rss_idle" higher)"; do
      [ -n "$line" ] && bench_say "$line"
    done
  fi
  bench_summary_end

  # shellcheck disable=SC2086
  bench_history_append "$BENCH_HISTORY" "$(printf '{"ts":"%s","bench":"%s","egov_version":"%s","host":"%s","pinned":%s,"duration":"%s","conns":%s,"rounds":%s,"nginx_rps":%s,"egov_rps":%s,"ratio":%s,"nginx_rps_per_cpu":%s,"egov_rps_per_cpu":%s,"cpu_ratio":%s,"nginx_p99_ms":%s,"egov_p99_ms":%s,"p99_ratio":%s,"rss_start_mb":%s,"rss_idle_mb":%s,"rss_peak_mb":%s,"noisy":%s,"egov_t2_rps":%s,"egov_t2_p99_ms":%s,"raw":{"nginx_rps":%s,"egov_rps":%s,"nginx_p99_ms":%s,"egov_p99_ms":%s,"nginx_cpu_pct":%s,"egov_cpu_pct":%s,"wrk_cpu_pct":%s,"other_cpu_pct":%s}}' \
    "$ts" "$name" "$BENCH_EGOV_VERSION" "$(hostname 2>/dev/null || echo unknown)" "$BENCH_PINNED" "$dur" "$conns" "$rounds" \
    "$n_rps" "$e_rps" "$(bench_json_num "$ratio")" "$n_pc" "$e_pc" "$(bench_json_num "$pc_ratio")" "$n_p99" "$e_p99" "$(bench_json_num "$p99_ratio")" \
    "$rss_start" "$rss_idle" "$hwm" "$noisy" "${t2_rps:-null}" "${t2_p99:-null}" \
    "$(bench_json_array ${BENCH_RPS[nginx]})" "$(bench_json_array ${BENCH_RPS[egov]})" \
    "$(bench_json_array ${BENCH_P99[nginx]})" "$(bench_json_array ${BENCH_P99[egov]})" \
    "$(bench_json_array ${BENCH_CPU[nginx]})" "$(bench_json_array ${BENCH_CPU[egov]})" \
    "$(bench_json_array ${BENCH_CCPU[nginx]} ${BENCH_CCPU[egov]})" "$(bench_json_array ${BENCH_OCPU[nginx]} ${BENCH_OCPU[egov]})")"
  bench_save_raw "$first_run" "$BENCH_OUT_DIR/$name.wrk.txt"
  echo "(written to $BENCH_OUT_DIR/$name.txt, raw wrk reports in $name.wrk.txt; appended to $BENCH_HISTORY)"
}
