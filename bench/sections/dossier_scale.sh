# shellcheck shell=bash disable=SC2153
# bench/sections/dossier_scale.sh - P11 of ../shared/docs/PERFORMANCE.md for dossiers: the
# public status lookup (GET /api/v1/track/{code}) with 1,000,000 dossiers against 10,000;
# goal: p99 at most 1.5 x. An index, not a scan, keeps a lookup by code flat as the
# register grows; what does grow is the tree's depth and the share of it the caches hold.
#
# Two databases, each `egov init --demo`, three dossiers submitted through egov's API, the
# rest copies of them made by bench/gen-dossiers.py (one transaction; the time the 1,000,000
# take is printed). Two egovs, --threads 1 each, on the server CPU; wrk runs bench/track.lua
# over 10,000 codes drawn at random from each database (all of the small one), at a light
# load (4 connections, like the growth part of search.sh), rounds alternating small and large.
#
# Settings (defaults in brackets; the rest as in scripts/bench.sh):
#   BENCH_SCALE_SMALL [10000]     dossiers in the small database
#   BENCH_SCALE_LARGE [1000000]   dossiers in the large database (~1 GB of SQLite file)
#   BENCH_SCALE_CONNS [4]         wrk connections
#
# Run by scripts/bench.sh like the other sections (see bench/sections/healthz.sh for the
# variables it sets). Writes BENCH_OUT_DIR/dossier_scale.txt and dossier_scale.wrk.txt,
# appends one line to BENCH_HISTORY.

# egov's own p99 (ms, from its access log) of each measured round of target LABEL: the log's
# lookups from line FROM on are cut into runs by the request counts of the wrk reports (its
# warm-up first, skipped), in the order bench_alternate made them. A run's count can miss the
# few requests in flight when wrk stopped; a few lines across a cut do not move a p99.
scale_own_p99() { # LOG FROM LABEL FIRST-RUN-INDEX
  local log=$1 from=$2 label=$3 i l f n ms out='' at=0
  ms="$BENCH_TMP/own-$label.ms"
  tail -n +"$((from + 1))" "$log" | grep -F '"type":"access"' | grep -F '"status":200' |
    sed -n 's/.*"ms":\([0-9.eE+-]*\).*/\1/p' >"$ms"
  for ((i = $4; i < ${#BENCH_WRK_RUNS[@]}; i++)); do
    read -r l _ f <<<"${BENCH_WRK_RUNS[$i]}"
    [ "$l" = "$label" ] || [ "$l" = "$label-warmup" ] || continue
    n=$(awk '/ requests in / { print $1 }' "$f")
    if [ "$l" = "$label" ]; then
      out+="$(sed -n "$((at + 1)),$((at + n))p" "$ms" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit } k = int(NR * 0.99); if (k < NR * 0.99) k++; printf "%.3f", v[k] }') "
    fi
    at=$((at + n))
  done
  echo "${out% }"
}

bench_section_dossier_scale() {
  local name=dossier_scale
  local dur=$BENCH_DURATION warm=$BENCH_WARMUP rounds=$BENCH_ROUNDS
  local first_run=${#BENCH_WRK_RUNS[@]}
  local small=${BENCH_SCALE_SMALL:-10000} large=${BENCH_SCALE_LARGE:-1000000}
  local sconns=${BENCH_SCALE_CONNS:-4}
  [[ "$small" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SCALE_SMALL must be a positive number (got '$small')"
  [[ "$large" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SCALE_LARGE must be a positive number (got '$large')"
  [[ "$sconns" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SCALE_CONNS must be a positive number (got '$sconns')"
  declare -F dossier_bench_make >/dev/null || . "$BENCH_ROOT/bench/sections/track.sh"

  echo
  echo "== $name: GET /api/v1/track/{code} with $small and $large dossiers =="

  local sdir="$BENCH_TMP/scale-small" ldir="$BENCH_TMP/scale-large"
  dossier_bench_make "$sdir" "$small" "$sdir/codes.txt"
  local small_gen_s=$DOSSIER_GEN_S
  bench_log "$small dossiers: copies in $small_gen_s s"
  bench_log "generating $large dossiers (bench/gen-dossiers.py, one transaction) ..."
  dossier_bench_make "$ldir" "$large" "$ldir/codes.txt"
  local large_gen_s=$DOSSIER_GEN_S large_note=$DOSSIER_GEN_NOTE
  bench_log "$large dossiers: copies in $large_gen_s s"
  local small_mb large_mb small_codes large_codes
  small_mb=$(du -m "$sdir/egov.db" | awk '{ print $1 }')
  large_mb=$(du -m "$ldir/egov.db" | awk '{ print $1 }')
  small_codes=$(wc -l <"$sdir/codes.txt")
  large_codes=$(wc -l <"$ldir/codes.txt")

  # --- two egovs on the server CPU, one thread each ------------------------------------------
  # With the access log (level info): its "ms" is egov's own time for each lookup, which
  # other work on the machine disturbs much less than wrk's latency.
  # shellcheck disable=SC2046 # one word per setting
  bench_egov_start "$BENCH_EGOV" "$sdir" 1 pin $(dossier_bench_env "$sdir") EGOV_LOG_LEVEL=info
  local s_pid=$EGOV_PID s_port=$EGOV_PORT s_log=$EGOV_LOG
  # shellcheck disable=SC2046 # one word per setting
  bench_egov_start "$BENCH_EGOV" "$ldir" 1 pin $(dossier_bench_env "$ldir") EGOV_LOG_LEVEL=info
  local l_pid=$EGOV_PID l_port=$EGOV_PORT l_log=$EGOV_LOG
  export "BENCH_TRACK_CODES_$s_port=$sdir/codes.txt" "BENCH_TRACK_CODES_$l_port=$ldir/codes.txt"
  local one probe_s probe_l
  one=$(head -n1 "$ldir/codes.txt")
  probe_l=$(bench_probe "http://127.0.0.1:$l_port/api/v1/track/$one")
  case "$probe_l" in *"status 200"*) ;; *)
    cat "$l_log" >&2
    bench_die "GET /api/v1/track/$one answered: $probe_l (egov log above)" ;;
  esac
  probe_s=$(bench_probe "http://127.0.0.1:$s_port/api/v1/track/$(head -n1 "$sdir/codes.txt")")

  local lua="$BENCH_ROOT/bench/track.lua"
  bench_target small "http://127.0.0.1:$s_port" "$s_pid" -s "$lua"
  bench_target large "http://127.0.0.1:$l_port" "$l_pid" -s "$lua"
  bench_log "wrk -t${BENCH_WRK_THREADS:-1} -c$sconns -d$dur --latency, $rounds rounds alternating $small and $large dossiers"
  local s_from l_from
  s_from=$(wc -l <"$s_log")
  l_from=$(wc -l <"$l_log")
  BENCH_CONNS=$sconns bench_alternate "$rounds" "$dur" "$warm" small large
  local s_own l_own
  s_own=$(scale_own_p99 "$s_log" "$s_from" small "$first_run")
  l_own=$(scale_own_p99 "$l_log" "$l_from" large "$first_run")

  local other=0 run f
  for run in "${BENCH_WRK_RUNS[@]:$first_run}"; do
    read -r _ _ f <<<"$run"
    other=$((other + $(dossier_bench_count "$f" other)))
  done
  local p
  for p in "$s_pid" "$l_pid"; do
    kill -0 "$p" 2>/dev/null || { cat "$s_log" "$l_log" >&2; bench_die "egov exited during the load (logs above)"; }
  done
  for p in "$l_pid" "$s_pid"; do
    bench_stop_pid "$p"
    bench_untrack_pid "$p"
  done
  unset "BENCH_TRACK_CODES_$s_port" "BENCH_TRACK_CODES_$l_port"
  # The large database is ~1 GB: do not keep it until the end of the whole run.
  rm -rf "$ldir"

  # --- the summary -----------------------------------------------------------------------------
  local s_rps=${BENCH_RPS_MED[small]} l_rps=${BENCH_RPS_MED[large]}
  local s_p99=${BENCH_P99_MED[small]} l_p99=${BENCH_P99_MED[large]}
  local growth_p99 growth_rps
  growth_p99=$(bench_ratio "$l_p99" "$s_p99")
  growth_rps=$(bench_ratio "$l_rps" "$s_rps")
  # Per round: the large p99 against the small one measured just before it.
  local -a sp lp
  read -r -a sp <<<"${BENCH_P99[small]}"
  read -r -a lp <<<"${BENCH_P99[large]}"
  local g_list='' i
  for ((i = 0; i < ${#sp[@]}; i++)); do g_list+="$(bench_ratio "${lp[$i]}" "${sp[$i]}") "; done
  local noisy=0 t o
  for t in small large; do
    for o in ${BENCH_OCPU[$t]}; do
      [ "${o%.*}" -gt 20 ] && noisy=1
    done
  done
  local s_own_med l_own_med own_ratio o_list=''
  # shellcheck disable=SC2086
  {
    s_own_med=$(bench_median $s_own)
    l_own_med=$(bench_median $l_own)
  }
  own_ratio=$(bench_ratio "$l_own_med" "$s_own_med")
  local -a so lo
  read -r -a so <<<"$s_own"
  read -r -a lo <<<"$l_own"
  for ((i = 0; i < ${#so[@]}; i++)); do o_list+="$(bench_ratio "${lo[$i]}" "${so[$i]}") "; done
  local mem_gb
  mem_gb=$(awk '/^MemTotal:/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)

  local ts
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  bench_summary_begin "$BENCH_OUT_DIR/$name.txt"
  bench_say "egov bench: $name (PERFORMANCE.md P11) - $ts"
  bench_say "$BENCH_HEADER"
  bench_say "pinning: $BENCH_PIN_NOTE; two egovs --threads 1 on the server CPU"
  bench_say "load:    wrk -t${BENCH_WRK_THREADS:-1} -c$sconns -d$dur --latency GET /api/v1/track/{code} (bench/track.lua), $warm warm-up each, median of $rounds rounds alternating"
  bench_say "data:    $small dossiers ($small_mb MB) and $large dossiers ($large_mb MB): 3 through egov's API each, the rest copies;"
  bench_say "         lookups walk $small_codes and $large_codes codes drawn at random from each"
  bench_say "reply:   small $probe_s"
  bench_say "         large $probe_l"
  bench_say ""
  bench_say "                               req/s   p99 ms (wrk)   egov's own p99 ms"
  bench_say "$(printf '  %-24s %10s %14s %19s' "$small dossiers" "$(bench_fmt '%.0f' "$s_rps")" \
    "$(bench_fmt '%.3f' "$s_p99")" "$(bench_fmt '%.3f' "$s_own_med")")"
  bench_say "$(printf '  %-24s %10s %14s %19s' "$large dossiers" "$(bench_fmt '%.0f' "$l_rps")" \
    "$(bench_fmt '%.3f' "$l_p99")" "$(bench_fmt '%.3f' "$l_own_med")")"
  bench_say "$(printf '  %-24s %10s %14s %19s   goal <= 1.5' 'large / small' "$growth_rps" \
    "$growth_p99 $(bench_mark "$growth_p99" le 1.5)" "$own_ratio $(bench_mark "$own_ratio" le 1.5)")"
  bench_say "  per round, p99 large / small: wrk $(bench_csv "$g_list"); egov's own $(bench_csv "$o_list")"
  bench_say "  (egov's own = the \"ms\" of its access log, from the request to the answer handed to the"
  bench_say "   network: without the time a lookup waits for a CPU before egov reads it, so steadier than"
  bench_say "   wrk's p99 when other work shares the machine. The machine has ${mem_gb} GB of memory: the large file"
  bench_say "   sits in the OS page cache after the warm-up, so this measures the deeper B-trees and"
  bench_say "   SQLite's own small page cache, not disk reads - a server whose register outgrows its"
  bench_say "   memory would see those too)"
  bench_say "  generation: $large dossiers in $large_gen_s s (goal: under ~2 minutes); $small in $small_gen_s s"
  bench_say "  $large_note"
  [ "$other" = 0 ] || bench_say "  WARNING: $other lookups did not answer 200 (see $name.wrk.txt)"
  [ "$noisy" = 1 ] && bench_say "  NOISY: other work used the CPUs during the runs; these figures are not reliable - re-run on an idle machine"
  bench_say ""
  bench_say "rounds, in order (CPU in % of one core: server / wrk / rest of the machine)"
  local own
  for t in small large; do
    own=$s_own
    [ "$t" = large ] && own=$l_own
    # shellcheck disable=SC2086
    bench_say "$(printf '  %-6s req/s %-22s  p99 ms %-22s  own p99 ms %-20s  CPU %s / %s / %s' "$t" \
      "$(bench_list '%.0f' ${BENCH_RPS[$t]})" "$(bench_list '%.3f' ${BENCH_P99[$t]})" \
      "$(bench_list '%.3f' $own)" \
      "$(bench_csv "${BENCH_CPU[$t]}")" "$(bench_csv "${BENCH_CCPU[$t]}")" "$(bench_csv "${BENCH_OCPU[$t]}")")"
  done

  local prev_ts
  prev_ts=$(bench_history_last_ts "$BENCH_HISTORY" "$name")
  if [ -n "$prev_ts" ]; then
    bench_say ""
    bench_say "change since the last run ($prev_ts, $BENCH_HISTORY):"
    local line
    for line in \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" growth_p99 "p99 $large / $small" "$growth_p99" higher)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" own_growth_p99 "egov's own p99 $large / $small" "$own_ratio" higher)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" gen_s "generation of $large (s)" "$large_gen_s" higher)"; do
      [ -n "$line" ] && bench_say "$line"
    done
  fi
  bench_summary_end

  # shellcheck disable=SC2086
  bench_history_append "$BENCH_HISTORY" "$(printf '{"ts":"%s","bench":"%s","egov_version":"%s","duration":"%s","conns":%s,"rounds":%s,"small":%s,"large":%s,"small_rps":%s,"large_rps":%s,"small_p99_ms":%s,"large_p99_ms":%s,"growth_p99":%s,"growth_rps":%s,"small_own_p99_ms":%s,"large_own_p99_ms":%s,"own_growth_p99":%s,"gen_s":%s,"large_mb":%s,"not_200":%s,"noisy":%s,"raw":{"small_rps":%s,"large_rps":%s,"small_p99_ms":%s,"large_p99_ms":%s}}' \
    "$ts" "$name" "$BENCH_EGOV_VERSION" "$dur" "$sconns" "$rounds" "$small" "$large" "$s_rps" "$l_rps" \
    "$s_p99" "$l_p99" "$(bench_json_num "$growth_p99")" "$(bench_json_num "$growth_rps")" \
    "$(bench_json_num "$s_own_med")" "$(bench_json_num "$l_own_med")" "$(bench_json_num "$own_ratio")" "$large_gen_s" "$large_mb" \
    "$other" "$noisy" \
    "$(bench_json_array ${BENCH_RPS[small]})" "$(bench_json_array ${BENCH_RPS[large]})" \
    "$(bench_json_array ${BENCH_P99[small]})" "$(bench_json_array ${BENCH_P99[large]})")"
  bench_save_raw "$first_run" "$BENCH_OUT_DIR/$name.wrk.txt"
  echo "(written to $BENCH_OUT_DIR/$name.txt, raw wrk reports in $name.wrk.txt; appended to $BENCH_HISTORY)"
}
