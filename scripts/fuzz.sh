#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ (clang, ASan+UBSan, Debug) in
# build-fuzz/, replays every saved crasher (tests/fuzz/regressions/<name>/) and
# seed (tests/fuzz/corpus/<name>/) through its harness, then fuzzes each target
# for SECONDS on a temporary copy of its seeds, so nothing new lands in the
# repository. Exits non-zero if any target crashes, leaks or times out, and
# prints where the input that did it was saved.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    default 10 s, every target
#
# Needs clang and libclang-rt-14-dev (libFuzzer and the sanitizer runtimes).
set -euo pipefail

secs=${1:-10}
shift || true
case "$secs" in
'' | *[!0-9]*)
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
  ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzz_dir=tests/fuzz
build="build-fuzz"
artifacts=$build/fuzz-artifacts

command -v clang >/dev/null || {
  echo "fuzz: clang not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
}

start=$(date +%s)
mkdir -p "$build"
log_build=$build/fuzz-build.log
echo "== configure and build ($build)"
CC=clang cmake -S . -B "$build" -DEGOV_FUZZ=ON -DEGOV_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug >"$log_build" 2>&1 ||
  { cat "$log_build" >&2; echo "fuzz: configuring failed" >&2; exit 2; }
cmake --build "$build" --target fuzz -j "$(nproc)" >>"$log_build" 2>&1 ||
  { tail -n 40 "$log_build" >&2; echo "fuzz: building failed (full log: $log_build)" >&2; exit 2; }
built=$(date +%s)

# The targets CMake knows (EGOV_FUZZ_TARGETS); a harness file missing there is only reported.
mapfile -t known <"$build/tests/fuzz/targets.txt"
for f in "$fuzz_dir"/fuzz_*.c; do
  n=${f##*/fuzz_}
  n=${n%.c}
  printf '%s\n' "${known[@]}" | grep -qx -- "$n" ||
    echo "fuzz: warning: $f is not in EGOV_FUZZ_TARGETS ($fuzz_dir/CMakeLists.txt); not run" >&2
done
if [ $# -gt 0 ]; then
  targets=("$@")
  for t in "${targets[@]}"; do
    printf '%s\n' "${known[@]}" | grep -qx -- "$t" || {
      echo "fuzz: no such target '$t' (known: ${known[*]})" >&2
      exit 2
    }
  done
else
  targets=("${known[@]}")
fi

# Sanitizer reports with stacks; respect what the caller already set.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

work=$(mktemp -d "${TMPDIR:-/tmp}/egov-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
rm -rf "$artifacts"
failed=()

# Runs every file given through the harness, all in one process; if that
# fails, runs them one by one to name each file that crashes, leaks or hangs.
replay() {
  local t=$1 what=$2 f
  shift 2
  [ $# -gt 0 ] || return 0
  local bin="$build/tests/fuzz/fuzz_$t" log="$work/$t.$what.log"
  local opts=(-timeout=5 -rss_limit_mb=2048 -artifact_prefix="$work/replay-")
  if "$bin" "${opts[@]}" "$@" >"$log" 2>&1; then
    echo "   $t: $what: $# inputs ok"
    return 0
  fi
  local before=${#failed[@]}
  for f in "$@"; do
    "$bin" "${opts[@]}" "$f" >"$log.1" 2>&1 && continue
    { grep -v '^Running: \|^Executed \|^INFO: \|: Running 1 inputs' "$log.1" || true; } |
      tail -n 40 | sed 's/^/     /'
    echo "   $t: $what: FAILED on $f"
    failed+=("$t ($what): $f")
  done
  if [ ${#failed[@]} = "$before" ]; then
    tail -n 40 "$log" | sed 's/^/     /'
    echo "   $t: $what: FAILED only when run together (state kept between runs?)"
    failed+=("$t ($what): only when all inputs run in one process")
  fi
}

files_in() {
  [ -d "$1" ] || return 0
  find "$1" -type f ! -name '.*' ! -name 'README*' -print0 | sort -z
}

echo "== replay regressions and seeds"
for t in "${targets[@]}"; do
  mapfile -d '' regs < <(files_in "$fuzz_dir/regressions/$t")
  mapfile -d '' seeds < <(files_in "$fuzz_dir/corpus/$t")
  replay "$t" regressions "${regs[@]}"
  replay "$t" corpus "${seeds[@]}"
done

echo "== fuzz each target for ${secs}s"
for t in "${targets[@]}"; do
  corpus="$work/corpus-$t"
  mkdir -p "$corpus" "$artifacts/$t"
  [ -d "$fuzz_dir/corpus/$t" ] && cp -R "$fuzz_dir/corpus/$t/." "$corpus/"
  dict=()
  [ -f "$fuzz_dir/dict/$t.dict" ] && dict=(-dict="$fuzz_dir/dict/$t.dict")
  log="$work/$t.fuzz.log"
  if "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 \
    "${dict[@]}" -artifact_prefix="$artifacts/$t/" -print_final_stats=1 "$corpus" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$({ grep -o 'cov: [0-9]*' "$log" || true; } | tail -n 1)
    echo "   $t: ok (${runs:-?} runs, ${cov:-cov: ?}, $(find "$corpus" -type f | wc -l) inputs)"
  else
    tail -n 60 "$log" | sed 's/^/     /'
    saved=$(find "$artifacts/$t" -type f | sort | sed -n 1,5p | tr '\n' ' ')
    echo "   $t: FAILED; input saved as: ${saved:-none (see the log above)}"
    failed+=("$t (fuzzing): ${saved:-see the log above}")
  fi
done

end=$(date +%s)
echo "== build $((built - start))s, replay and fuzzing $((end - built))s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} failure(s):" >&2
  printf '  %s\n' "${failed[@]}" >&2
  echo "fuzz: copy a crasher into $fuzz_dir/regressions/<target>/ once it is understood" >&2
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets clean"
