#!/usr/bin/env python3
"""Writes the disk image the ATA test programs (guest-images/tests/ata) read: 1 MiB, 2048 sectors.
Sector s holds s as a little-endian dword in bytes 0-3, then byte i = (s * 7 + i) & 0xFF.
    tools/make-ata-test-disk.py [OUTPUT]   (default guest-images/tests/ata/disk.img)"""
import os, sys

SECTORS = 2048

def sector(s):
    data = bytearray((s * 7 + i) & 0xFF for i in range(512))
    data[0:4] = s.to_bytes(4, "little")
    return bytes(data)

if __name__ == "__main__":
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "guest-images", "tests", "ata", "disk.img")
    with open(out, "wb") as f:
        for s in range(SECTORS):
            f.write(sector(s))
    print(f"wrote {out}: {SECTORS} sectors")
