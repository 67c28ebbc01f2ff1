# shellcheck shell=bash disable=SC2153
# bench/sections/submit.sh - P4 and P5 of ../shared/docs/PERFORMANCE.md: durable dossier
# submission (POST /api/v1/dossiers, each with its own Idempotency-Key, several citizens at
# once) and a workflow transition by a civil servant (the desk receiving submitted
# dossiers, each once) against L_sq_full: SQLite's own rate of one-row synchronous=FULL
# commits in WAL mode on the same disk (bench/sqlite-commit-rate.c, built here).
#
# Each round: L_sq_full (egov idle beside it, its file next to egov's database), then
# submissions for BENCH_DURATION, then receptions for BENCH_DURATION. Medians over
# BENCH_ROUNDS. egov runs with its default threads (one per CPU; BENCH_SUBMIT_THREADS),
# nothing pinned: a durable commit waits for the disk, not a CPU, so one pinned thread would
# measure the wait twice.
# Its mail goes to a small SMTP sink started here (python3, accepts everything), so that the
# notifier sends each notice once and records it, as with a working mail server - not the
# retry-every-30-s path of an unreachable one.
#
# The receptions need one submitted dossier each: before the rounds, copies of a submitted
# dossier (bench/gen-dossiers.py) are added so that even at 1.3 x L_sq_full the list cannot
# run out; each round receives the newest submitted dossiers first (the round's own
# submissions, then the copies).
#
# SQLite only: the other sections do not run on PostgreSQL either (P9 would need its own
# limit, L_pg_commit).
#
# Settings (defaults in brackets; the rest as in scripts/bench.sh):
#   BENCH_SUBMIT_CITIZENS [8]   citizens submitting, one token each, in turn
#   BENCH_SUBMIT_CONNS [8]      wrk connections for the submissions and the receptions
#   BENCH_SUBMIT_LSQ [5]        seconds of sqlite-commit-rate per round (after 1 s warm-up)
#   BENCH_SUBMIT_THREADS [0]    egov --threads (0: its default, one per CPU). The writes wait
#       for their batch's fsync on egov's write_threads (16), not on these
#
# Writes BENCH_OUT_DIR/submit.txt and submit.wrk.txt, appends one line to BENCH_HISTORY.

# A minimal SMTP server on 127.0.0.1:PORT that accepts every message and keeps none.
submit_smtp_sink() { # FILE
  cat >"$1" <<'EOF'
import asyncio, sys
async def session(r, w):
    w.write(b"220 bench-sink ESMTP\r\n")
    data = False
    while True:
        line = await r.readline()
        if not line:
            break
        if data:
            if line.rstrip(b"\r\n") == b".":
                data = False
                w.write(b"250 2.0.0 accepted\r\n")
        else:
            verb = line[:4].upper()
            if verb == b"EHLO":
                w.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                data = True
                w.write(b"354 end with <CRLF>.<CRLF>\r\n")
            elif verb == b"QUIT":
                w.write(b"221 bye\r\n")
                await w.drain()
                break
            else:
                w.write(b"250 ok\r\n")
        await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(session, "127.0.0.1", int(sys.argv[1]))
    async with srv:
        await srv.serve_forever()
asyncio.run(main())
EOF
}

# "CODE VERSION" of every submitted dossier, newest first.
submit_stock() { # DB OUT-FILE
  python3 - "$1" "$2" <<'EOF' || return 1
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
rows = db.execute("SELECT code, version FROM dossier WHERE state = 'submitted' ORDER BY id DESC")
with open(sys.argv[2], "w") as f:
    for code, version in rows:
        f.write("%s %d\n" % (code, version))
EOF
}

# The seconds a wrk run lasted ("359 requests in 10.08s, ...").
submit_secs() { # FILE
  awk '/ requests in / { sub(/,$/, "", $4); t = $4 } END {
    n = t + 0; u = t; sub(/^[0-9.]+/, "", u); if (u == "ms") n /= 1000; else if (u == "m") n *= 60
    printf "%.3f", n }' "$1"
}

# The median of numbers that may be "-" (unknown): "-" if all are.
submit_median() {
  local x v=()
  for x in "$@"; do [ "$x" = - ] || v+=("$x"); done
  if [ ${#v[@]} -eq 0 ]; then echo -; else bench_median "${v[@]}"; fi
}

# "-" as "n/a" (for bench_json_num).
submit_dash() { if [ "$1" = - ]; then echo n/a; else echo "$1"; fi; }

# Seconds of a wrk duration ("10s", "2m", "1h", "10").
submit_to_s() { # DURATION
  awk -v t="$1" 'BEGIN { n = t + 0; u = t; sub(/^[0-9]+/, "", u)
    if (u == "m") n *= 60; else if (u == "h") n *= 3600; print n }'
}

# egov's database counters from /metrics: "WRITE-TX COMMITS COMMITTED-WRITES" - write
# transactions begun, and (group commit, SQLite) the COMMITs that made writes durable and
# the writes they carried; "-" for a counter this egov does not have.
submit_metrics() { # BASE-URL
  curl -s "$1/metrics" 2>/dev/null | awk '
    /^egov_db_transactions_total/ && /mode="write"/ { w = $2 }
    /^egov_db_group_commits_total/ { c = $2 }
    /^egov_db_group_committed_writes_total/ { b = $2 }
    END { print (w == "" ? "-" : w), (c == "" ? "-" : c), (b == "" ? "-" : b) }'
}

# Per request and per COMMIT from two submit_metrics readings and N requests answered:
# "WRITE-TX-PER-REQUEST COMMITS-PER-REQUEST WRITES-PER-COMMIT" ("-" when unknown).
submit_per() { # "BEFORE" "AFTER" N
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    w = (n > 0 && x[1] != "-" && y[1] != "-") ? sprintf("%.2f", (y[1] - x[1]) / n) : "-"
    c = (n > 0 && x[2] != "-" && y[2] != "-") ? sprintf("%.3f", (y[2] - x[2]) / n) : "-"
    g = (x[2] != "-" && y[2] != "-" && y[2] > x[2]) ? sprintf("%.2f", (y[3] - x[3]) / (y[2] - x[2])) : "-"
    print w, c, g }'
}

# What the ratios mean and what would raise them, from what egov did in the runs.
submit_explain() { # SUB-RATIO REC-RATIO WRITES-PER-COMMIT COMMITS-PER-SUBMISSION CONNS THREADS
  local below
  below=$(awk -v a="$1" -v b="$2" 'BEGIN { print (a == "n/a" || b == "n/a" || a + 0 < 1 || b + 0 < 1) ? 1 : 0 }')
  if [ "$3" = - ]; then
    bench_say "  This egov commits each write transaction on its own: one fsync of the WAL per write, on the"
    bench_say "  one SQLite writer - at best one request per fsync (L_sq_full), less the writer's own work"
    bench_say "  (the dossier, its units, timeline, audit entry, outbox row, idempotency row and daily"
    bench_say "  sequence) and the notifier's transactions, all serialised. What would raise it: group commit"
    bench_say "  - the transactions of all waiting requests in one COMMIT, answered after its one fsync."
    return
  fi
  bench_say "  egov groups the write transactions that queue for the SQLite writer into one COMMIT (group"
  bench_say "  commit, src/db/sqlite.c): $3 writes per COMMIT on average here, $4 COMMITs (fsyncs) per"
  bench_say "  submission. Each write still runs alone on the one writer connection; only the fsync is shared."
  if [ "$below" = 1 ]; then
    bench_say "  Below 1.0, so the fsync is no longer what bounds the rate: the writer's serial work is - the"
    bench_say "  statements, pages and JSON of each request (dossier, units, timeline, audit entry, outbox row,"
    bench_say "  idempotency row, daily sequence) done while it holds the writer, plus the notifier's own"
    bench_say "  transactions. What would raise it: less work inside the write transaction (validating, sealing"
    bench_say "  the form and building the JSON before BEGIN; fewer statements per request), fewer write"
    bench_say "  transactions per request (the notifier's claim and record batched). Batches are as large as"
    bench_say "  the queue of writers: the API waits for the fsync on the gate's write threads (write_threads,"
    bench_say "  default 16), not on the $6 HTTP threads, so with $5 connections up to $5 writes can share one."
  else
    bench_say "  At or above 1.0: more requests per second than SQLite commits one-row transactions, because"
    bench_say "  several requests share each fsync."
  fi
}

bench_section_submit() {
  local name=submit
  local dur=$BENCH_DURATION warm=$BENCH_WARMUP rounds=$BENCH_ROUNDS
  local first_run=${#BENCH_WRK_RUNS[@]}
  local citizens=${BENCH_SUBMIT_CITIZENS:-8}
  local sconns=${BENCH_SUBMIT_CONNS:-8} lsq_s=${BENCH_SUBMIT_LSQ:-5} ethreads=${BENCH_SUBMIT_THREADS:-0}
  [[ "$citizens" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SUBMIT_CITIZENS must be a positive number (got '$citizens')"
  [[ "$sconns" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SUBMIT_CONNS must be a positive number (got '$sconns')"
  [[ "$lsq_s" =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_SUBMIT_LSQ must be whole seconds (got '$lsq_s')"
  [[ "$ethreads" =~ ^[0-9]+$ ]] || bench_die "BENCH_SUBMIT_THREADS must be a number (got '$ethreads')"
  declare -F dossier_bench_make >/dev/null || . "$BENCH_ROOT/bench/sections/track.sh"

  echo
  echo "== $name: durable submissions and receptions vs L_sq_full (SQLite WAL, synchronous=FULL) =="

  # --- L_sq_full: bench/sqlite-commit-rate.c, built here (not part of egov's build) ---------
  bench_require_cmd cc gcc
  bench_require_cmd curl curl
  bench_require_cmd python3 python3
  bench_require_cmd pkg-config pkg-config
  local scr="$BENCH_TMP/sqlite-commit-rate" sq_flags
  sq_flags=$(pkg-config --cflags --libs sqlite3 2>/dev/null) ||
    bench_die "pkg-config knows no sqlite3; install it with: apt-get install libsqlite3-dev"
  # shellcheck disable=SC2086
  cc -O2 "$BENCH_ROOT/bench/sqlite-commit-rate.c" $sq_flags -o "$scr" 2>"$BENCH_TMP/scr.log" ||
    { cat "$BENCH_TMP/scr.log" >&2; bench_die "cannot build bench/sqlite-commit-rate.c (output above)"; }

  # --- egov: its own database, citizens, a desk officer, the SMTP sink -----------------------
  local dir="$BENCH_TMP/submit"
  dossier_bench_accounts "$dir" "$citizens"
  dossier_bench_body "$dir/body.json"
  local tokens='' i
  for ((i = 1; i <= citizens; i++)); do tokens+="$(cat "$dir/tok.c$i"),"; done
  export BENCH_SUBMIT_TOKENS=${tokens%,} BENCH_SUBMIT_BODY="$dir/body.json"
  export BENCH_RECEIVE_TOKEN
  BENCH_RECEIVE_TOKEN=$(cat "$dir/tok.desk")
  submit_smtp_sink "$BENCH_TMP/smtp-sink.py"
  local smtp_port smtp_pid
  smtp_port=$(bench_free_port)
  python3 "$BENCH_TMP/smtp-sink.py" "$smtp_port" >"$dir/smtp.log" 2>&1 &
  smtp_pid=$!
  bench_track_pid "$smtp_pid"
  bench_wait_listen "$smtp_pid" "$smtp_port" 10 || { cat "$dir/smtp.log" >&2; bench_die "the SMTP sink did not start"; }
  local egov_env
  read -r -a egov_env <<<"$(dossier_bench_env "$dir") EGOV_SMTP_URL=smtp://127.0.0.1:$smtp_port"

  # A probe: a submission, its replay with the same key, its reception.
  bench_egov_start "$BENCH_EGOV" "$dir" "$ethreads" nopin "${egov_env[@]}"
  local base="http://127.0.0.1:$EGOV_PORT" code replay recv
  code=$(dossier_bench_submit "$base" "$dir/tok.c1" "$dir/body.json" probe-1) ||
    { cat "$EGOV_LOG" >&2; bench_die "a submission failed (answer and egov log above)"; }
  replay=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $(cat "$dir/tok.c1")" \
    -H 'Content-Type: application/json' -H 'Idempotency-Key: probe-1' --data-binary "@$dir/body.json" \
    "$base/api/v1/dossiers" | tr -d '\r' | awk 'NR == 1 { s = $2 } tolower($1) == "idempotent-replayed:" { r = $2 } END { print s, r }')
  [ "$replay" = "201 true" ] || bench_die "the replay of a submission answered '$replay', not '201 true'"
  recv=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $BENCH_RECEIVE_TOKEN" \
    -H 'Content-Type: application/json' --data '{"action":"receive","version":2}' \
    "$base/api/v1/dossiers/$code/actions")
  [ "$recv" = 200 ] || { cat "$EGOV_LOG" >&2; bench_die "receiving $code answered $recv, not 200 (egov log above)"; }
  local probe_submit probe_recv
  probe_submit="$(wc -c <"$dir/body.json") bytes of JSON, answered 201 ($code); the replay 201 with Idempotent-Replayed: true"
  # A submitted dossier to copy for the receptions' stock.
  dossier_bench_submit "$base" "$dir/tok.c1" "$dir/body.json" probe-2 >/dev/null ||
    bench_die "a submission failed (answer above)"
  probe_recv="POST /api/v1/dossiers/$code/actions {\"action\":\"receive\",\"version\":2} answered 200"
  bench_stop_pid "$EGOV_PID"
  bench_untrack_pid "$EGOV_PID"

  # --- the receptions' stock: enough submitted dossiers for 1.3 x L_sq_full ------------------
  local est stock dur_s warm_s
  dur_s=$(submit_to_s "$dur")
  warm_s=$(submit_to_s "$warm")
  est=$("$scr" "$dir/lsq.db" 2 1 | awk '{ print $1 }')
  [ -n "$est" ] || bench_die "bench/sqlite-commit-rate failed"
  stock=$(awk -v e="$est" -v d="$dur_s" -v w="$warm_s" -v r="$rounds" 'BEGIN { printf "%d", e * 1.3 * (d * r + w) + 1000 }')
  local t0 t1 gen_s
  t0=$(date +%s%N)
  python3 "$BENCH_ROOT/bench/gen-dossiers.py" "$dir/egov.db" "$stock" 2>"$dir/gen.log" ||
    { cat "$dir/gen.log" >&2; bench_die "bench/gen-dossiers.py failed (output above)"; }
  t1=$(date +%s%N)
  gen_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  bench_log "L_sq_full first estimate $(bench_fmt '%.0f' "$est") tx/s; $stock submitted copies to receive in $gen_s s"

  bench_egov_start "$BENCH_EGOV" "$dir" "$ethreads" nopin "${egov_env[@]}"
  local egov_pid=$EGOV_PID egov_log=$EGOV_LOG
  base="http://127.0.0.1:$EGOV_PORT"
  local slua="$BENCH_ROOT/bench/submit.lua" rlua="$BENCH_ROOT/bench/receive.lua"
  export BENCH_RECEIVE_CODES="$dir/stock.txt"

  # --- warm-up -------------------------------------------------------------------------------
  BENCH_CONNS=$sconns BENCH_WRK_NOPIN=1 bench_wrk submit-warmup "$base" "$warm" "$egov_pid" -s "$slua"
  bench_log "warm-up submissions ($warm, -c$sconns): $(dossier_bench_count "$WRK_OUT" 201) answered 201"
  submit_stock "$dir/egov.db" "$dir/stock.txt" || bench_die "cannot list the submitted dossiers"
  BENCH_CONNS=$sconns BENCH_WRK_NOPIN=1 bench_wrk receive-warmup "$base" "$warm" "$egov_pid" -s "$rlua"
  bench_log "warm-up receptions ($warm, -c$sconns): $(dossier_bench_count "$WRK_OUT" 200) answered 200"

  # --- rounds --------------------------------------------------------------------------------
  local r t0 t1 w0 w1 s0 s1 c0 c1 lrate lcpu locpu n secs rate x0 x1
  local LSQ='' LSQ_CPU='' LSQ_OCPU='' SUB='' SUB_P99='' SUB_CPU='' SUB_CCPU='' SUB_OCPU='' SUB_TX=''
  local REC='' REC_P99='' REC_CPU='' REC_CCPU='' REC_OCPU='' REC_TX='' bad_sub=0 bad_rec=0 exhausted=0
  local SUB_FS='' SUB_BATCH='' REC_FS='' REC_BATCH='' wtx fs batch
  for ((r = 1; r <= rounds; r++)); do
    # L_sq_full, egov idle beside it; the file next to egov's database.
    sleep 1
    w0=$(bench_children_ticks) s0=$(bench_sys_busy_ticks) c0=$(bench_cpu_ticks "$egov_pid") t0=$(date +%s%N)
    local lpid lrc
    "$scr" "$dir/lsq.db" "$lsq_s" 1 >"$BENCH_TMP/lsq.out" 2>&1 &
    lpid=$!
    bench_track_pid "$lpid"
    wait "$lpid"
    lrc=$?
    bench_untrack_pid "$lpid"
    w1=$(bench_children_ticks) s1=$(bench_sys_busy_ticks) c1=$(bench_cpu_ticks "$egov_pid") t1=$(date +%s%N)
    lrate=$(awk 'NR == 1 && $1 + 0 > 0 { print $1 }' "$BENCH_TMP/lsq.out")
    if [ "$lrc" != 0 ] || [ -z "$lrate" ]; then
      cat "$BENCH_TMP/lsq.out" >&2
      bench_die "sqlite-commit-rate failed (exit $lrc; output above)"
    fi
    lcpu=$(bench_pct $((w1 - w0)) $((t1 - t0)))
    locpu=$(bench_pct $((s1 - s0 - (w1 - w0) - (c1 - c0))) $((t1 - t0)))
    LSQ+="$lrate " LSQ_CPU+="$lcpu " LSQ_OCPU+="$locpu "
    bench_log "round $r/$rounds L_sq_full   $(bench_fmt '%7.0f' "$lrate") tx/s    (sqlite-commit-rate ${lsq_s}s; CPU % it $lcpu, other $locpu)"

    # Submissions.
    x0=$(submit_metrics "$base")
    BENCH_CONNS=$sconns BENCH_WRK_NOPIN=1 bench_wrk submit "$base" "$dur" "$egov_pid" -s "$slua"
    x1=$(submit_metrics "$base")
    n=$(dossier_bench_count "$WRK_OUT" 201)
    read -r wtx fs batch <<<"$(submit_per "$x0" "$x1" "$n")"
    SUB_TX+="$wtx " SUB_FS+="$fs " SUB_BATCH+="$batch "
    bad_sub=$((bad_sub + $(dossier_bench_count "$WRK_OUT" other) + $(dossier_bench_count "$WRK_OUT" replayed)))
    secs=$(submit_secs "$WRK_OUT")
    rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0) ? n / s : 0 }')
    SUB+="$rate " SUB_P99+="$WRK_P99 " SUB_CPU+="$WRK_CPU " SUB_CCPU+="$WRK_CLIENT_CPU " SUB_OCPU+="$WRK_OTHER_CPU "
    bench_log "round $r/$rounds submissions $(bench_fmt '%7.1f' "$rate") /s      ($n x 201; p99 $(bench_fmt '%.1f' "$WRK_P99") ms; $batch writes per COMMIT; CPU % egov $WRK_CPU, wrk $WRK_CLIENT_CPU, other $WRK_OTHER_CPU)"

    # Receptions, newest submitted dossiers first.
    submit_stock "$dir/egov.db" "$dir/stock.txt" || bench_die "cannot list the submitted dossiers"
    x0=$(submit_metrics "$base")
    BENCH_CONNS=$sconns BENCH_WRK_NOPIN=1 bench_wrk receive "$base" "$dur" "$egov_pid" -s "$rlua"
    x1=$(submit_metrics "$base")
    n=$(dossier_bench_count "$WRK_OUT" 200)
    read -r wtx fs batch <<<"$(submit_per "$x0" "$x1" "$n")"
    REC_TX+="$wtx " REC_FS+="$fs " REC_BATCH+="$batch "
    bad_rec=$((bad_rec + $(dossier_bench_count "$WRK_OUT" 409) + $(dossier_bench_count "$WRK_OUT" other)))
    exhausted=$((exhausted + $(dossier_bench_count "$WRK_OUT" exhausted)))
    secs=$(submit_secs "$WRK_OUT")
    rate=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.1f", (s > 0) ? n / s : 0 }')
    REC+="$rate " REC_P99+="$WRK_P99 " REC_CPU+="$WRK_CPU " REC_CCPU+="$WRK_CLIENT_CPU " REC_OCPU+="$WRK_OTHER_CPU "
    bench_log "round $r/$rounds receptions  $(bench_fmt '%7.1f' "$rate") /s      ($n x 200 of $(wc -l <"$dir/stock.txt") waiting; p99 $(bench_fmt '%.1f' "$WRK_P99") ms; $batch writes per COMMIT; CPU % egov $WRK_CPU, wrk $WRK_CLIENT_CPU, other $WRK_OTHER_CPU)"
  done

  kill -0 "$egov_pid" 2>/dev/null || { cat "$egov_log" >&2; bench_die "egov exited during the load (log above)"; }
  local outbox
  outbox=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True, timeout=10)
print(", ".join("%s %d" % r for r in db.execute("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")))' \
    "$dir/egov.db" 2>/dev/null)
  bench_stop_pid "$egov_pid"
  bench_untrack_pid "$egov_pid"
  bench_stop_pid "$smtp_pid"
  bench_untrack_pid "$smtp_pid"
  unset BENCH_SUBMIT_TOKENS BENCH_SUBMIT_BODY BENCH_RECEIVE_TOKEN BENCH_RECEIVE_CODES

  # --- figures -------------------------------------------------------------------------------
  local lsq sub rec sub_ratio rec_ratio sub_p99 rec_p99 sub_cpu rec_cpu sub_tx rec_tx
  # shellcheck disable=SC2086
  {
    lsq=$(bench_median $LSQ)
    sub=$(bench_median $SUB)
    rec=$(bench_median $REC)
    sub_p99=$(bench_median $SUB_P99)
    rec_p99=$(bench_median $REC_P99)
    sub_cpu=$(bench_median $SUB_CPU)
    rec_cpu=$(bench_median $REC_CPU)
  }
  local sub_fs rec_fs sub_batch rec_batch
  # shellcheck disable=SC2086 # one word per round
  {
    sub_tx=$(submit_median $SUB_TX)
    rec_tx=$(submit_median $REC_TX)
    sub_fs=$(submit_median $SUB_FS)
    rec_fs=$(submit_median $REC_FS)
    sub_batch=$(submit_median $SUB_BATCH)
    rec_batch=$(submit_median $REC_BATCH)
  }
  sub_ratio=$(bench_ratio "$sub" "$lsq")
  rec_ratio=$(bench_ratio "$rec" "$lsq")
  # Per round: each against the L_sq_full of its own round.
  local -a la sa ra
  read -r -a la <<<"$LSQ"
  read -r -a sa <<<"$SUB"
  read -r -a ra <<<"$REC"
  local sr_list='' rr_list=''
  for ((i = 0; i < ${#la[@]}; i++)); do
    sr_list+="$(bench_ratio "${sa[$i]}" "${la[$i]}") "
    rr_list+="$(bench_ratio "${ra[$i]}" "${la[$i]}") "
  done
  local noisy=0 o
  for o in $LSQ_OCPU $SUB_OCPU $REC_OCPU; do
    [ "${o%.*}" -le 20 ] || noisy=1
  done
  local ncpu
  ncpu=$(nproc 2>/dev/null || echo 1)

  local ts
  ts=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  bench_summary_begin "$BENCH_OUT_DIR/$name.txt"
  bench_say "egov bench: $name (PERFORMANCE.md P4, P5) - $ts"
  bench_say "$BENCH_HEADER"
  local tnote="its default threads (one per CPU: $ncpu)"
  [ "$ethreads" = 0 ] || tnote="--threads $ethreads"
  bench_say "pinning: none - egov with $tnote, wrk and sqlite-commit-rate unpinned; SQLite (WAL, synchronous=FULL) in $dir"
  bench_say "L_sq_full: bench/sqlite-commit-rate.c - one connection, WAL, synchronous=FULL, BEGIN IMMEDIATE + one-row INSERT + COMMIT, ${lsq_s} s after 1 s warm-up, in the directory of egov's database"
  bench_say "load:    submissions: wrk -t1 -c$sconns -d$dur POST /api/v1/dossiers (1.013978, no uploads), $citizens citizens in turn, a new Idempotency-Key each"
  bench_say "         receptions:  wrk -t1 -c$sconns -d$dur POST /api/v1/dossiers/{code}/actions {\"action\":\"receive\"} by one desk officer, each dossier once"
  bench_say "         median of $rounds rounds, each: L_sq_full, submissions, receptions; $warm warm-up of each kind first"
  bench_say "probe:   $probe_submit"
  bench_say "         $probe_recv"
  bench_say ""
  bench_say "                                   per second    p99 ms  / L_sq_full   goal"
  bench_say "$(printf '  %-32s %10s' 'L_sq_full (SQLite commits)' "$(bench_fmt '%.0f' "$lsq")")"
  bench_say "$(printf '  %-32s %10s %9s %11s   %-8s %s' 'P4 submissions (201)' "$(bench_fmt '%.1f' "$sub")" \
    "$(bench_fmt '%.1f' "$sub_p99")" "$sub_ratio" '>= 1.0' "$(bench_mark "$sub_ratio" ge 1.0)")"
  bench_say "$(printf '  %-32s %10s %9s %11s   %-8s %s' 'P5 receptions (200)' "$(bench_fmt '%.1f' "$rec")" \
    "$(bench_fmt '%.1f' "$rec_p99")" "$rec_ratio" '>= 1.0' "$(bench_mark "$rec_ratio" ge 1.0)")"
  bench_say "  per round (each against its own L_sq_full): submissions $(bench_csv "$sr_list"); receptions $(bench_csv "$rr_list")"
  bench_say "  per request (egov /metrics):        write transactions   COMMITs (fsyncs)   writes per COMMIT"
  bench_say "$(printf '    %-32s %16s %18s %19s' 'submission' "$sub_tx" "$sub_fs" "$sub_batch")"
  bench_say "$(printf '    %-32s %16s %18s %19s' 'reception' "$rec_tx" "$rec_fs" "$rec_batch")"
  bench_say "    (write transactions: the request's own and the notifier's - claiming notices, recording them"
  bench_say "     sent; COMMITs and writes per COMMIT: egov's group commit on SQLite, \"-\" when egov has none)"
  bench_say "  egov CPU (% of one core, $ncpu CPUs = $((ncpu * 100))%): $sub_cpu submitting, $rec_cpu receiving"
  [ "$bad_sub" = 0 ] || bench_say "  WARNING: $bad_sub submissions were not a fresh 201 (see $name.wrk.txt)"
  [ "$bad_rec" = 0 ] || bench_say "  WARNING: $bad_rec receptions did not answer 200 (see $name.wrk.txt)"
  [ "$exhausted" = 0 ] || bench_say "  INVALID: the list of submitted dossiers ran out during a reception run ($exhausted requests re-asked a received dossier)"
  bench_say "  outbox after the runs: ${outbox:-?} (mail went to the sink on :$smtp_port)"
  bench_say ""
  local nthreads=$ethreads
  [ "$nthreads" != 0 ] || nthreads=$ncpu
  submit_explain "$sub_ratio" "$rec_ratio" "$sub_batch" "$sub_fs" "$sconns" "$nthreads"
  [ "$noisy" = 1 ] && bench_say "  NOISY: other work used the CPUs during the runs; these figures are not reliable - re-run on an idle machine"
  bench_say ""
  bench_say "rounds, in order"
  # shellcheck disable=SC2086
  {
    bench_say "  L_sq_full tx/s     $(bench_list '%.0f' $LSQ)   (CPU % it $(bench_csv "$LSQ_CPU"), other $(bench_csv "$LSQ_OCPU"))"
    bench_say "  submissions/s      $(bench_list '%.1f' $SUB)   (p99 ms $(bench_list '%.1f' $SUB_P99); CPU % egov $(bench_csv "$SUB_CPU"), wrk $(bench_csv "$SUB_CCPU"), other $(bench_csv "$SUB_OCPU"); write tx each $(bench_csv "$SUB_TX"); writes per COMMIT $(bench_csv "$SUB_BATCH"))"
    bench_say "  receptions/s       $(bench_list '%.1f' $REC)   (p99 ms $(bench_list '%.1f' $REC_P99); CPU % egov $(bench_csv "$REC_CPU"), wrk $(bench_csv "$REC_CCPU"), other $(bench_csv "$REC_OCPU"); write tx each $(bench_csv "$REC_TX"); writes per COMMIT $(bench_csv "$REC_BATCH"))"
  }

  local prev_ts
  prev_ts=$(bench_history_last_ts "$BENCH_HISTORY" "$name")
  if [ -n "$prev_ts" ]; then
    bench_say ""
    bench_say "change since the last run ($prev_ts, $BENCH_HISTORY):"
    local line
    for line in \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" lsq_full 'L_sq_full (tx/s)' "$lsq" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" submit_ratio 'submissions / L_sq_full' "$sub_ratio" lower)" \
      "$(bench_history_compare "$BENCH_HISTORY" "$name" receive_ratio 'receptions / L_sq_full' "$rec_ratio" lower)"; do
      [ -n "$line" ] && bench_say "$line"
    done
  fi
  bench_summary_end

  # shellcheck disable=SC2086
  bench_history_append "$BENCH_HISTORY" "$(printf '{"ts":"%s","bench":"%s","egov_version":"%s","duration":"%s","conns":%s,"citizens":%s,"rounds":%s,"lsq_full":%s,"submit_per_s":%s,"receive_per_s":%s,"submit_ratio":%s,"receive_ratio":%s,"submit_p99_ms":%s,"receive_p99_ms":%s,"submit_write_tx":%s,"receive_write_tx":%s,"submit_commits":%s,"receive_commits":%s,"submit_batch":%s,"receive_batch":%s,"noisy":%s,"raw":{"lsq_full":%s,"submit_per_s":%s,"receive_per_s":%s,"submit_p99_ms":%s,"receive_p99_ms":%s}}' \
    "$ts" "$name" "$BENCH_EGOV_VERSION" "$dur" "$sconns" "$citizens" "$rounds" "$lsq" "$sub" "$rec" \
    "$(bench_json_num "$sub_ratio")" "$(bench_json_num "$rec_ratio")" "$sub_p99" "$rec_p99" "$(bench_json_num "$(submit_dash "$sub_tx")")" "$(bench_json_num "$(submit_dash "$rec_tx")")" \
    "$(bench_json_num "$(submit_dash "$sub_fs")")" "$(bench_json_num "$(submit_dash "$rec_fs")")" \
    "$(bench_json_num "$(submit_dash "$sub_batch")")" "$(bench_json_num "$(submit_dash "$rec_batch")")" "$noisy" \
    "$(bench_json_array $LSQ)" "$(bench_json_array $SUB)" "$(bench_json_array $REC)" \
    "$(bench_json_array $SUB_P99)" "$(bench_json_array $REC_P99)")"
  bench_save_raw "$first_run" "$BENCH_OUT_DIR/$name.wrk.txt"
  echo "(written to $BENCH_OUT_DIR/$name.txt, raw wrk reports in $name.wrk.txt; appended to $BENCH_HISTORY)"
}
