; flush-wait: for the FLUSH durability test. Writes sector 50 (byte i = (0x77 + 5 * i) & 0xFF),
; issues FLUSH CACHE, reports its completion, then waits, polling COM1 for a byte, for up to about
; 20,000,000 polls (seconds) before it exits. The test kills the emulator with SIGKILL while it waits and checks
; that the image file holds the sector: FLUSH completion must mean the data reached the host file.
; Run: emu run flush-wait.bin --disk disk.img [--serial-input q]   (q ends the wait at once)
; disk: disk.img
; emu-options: --serial-input q
;
; expect-output: flush-wait: start
; expect-output: write lba=50 count=1 irqs=1 status=50 error=00
; expect-output: flush-cache status=50 error=00
; expect-output: flush complete
; expect-output: flush-wait: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "flush-wait: start"
        mov     al, 0x77
        mov     ecx, 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x30, 50, 1
        PIO_OUT 1, 1
        jc      failed
        PUTS    "write lba=50 count=1"
        call    print_irqs
        call    print_status_error
        mov     si, name_flush
        mov     bx, 0x00E7
        call    non_data
        PUTLN   "flush complete"

        mov     ecx, 20000000
        mov     dx, 0x3FD               ; COM1 line status: bit 0 = a byte received
.wait:
        in      al, dx
        test    al, 0x01
        jnz     .done
        dec     ecx
        jnz     .wait
.done:
        PUTLN   "flush-wait: done"
        test_pass

failed:
        FAIL    "transfer failed"

name_flush:     db      "flush-cache", 0

%include "ata-end.inc"
