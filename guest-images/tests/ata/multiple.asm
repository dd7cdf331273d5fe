; multiple: READ/WRITE MULTIPLE on the primary master. SET MULTIPLE 16 then READ MULTIPLE of 100
; sectors (7 DRQ blocks: 6 x 16 + 4, one interrupt each), SET MULTIPLE 4 then READ MULTIPLE EXT of
; 10 sectors (3 blocks), and WRITE MULTIPLE of 20 sectors (5 blocks) read back with READ SECTORS.
; Also the PIO figure of docs/IO-PATHS.md: `emu run multiple.bin --disk disk.img --stats`.
; Run: emu run multiple.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py; sectors
; 300-319 are overwritten: byte i of the 10240 = (0x11 + 5 * i) & 0xFF)
; disk: disk.img
;
; expect-output: multiple: start
; expect-output: set-multiple 16 status=50 error=00
; expect-output: read-multiple lba=0 count=100 crc=E388C913 irqs=7 status=50 error=00
; expect-output: set-multiple 4 status=50 error=00
; expect-output: read-multiple-ext lba=200 count=10 crc=EDB0D75A irqs=3 status=50 error=00
; expect-output: write-multiple lba=300 count=20 crc=80609957 irqs=5 status=50 error=00
; expect-output: read-back lba=300 count=20 crc=80609957 irqs=20 status=50 error=00
; expect-output: multiple: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "multiple: start"
        mov     si, name_sm16
        mov     bx, 0x00C6
        mov     cl, 16
        call    non_data

        call    start_count
        ISSUE28 0xC4, 0, 100
        PIO_IN  100, 16
        jc      failed
        PUTS    "read-multiple lba=0 count=100 crc="
        mov     ecx, 100 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        mov     si, name_sm4
        mov     bx, 0x00C6
        mov     cl, 4
        call    non_data
        call    start_count
        ISSUE48 0x29, 200, 10
        PIO_IN  10, 4
        jc      failed
        PUTS    "read-multiple-ext lba=200 count=10 crc="
        mov     ecx, 10 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        mov     al, 0x11
        mov     ecx, 20 * 512
        call    fill_buffer
        call    start_count
        ISSUE28 0xC5, 300, 20
        PIO_OUT 20, 4
        jc      failed
        PUTS    "write-multiple lba=300 count=20 crc="
        mov     ecx, 20 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        mov     al, 0
        mov     ecx, 20 * 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x20, 300, 20
        PIO_IN  20, 1
        jc      failed
        PUTS    "read-back lba=300 count=20 crc="
        mov     ecx, 20 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        PUTLN   "multiple: done"
        test_pass

failed:
        FAIL    "transfer failed"

name_sm16:      db      "set-multiple 16", 0
name_sm4:       db      "set-multiple 4", 0

%include "ata-end.inc"
