#!/usr/bin/env bash
# Builds the Emu OS boot floppy guest-images/os/os.img (or the file given as $1) from the built
# guest images (tools/build-guest-images.sh assembles guest-images/os/*.asm first): a 1.44 MB FAT12
# volume made by mkfs.fat, boot.bin's code around the BPB mkfs.fat wrote, and the files copied in by
# mtools. Deterministic: mkfs.fat --invariant (fixed serial number and boot-sector data) and every
# mtools time stamp from SOURCE_DATE_EPOCH (1980-01-01 00:00:00), so a rebuild gives the same bytes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
os="$root/guest-images/os"
out="${1:-$os/os.img}"
for tool in mkfs.fat mcopy; do
    command -v "$tool" >/dev/null || { echo "build-os-image: $tool is not installed (apt-get install -y dosfstools mtools)" >&2; exit 1; }
done
for bin in boot kernel fread dcopy; do
    [ -f "$os/$bin.bin" ] || { echo "build-os-image: $os/$bin.bin is missing (run tools/build-guest-images.sh)" >&2; exit 1; }
done
export SOURCE_DATE_EPOCH=315532800 MTOOLS_NO_VFAT=1 MTOOLSRC=/dev/null
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
rm -f "$tmp"
mkfs.fat -C "$tmp" 1440 -F 12 -n EMUOS --invariant >/dev/null
# the boot code: the jump (bytes 0-2) and everything after the BPB (62-511)
dd if="$os/boot.bin" of="$tmp" bs=1 count=3 conv=notrunc status=none
dd if="$os/boot.bin" of="$tmp" bs=1 skip=62 seek=62 count=450 conv=notrunc status=none
mcopy -i "$tmp" "$os/kernel.bin" ::KERNEL.SYS
mcopy -i "$tmp" "$os/fread.bin" ::FREAD.COM
mcopy -i "$tmp" "$os/dcopy.bin" ::DCOPY.COM
mv "$tmp" "$out"
trap - EXIT
