; errors: the error paths of the primary master. Out-of-range LBA28 and LBA48 reads (IDNF here; QEMU
; and Bochs answer ABRT, see docs/ATA-BEHAVIOUR.md), an unknown opcode (ABRT), SET MULTIPLE with a
; count that is not a power of two (ABRT), READ MULTIPLE with multiple mode off (ABRT), a command
; to the absent slave (ignored), and a data-port read with no data request (0, nothing changes).
; Every error completion interrupts and shows status 41 with the Error bits.
; Run: emu run errors.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py, 2048 sectors)
; disk: disk.img
;
; expect-output: errors: start
; expect-output: read lba=2048 count=1 irqs=1 status=41 error=10
; expect-output: read-ext lba=2047 count=2 irqs=1 status=41 error=10
; expect-output: read-ext lba=16777221 count=1 irqs=1 status=41 error=10
; expect-output: command F0 irqs=1 status=41 error=04
; expect-output: set-multiple 3 irqs=1 status=41 error=04
; expect-output: set-multiple 0 irqs=1 status=50 error=00
; expect-output: read-multiple with multiple mode off irqs=1 status=41 error=04
; expect-output: set-multiple 16 irqs=1 status=50 error=00
; expect-output: slave status=00 irqs=0
; expect-output: data port without DRQ=0000 status=50
; expect-output: errors: done
; expect-exit: 1

%include "ata-test.inc"

; TRY "name": waits for the interrupt of the command just issued and prints "name irqs=N status error".
; A data request on the way (a drive that transfers the sectors before the failing one, as QEMU does)
; is served and the next interrupt awaited, so the line shows how the command really ended.
%macro TRY 1+
        call    drain
        PUTS    %1
        call    print_irqs
        call    print_status_error
%endmacro

main:
        PUTLN   "errors: start"

        ; LBA28 one past the end: IDNF.
        call    start_count
        ISSUE28 0x20, 2048, 1
        TRY     "read lba=2048 count=1"

        ; LBA48 starting inside but ending outside.
        call    start_count
        ISSUE48 0x24, 2047, 2
        TRY     "read-ext lba=2047 count=2"

        ; LBA48 0x01000005: the HOB byte counts (LBA 5 would be readable).
        call    start_count
        ISSUE48 0x24, 0x01000005, 1
        TRY     "read-ext lba=16777221 count=1"

        ; An opcode the drive does not implement.
        call    start_count
        mov     bl, 0xF0
        call    command
        TRY     "command F0"

        ; SET MULTIPLE: 3 is not a power of two; 0 turns multiple mode off.
        call    start_count
        mov     bl, 0xC6
        mov     cl, 3
        call    command
        TRY     "set-multiple 3"
        call    start_count
        mov     bl, 0xC6
        mov     cl, 0
        call    command
        TRY     "set-multiple 0"
        call    start_count
        ISSUE28 0xC4, 0, 1
        TRY     "read-multiple with multiple mode off"
        call    start_count
        mov     bl, 0xC6
        mov     cl, 16
        call    command
        TRY     "set-multiple 16"

        ; The slave is absent: its registers read 0 and a command to it is ignored (no interrupt).
        call    start_count
        mov     dx, ATA_DEVICE
        mov     al, 0xF0
        out     dx, al
        mov     bl, 0xEC
        call    command
        mov     dx, ATA_ALTSTATUS
        in      al, dx
        PUTS    "slave status="
        call    print_hex8
        NO_INTERRUPT_EXPECTED
        call    print_irqs
        call    newline
        mov     dx, ATA_DEVICE
        mov     al, 0xE0
        out     dx, al

        ; Reading the data port with no data request.
        mov     dx, ATA_DATA
        in      ax, dx
        PUTS    "data port without DRQ="
        call    print_hex16
        PUTS    " status="
        mov     dx, ATA_ALTSTATUS
        in      al, dx
        call    print_hex8
        call    newline

        PUTLN   "errors: done"
        test_pass

; drain: waits for an interrupt; while it announces a data block (DRQ), reads the block and waits again.
drain:
        call    wait_next_irq
        jc      timeout
        test    byte [irq_status], 0x08
        jz      .done
        push    es
        push    word BUF_SEG
        pop     es
        xor     di, di
        mov     cx, 256
        mov     dx, ATA_DATA
        rep     insw
        pop     es
        jmp     drain
.done:
        ret

timeout:
        FAIL    "no interrupt"

%include "ata-end.inc"
