; registers: task-file behaviour of the primary master. LBA48 HOB readback (each write to 1F1-1F5
; pushes the previous value into the HOB copy, read back with Device Control HOB = 1), the software
; reset (SRST) signature and its lack of an interrupt, and nIEN: a polled READ SECTORS of 4 sectors
; with interrupts disabled at the drive takes no interrupt, the same read with nIEN = 0 takes 4.
; Run: emu run registers.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py)
; disk: disk.img
;
; expect-output: registers: start
; expect-output: recalibrate status=50 error=00
; expect-output: hob=0 error=00 count=22 lba=33/44/55
; expect-output: hob=1 features=A1 count=A2 lba=A3/A4/A5
; expect-output: after a write hob=0 count=22
; expect-output: srst held status=80
; expect-output: srst signature count=01 lba=01/00/00 device=A0 error=01 status=50 irqs=0
; expect-output: nien=1 read lba=20 count=4 crc=DB5A9836 irqs=0 status=50 error=00
; expect-output: nien=0 read lba=20 count=4 crc=DB5A9836 irqs=4 status=50 error=00
; expect-output: registers: done
; expect-exit: 1

%include "ata-test.inc"

; SHOW "prefix": "prefixNN count=.. lba=../../.." (1F1 to 1F5) read at the current HOB setting.
%macro SHOW 1+
        PUTS    %1
        call    show_taskfile
%endmacro

main:
        PUTLN   "registers: start"
        mov     si, name_recal          ; a successful command first, so Error reads 00 whatever the BIOS
        mov     bx, 0x0010              ; (if any) left in it
        call    non_data

        ; HOB: write the "previous" values first, then the current ones.
        mov     dx, ATA_FEATURES
        mov     al, 0xA1
.hob_first:
        out     dx, al
        inc     al
        inc     dx
        cmp     dx, ATA_LBA2
        jbe     .hob_first
        mov     dx, ATA_FEATURES
        mov     al, 0x11
.hob_second:
        out     dx, al
        add     al, 0x11
        inc     dx
        cmp     dx, ATA_LBA2
        jbe     .hob_second
        SHOW    "hob=0 error="          ; with HOB = 0, 1F1 reads the Error register
        mov     dx, ATA_CONTROL
        mov     al, CTL_HOB
        out     dx, al
        SHOW    "hob=1 features="
        ; Any task-file write clears HOB.
        mov     dx, ATA_DEVICE
        mov     al, 0xE0
        out     dx, al
        PUTS    "after a write hob=0 count="
        mov     dx, ATA_COUNT
        in      al, dx
        call    print_hex8
        call    newline
        mov     dx, ATA_CONTROL
        xor     al, al
        out     dx, al

        ; SRST: busy while held; on release the signature, Error 01, status 50, and no interrupt.
        call    start_count
        mov     dx, ATA_CONTROL
        mov     al, CTL_SRST
        out     dx, al
        PUTS    "srst held status="
        mov     dx, ATA_ALTSTATUS
        in      al, dx
        call    print_hex8
        call    newline
        mov     ecx, 100000             ; hold SRST for a while (at least 5 us on real drives)
.hold:
        dec     ecx
        jnz     .hold
        mov     dx, ATA_CONTROL
        xor     al, al
        out     dx, al
        call    wait_not_busy
        jc      busy
        NO_INTERRUPT_EXPECTED
        PUTS    "srst signature count="
        PRINT_COUNT_LBA
        PUTS    " device="
        inc     dx
        in      al, dx
        call    print_hex8
        PUTS    " error="
        mov     dx, ATA_ERROR
        in      al, dx
        call    print_hex8
        PUTS    " status="
        mov     dx, ATA_ALTSTATUS
        in      al, dx
        call    print_hex8
        call    print_irqs
        call    newline

        ; nIEN = 1: a polled read, no interrupts.
        mov     dx, ATA_CONTROL
        mov     al, CTL_NIEN
        out     dx, al
        call    start_count
        ISSUE28 0x20, 20, 4
        push    es
        push    word BUF_SEG
        pop     es
        xor     di, di
        mov     bx, 4
.sector:
        call    wait_not_busy
        jc      busy
        test    al, 0x08
        jz      nodata
        mov     cx, 256
        mov     dx, ATA_DATA
        rep     insw
        dec     bx
        jnz     .sector
        pop     es
        call    wait_not_busy
        sti                             ; let an interrupt in, if one (wrongly) came
        nop
        cli
        PUTS    "nien=1 read lba=20 count=4 crc="
        mov     ecx, 4 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error
        mov     dx, ATA_STATUS          ; acknowledge before enabling interrupts again
        in      al, dx
        mov     dx, ATA_CONTROL
        xor     al, al
        out     dx, al

        ; nIEN = 0: the same read, one interrupt per sector.
        call    start_count
        ISSUE28 0x20, 20, 4
        PIO_IN  4, 1
        jc      nodata
        PUTS    "nien=0 read lba=20 count=4 crc="
        mov     ecx, 4 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        PUTLN   "registers: done"
        test_pass

busy:
        FAIL    "the drive stays busy"
nodata:
        FAIL    "no data request"

name_recal:     db      "recalibrate", 0

show_taskfile:
        push    ax
        push    dx
        mov     dx, ATA_ERROR
        in      al, dx
        call    print_hex8
        PUTS    " count="
        PRINT_COUNT_LBA
        call    newline
        pop     dx
        pop     ax
        ret

%include "ata-end.inc"
