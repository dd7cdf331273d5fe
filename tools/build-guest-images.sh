#!/usr/bin/env bash
# Assembles every guest program under guest-images/ with NASM into a flat binary beside its
# source (X.asm -> X.bin). The built images are committed; tests check that rebuilding them gives
# the same bytes. Files named *.inc are included by others and are not built on their own.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v nasm >/dev/null || { echo "build-guest-images: nasm is not installed (apt-get install -y nasm)" >&2; exit 1; }
count=0
while IFS= read -r -d '' src; do
    dir="$(dirname "$src")"
    nasm -f bin -I "$dir/" -I "$root/guest-images/include/" -o "${src%.asm}.bin" "$src"
    count=$((count + 1))
done < <(find "$root/guest-images" -name '*.asm' -print0 | sort -z)
echo "built $count guest images"
"$root/tools/build-os-image.sh"
echo "built guest-images/os/os.img"
