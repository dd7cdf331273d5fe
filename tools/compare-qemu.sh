#!/usr/bin/env bash
# Runs one guest image on Emu and on QEMU (same ports: debug console 0xE9, isa-debug-exit 0xF4,
# COM1) and shows the two debug-console outputs side by side, then the exit statuses.
#   tools/compare-qemu.sh IMAGE [emu options...]
# The image boots as a floppy on QEMU when its size is a floppy size, else as a hard disk, and is
# started with `emu run` (a flat binary at 0000:7C00) on Emu (EMU="dotnet .../emu.dll" to use a
# built emu instead of `dotnet run`). Needs qemu-system-i386.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/tools/compare-lib.sh"
image="${1:?usage: tools/compare-qemu.sh IMAGE [emu options...]}"
shift
command -v qemu-system-i386 >/dev/null || { echo "compare-qemu: qemu-system-i386 is not installed (apt-get install -y qemu-system-x86)" >&2; exit 1; }
[ -f "$image" ] || { echo "compare-qemu: '$image' does not exist" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
size=$(stat -c %s "$image")
case "$size" in
    163840|184320|327680|368640|737280|1228800|1474560|2949120) drive="if=floppy" ;;
    *) drive="if=ide" ;;
esac
cp "$image" "$work/disk.img"

timeout 30 qemu-system-i386 -display none -no-reboot -debugcon "file:$work/qemu.txt" \
    -serial "file:$work/qemu-com1.txt" -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    -drive "format=raw,file=$work/disk.img,$drive" >/dev/null 2>&1
qemu_status=$?

"${emu[@]}" run "$image" --debugcon "$work/emu.txt" \
    --serial "$work/emu-com1.txt" --timeout 30 "$@" 2>"$work/emu-stderr.txt"
emu_status=$?

show_outputs
verdict
