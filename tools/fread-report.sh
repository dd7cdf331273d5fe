#!/usr/bin/env bash
# Writes the page `emu report` draws of the seed's fread, layer by layer (docs/GUEST-OS.md, docs/IO-PATHS.md):
# a 16 MiB FAT16 data disk made by mkfs.fat with a 1 MiB random BIG.BIN copied in by mcopy, then
# FREAD.COM through the Emu OS on each driver. The page is generated, not committed.
#
#   tools/fread-report.sh [OUTPUT.html] [--runs N]   (default: docs/fread-layers.html, 5 runs)
#   EMU=path/to/emu tools/fread-report.sh ...        (default: the published build, published first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
script=fread-report
. "$root/tools/script-lib.sh"
output="$root/docs/fread-layers.html"
runs=5
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="${2:?--runs needs a number}"; shift 2 ;;
        *) output="$1"; shift ;;
    esac
done
need mkfs.fat mcopy
release_emu

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkfs.fat -C "$work/data.img" 16384 -F 16 >/dev/null
head -c 1048576 /dev/urandom > "$work/big.bin"
mcopy -i "$work/data.img" "$work/big.bin" ::BIG.BIN
DOTNET_TieredCompilation=0 "$EMU" report "$work/data.img" --file 'c:\big.bin' -o "$output" --runs "$runs"
echo "fread-report: wrote $output"
