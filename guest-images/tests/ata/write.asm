; write: PIO writes and cache flushes on the primary master. WRITE SECTORS of 2 sectors at LBA 100
; (DRQ for the first block without an interrupt, one interrupt after each block), WRITE SECTORS EXT of
; 1 sector at LBA 102, FLUSH CACHE and FLUSH CACHE EXT (complete only once the host file is durable),
; then the three sectors read back.
; Run: emu run write.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py; afterwards
; sectors 100-101 hold byte i = (0x40 + 5 * i) & 0xFF, sector 102 byte i = (0x90 + 5 * i) & 0xFF)
; disk: disk.img
;
; expect-output: write: start
; expect-output: write lba=100 count=2 crc=DD2B61AC irqs=2 status=50 error=00
; expect-output: write-ext lba=102 count=1 crc=593C127F irqs=1 status=50 error=00
; expect-output: flush-cache status=50 error=00
; expect-output: flush-cache-ext status=50 error=00
; expect-output: read-back lba=100 count=3 crc=643A3BE1 irqs=3 status=50 error=00
; expect-output: write: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "write: start"

        mov     al, 0x40
        mov     ecx, 2 * 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x30, 100, 2
        PIO_OUT 2, 1
        jc      failed
        PUTS    "write lba=100 count=2 crc="
        mov     ecx, 2 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        mov     al, 0x90
        mov     ecx, 512
        call    fill_buffer
        call    start_count
        ISSUE48 0x34, 102, 1
        PIO_OUT 1, 1
        jc      failed
        PUTS    "write-ext lba=102 count=1 crc="
        mov     ecx, 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        mov     si, name_flush
        mov     bx, 0x00E7
        call    non_data
        mov     si, name_flush_ext
        mov     bx, 0x00EA
        call    non_data

        mov     al, 0
        mov     ecx, 3 * 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x20, 100, 3
        PIO_IN  3, 1
        jc      failed
        PUTS    "read-back lba=100 count=3 crc="
        mov     ecx, 3 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        PUTLN   "write: done"
        test_pass

failed:
        FAIL    "transfer failed"

name_flush:     db      "flush-cache", 0
name_flush_ext: db      "flush-cache-ext", 0

%include "ata-end.inc"
