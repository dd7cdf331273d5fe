#!/usr/bin/env bash
# Runs one ATA test program (guest-images/tests/ata/*.bin) on Emu and on QEMU, each with its own copy
# of a disk image as the primary master, and shows the two debug-console outputs side by side, the
# exit statuses, and whether the images the guests left behind are identical.
#   tools/compare-ata-qemu.sh PROGRAM.bin [DISK.img] [emu options...]
# DISK defaults to guest-images/tests/ata/disk.img (tools/make-ata-test-disk.py). On QEMU the program
# is padded to a 1.44 MB floppy and booted by SeaBIOS (its boot code loads the rest of itself with
# INT 13h); on Emu it is started bare at 0000:7C00 with `emu run`. Needs qemu-system-i386.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/tools/compare-lib.sh"
program="${1:?usage: tools/compare-ata-qemu.sh PROGRAM.bin [DISK.img] [emu options...]}"
shift
disk="$root/guest-images/tests/ata/disk.img"
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then disk="$1"; shift; fi
command -v qemu-system-i386 >/dev/null || { echo "compare-ata-qemu: qemu-system-i386 is not installed (apt-get install -y qemu-system-x86)" >&2; exit 1; }
[ -f "$program" ] || { echo "compare-ata-qemu: '$program' does not exist" >&2; exit 1; }
[ -f "$disk" ] || { echo "compare-ata-qemu: disk image '$disk' does not exist (tools/make-ata-test-disk.py makes it)" >&2; exit 1; }
[ "$(stat -c %s "$program")" -le 1474560 ] || { echo "compare-ata-qemu: '$program' does not fit on a floppy" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$program" "$work/floppy.img"
truncate -s 1474560 "$work/floppy.img"
cp "$disk" "$work/qemu-disk.img"
cp "$disk" "$work/emu-disk.img"

timeout 60 qemu-system-i386 -display none -no-reboot -debugcon "file:$work/qemu.txt" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -boot a \
    -drive "format=raw,file=$work/floppy.img,if=floppy" \
    -drive "format=raw,file=$work/qemu-disk.img,if=ide,index=0" >/dev/null 2>&1
qemu_status=$?

"${emu[@]}" run "$program" --disk "$work/emu-disk.img" --debugcon "$work/emu.txt" --timeout 60 "$@" 2>"$work/emu-stderr.txt"
emu_status=$?

show_outputs
if cmp -s "$work/emu-disk.img" "$work/qemu-disk.img"; then
    echo "disk images after the run: identical"
else
    echo "disk images after the run: differ ($(cmp -l "$work/emu-disk.img" "$work/qemu-disk.img" | wc -l) bytes)"
    same=1
fi
verdict
