#!/usr/bin/env bash
# Coverage-guided fuzzing of one Emu target with AFL++ and SharpFuzz.
#
#   tools/fuzz/run.sh TARGET SECONDS [CORPUS_DIR]
#
# TARGET is cpu, ata or virtio (see tools/fuzz/Harnesses and docs/RELIABILITY.md). The script installs what
# is missing (afl++ from Debian, the SharpFuzz.CommandLine tool into a private tool path), publishes
# tools/fuzz/Emu.Fuzz in Release, instruments the Emu.* assemblies the target exercises, seeds CORPUS_DIR
# when it is empty or not given (ata/virtio: the harness's seed programs; cpu: the flat guest images), runs
# afl-fuzz for SECONDS (or until MAX_EXECS executions, default 1,000,000, whichever comes first) and prints
# executions, exec/s, corpus paths, edges, crashes and hangs. Findings stay in $WORK/findings.
#
# Environment: WORK (default /tmp/emu-fuzz-TARGET), MAX_EXECS, AFL_TIMEOUT_MS (default 2000).
# A crash is replayed with:  dotnet $WORK/out/Emu.Fuzz.dll TARGET $WORK/findings/default/crashes/id:*
set -euo pipefail

if [[ $# -lt 2 || ! "$1" =~ ^(cpu|ata|virtio)$ || ! "$2" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 cpu|ata|virtio SECONDS [CORPUS_DIR]" >&2
    exit 2
fi
TARGET=$1
SECONDS_TO_RUN=$2
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${WORK:-/tmp/emu-fuzz-$TARGET}
CORPUS=${3:-$WORK/corpus}
MAX_EXECS=${MAX_EXECS:-1000000}
TOOLS=${SHARPFUZZ_TOOL_PATH:-$HOME/.cache/emu-fuzz/tools}
mkdir -p "$WORK" "$CORPUS"

# ---- what the run needs ----
if ! command -v afl-fuzz >/dev/null; then
    echo "== installing afl++"
    apt-get update -qq && apt-get install -y -qq afl++ >/dev/null
fi
if [[ ! -x "$TOOLS/sharpfuzz" ]]; then
    echo "== installing SharpFuzz.CommandLine into $TOOLS"
    dotnet tool install --tool-path "$TOOLS" SharpFuzz.CommandLine --version 2.3.0 >/dev/null
fi

# ---- build and instrument ----
echo "== publishing Emu.Fuzz"
rm -rf "$WORK/out"
dotnet publish "$ROOT/tools/fuzz/Emu.Fuzz" -c Release -o "$WORK/out" -nologo -v q >/dev/null
case $TARGET in
    cpu) ASSEMBLIES=(Emu.Memory Emu.Cpu Emu.Io Emu.Hypervisor) ;;
    *) ASSEMBLIES=(Emu.Memory Emu.Io) ;;
esac
for a in "${ASSEMBLIES[@]}"; do
    echo "== instrumenting $a.dll"
    "$TOOLS/sharpfuzz" "$WORK/out/$a.dll" >/dev/null
done

# ---- corpus ----
if [[ -z "$(ls -A "$CORPUS")" ]]; then
    dotnet "$WORK/out/Emu.Fuzz.dll" seeds "$TARGET" "$CORPUS" "$ROOT/guest-images"
fi

# ---- fuzz ----
echo "== afl-fuzz $TARGET for ${SECONDS_TO_RUN}s (at most $MAX_EXECS executions), $(nproc) cores, $(date -u +%FT%TZ)"
rm -rf "$WORK/findings"
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
export AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000
set +e
afl-fuzz -i "$CORPUS" -o "$WORK/findings" -t "${AFL_TIMEOUT_MS:-2000}" -m none -V "$SECONDS_TO_RUN" -E "$MAX_EXECS" \
    -- dotnet "$WORK/out/Emu.Fuzz.dll" "$TARGET" >"$WORK/afl.log" 2>&1
STATUS=$?
set -e
rm -rf /dev/shm/emu-fuzz-*

STATS=$WORK/findings/default/fuzzer_stats
if [[ ! -f $STATS ]]; then
    echo "afl-fuzz did not start (status $STATUS); the end of $WORK/afl.log:" >&2
    tail -20 "$WORK/afl.log" >&2
    exit 1
fi
field() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$STATS"; }
echo "== $TARGET: $(field execs_done) executions in $(( $(field last_update) - $(field start_time) ))s" \
    "($(field execs_per_sec) exec/s at the end), corpus $(field corpus_count) paths, edges $(field edges_found)" \
    "($(field bitmap_cvg) of the map), stability $(field stability)," \
    "crashes $(field saved_crashes), hangs $(field saved_hangs)"
shopt -s nullglob
CRASHES=("$WORK"/findings/default/crashes/id:*)
if (( ${#CRASHES[@]} > 0 )); then
    echo "== crashes (replay: dotnet $WORK/out/Emu.Fuzz.dll $TARGET FILE):"
    printf '   %s\n' "${CRASHES[@]}"
    exit 3
fi
