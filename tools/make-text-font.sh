#!/usr/bin/env bash
# Rebuilds Emu.Io/Video/Fonts/text-8x16.bin, the 8x16 glyphs that text-mode screenshots are drawn
# with: 256 glyphs in code page 437 order, 16 bytes each (one byte per scan line, bit 7 leftmost).
# Source: Terminus Font 4.48, medium weight, CP437 encoding, from Debian's xfonts-terminus-dos
# (SIL Open Font License 1.1, Emu.Io/Video/Fonts/OFL.txt). Converting its format makes this a
# Modified Version under the OFL, so it is not called "Terminus" here. Code points the source lacks
# (07h, 0Eh) stay blank.
#   apt-get install -y xfonts-terminus-dos pcf2bdf && tools/make-text-font.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source=/usr/share/fonts/X11/misc/ter-u16n_ibm437.pcf.gz
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
zcat "$source" > "$work/font.pcf"
pcf2bdf -o "$work/font.bdf" "$work/font.pcf"
python3 - "$work/font.bdf" Emu.Io/Video/Fonts/text-8x16.bin <<'PY'
import sys
glyphs = bytearray(256 * 16)
code, rows = None, None
for line in open(sys.argv[1]):
    word = line.split()
    if not word:
        continue
    if word[0] == "ENCODING":
        code = int(word[1])
    elif word[0] == "BBX" and word[1:] != ["8", "16", "0", "-4"]:
        sys.exit(f"glyph {code}: unexpected bounding box {word[1:]}")
    elif word[0] == "BITMAP":
        rows = []
    elif word[0] == "ENDCHAR":
        if 0 <= code < 256:
            glyphs[code * 16:code * 16 + 16] = bytes(rows)
        rows = None
    elif rows is not None:
        rows.append(int(word[0], 16))
open(sys.argv[2], "wb").write(glyphs)
PY
echo "wrote Emu.Io/Video/Fonts/text-8x16.bin"
