; pio: PIO data commands on the primary master. READ SECTORS (LBA28, one interrupt per sector),
; READ SECTORS EXT (LBA48), a CHS read, READ VERIFY SECTORS, and a 32-bit data-port read.
; Run: emu run pio.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py)
; disk: disk.img
;
; expect-output: pio: start
; expect-output: read lba=5 count=3 crc=5A8FFCEF irqs=3 status=50 error=00
; expect-output: read taskfile lba=000007 count=00
; expect-output: read-ext lba=1000 count=2 crc=418198DF irqs=2 status=50 error=00
; expect-output: read chs=0/1/1 first-dword=0000003F irqs=1 status=50 error=00
; expect-output: verify lba=10 count=4 irqs=1 status=50 error=00
; expect-output: read-dword lba=2047 count=1 crc=4347923E irqs=1 status=50 error=00
; expect-output: pio: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "pio: start"

        ; READ SECTORS: LBA 5, 3 sectors, one DRQ block and one interrupt each.
        call    start_count
        ISSUE28 0x20, 5, 3
        PIO_IN  3, 1
        jc      failed
        PUTS    "read lba=5 count=3 crc="
        mov     ecx, 3 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error
        PUTS    "read"
        call    print_taskfile
        call    newline

        ; READ SECTORS EXT: LBA 1000, 2 sectors.
        call    start_count
        ISSUE48 0x24, 1000, 2
        PIO_IN  2, 1
        jc      failed
        PUTS    "read-ext lba=1000 count=2 crc="
        mov     ecx, 2 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        ; READ SECTORS in CHS form (default translation 16 heads, 63 sectors): C0/H1/S1 is LBA 63.
        call    start_count
        mov     dx, ATA_DEVICE
        mov     al, 0xA1                ; CHS, master, head 1
        out     dx, al
        mov     dx, ATA_COUNT
        mov     al, 1
        out     dx, al
        inc     dx
        out     dx, al                  ; sector 1
        inc     dx
        xor     al, al
        out     dx, al                  ; cylinder 0
        inc     dx
        out     dx, al
        call    mark_irqs
        mov     dx, ATA_COMMAND
        mov     al, 0x20
        out     dx, al
        PIO_IN  1, 1
        jc      failed
        PUTS    "read chs=0/1/1 first-dword="
        push    es
        push    word BUF_SEG
        pop     es
        mov     eax, [es:0]
        pop     es
        call    print_hex32
        call    print_irqs
        call    print_status_error

        ; READ VERIFY SECTORS: no data phase, one interrupt.
        call    start_count
        ISSUE28 0x40, 10, 4
        call    wait_next_irq
        jc      timeout
        PUTS    "verify lba=10 count=4"
        call    print_irqs
        call    print_status_error

        ; The last sector, read with 32-bit IN (IDENTIFY word 48 allows it).
        call    start_count
        ISSUE28 0x20, 2047, 1
        call    wait_next_irq
        jc      timeout
        push    es
        push    word BUF_SEG
        pop     es
        xor     di, di
        mov     cx, 128
        mov     dx, ATA_DATA
        rep     insd
        pop     es
        PUTS    "read-dword lba=2047 count=1 crc="
        mov     ecx, 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        PUTLN   "pio: done"
        test_pass

timeout:
        FAIL    "no interrupt"
failed:
        FAIL    "transfer failed"

%include "ata-end.inc"
