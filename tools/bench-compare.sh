#!/usr/bin/env bash
# Times the CPU benchmark guests through whole processes of Emu (`emu run`, firmware included),
# Bochs 2.7 and QEMU's TCG (both Debian packages) on this machine, in one run, alternating the three
# for every repetition so that changing load hits them alike. docs/PERFORMANCE.md records its output.
#
#   tools/bench-compare.sh [--runs N] [GUEST.asm...]     (default: every guest-images/bench/*.asm)
#   EMU=path/to/emu tools/bench-compare.sh ...           (default: the published build, published first)
#   EMU_BEFORE=path/to/other/emu tools/bench-compare.sh  (adds a column: e.g. a build of an older commit)
#
# Each guest is assembled twice: as committed (ends with CLI; HLT, which ends `emu run`) and with
# -DFOREIGN (its BENCH_END writes QEMU's isa-debug-exit and Bochs's shutdown port instead; see
# guest-images/bench/bench.inc), padded into a 1.44 MB boot floppy for the other two. Each
# emulator's BIOS boots it (Bochs: BIOS-bochs-latest; QEMU: SeaBIOS) and it runs from 0000:7C00.
# Instructions are Emu's count (`--stats`, its POST included); MIPS = that count / the median time.
# Wall time counts the other jobs on a shared machine; CPU time (user + system, all threads) does not.
# Bochs runs with ips=10000000 (100 ns per instruction, Emu's default) so the pit guest sees the same
# tick rate per instruction; Bochs, like Emu, counts every repetition of a REP instruction.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
script=bench-compare
. "$root/tools/script-lib.sh"
runs=3
guests=()
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
        *) guests+=("$1"); shift ;;
    esac
done
[ ${#guests[@]} -gt 0 ] || guests=("$root"/guest-images/bench/*.asm)
need nasm bochs qemu-system-i386 /usr/bin/time
release_emu

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/bochsrc" <<EOF
megs: 16
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/bochs/VGABIOS-lgpl-latest
floppya: 1_44=$work/floppy.img, status=inserted
boot: floppy
display_library: rfb, options="timeout=0"
log: /dev/null
panic: action=fatal
error: action=ignore
info: action=ignore
debug: action=ignore
cpu: count=1, ips=10000000
clock: sync=none
speaker: enabled=0
sound: driver=dummy
EOF

# Runs a command, appends "wall cpu" (seconds) to $work/times; fails unless its output has $2.
timed() {
    local expect="$1"; shift
    /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >"$work/out" 2>&1 </dev/null || true
    grep -q -- "$expect" "$work/out" || { echo "bench-compare: '$*' did not end as expected ('$expect'):" >&2; tail -5 "$work/out" >&2; exit 1; }
    awk '{ printf "%s %.3f\n", $1, $2 + $3 }' "$work/time" >> "$work/times.$label"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name: *//p'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); emu: $EMU${EMU_BEFORE:+; before: $EMU_BEFORE}; $(bochs-bin --help 2>&1 | grep -m1 -o 'Bochs x86 Emulator [0-9.]*' || echo Bochs); $(qemu-system-i386 --version | head -1)"
echo "$runs runs each, medians; MIPS = Emu's instruction count / time (wall | CPU)"
printf '%-16s %14s' guest instructions
for label in ${EMU_BEFORE:+before} emu bochs qemu; do printf ' | %8s %8s %8s' "$label s" "wall" "cpu"; done
echo
# First a guest that does nothing: what start-up, the BIOS and shutdown cost each emulator.
printf '%%include "bench.inc"\n        org 0x7C00\n        BENCH_END\n' > "$work/start-up.asm"
for src in "$work/start-up.asm" "${guests[@]}"; do
    name="$(basename "${src%.asm}")"
    nasm -f bin -I "$(dirname "$src")/" -I "$root/guest-images/bench/" -o "$work/emu.bin" "$src"
    nasm -f bin -DFOREIGN -I "$(dirname "$src")/" -I "$root/guest-images/bench/" -o "$work/foreign.bin" "$src"
    python3 - "$work/foreign.bin" "$work/floppy.img" <<'EOF'
import sys
code = open(sys.argv[1], 'rb').read()
if len(code) > 510:
    sys.exit(f"bench-compare: {sys.argv[1]} is {len(code)} bytes, more than a boot sector holds")
open(sys.argv[2], 'wb').write(code + bytes(510 - len(code)) + b'\x55\xaa' + bytes(1474560 - 512))
EOF
    instructions=$("$EMU" run "$work/emu.bin" --stats 2>&1 >/dev/null | sed -n 's/^instructions retired *//p' | tr -d ',')
    rm -f "$work"/times.*
    for ((r = 0; r < runs; r++)); do
        label=emu timed "instructions retired" "$EMU" run "$work/emu.bin" --stats
        [ -z "${EMU_BEFORE:-}" ] || label=before timed "instructions retired" "$EMU_BEFORE" run "$work/emu.bin" --stats
        label=bochs timed "Shutdown port: shutdown requested" sh -c "echo c | bochs -q -f '$work/bochsrc'"
        label=qemu timed "qemu exit 1" sh -c "qemu-system-i386 -accel tcg -display none -no-reboot -m 16 \
            -device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive 'format=raw,file=$work/floppy.img,if=floppy'; echo qemu exit \$?"
    done
    row="$(printf '%-16s %14s' "$name" "$instructions")"
    for label in ${EMU_BEFORE:+before} emu bochs qemu; do
        wall=$(cut -d' ' -f1 "$work/times.$label" | median)
        cpu=$(cut -d' ' -f2 "$work/times.$label" | median)
        if [ "$name" = start-up ]; then
            row+="$(printf ' | %8.2f %8s %8s' "$wall" "cpu s" "$cpu")"
        else
            row+="$(awk -v n="$instructions" -v w="$wall" -v c="$cpu" 'BEGIN { printf " | %8.2f %8.1f %8.1f", w, n / w / 1e6, n / c / 1e6 }')"
        fi
    done
    echo "$row"
done
