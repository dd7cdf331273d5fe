; cpu-8086-quirks: behaviour that tells an 8086 from later CPUs, on the 8086 model: PUSH SP
; pushes the value after the decrement, FLAGS bits 12-15 read as ones, and shift counts are not
; masked to 5 bits (SHL by 33 clears a 16-bit register; a 386 shifts by 1).
;
; emu-options: --cpu 8086
; expect-output: push sp: decremented
; expect-output: flags high nibble: F
; expect-output: shl by 33: 0000
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start
        mov     si, msg_push
        call    print
        mov     bx, sp
        push    sp
        pop     ax
        sub     bx, 2
        cmp     ax, bx
        mov     si, msg_decremented
        je      .p
        mov     si, msg_original
.p:
        call    print

        mov     si, msg_flags
        call    print
        xor     ax, ax
        push    ax
        popf
        pushf
        pop     ax
        mov     al, ah
        mov     cl, 4
        shr     al, cl
        call    print_hex8.digit
        call    newline

        mov     si, msg_shl
        call    print
        mov     ax, 0x1234
        mov     cl, 33
        shl     ax, cl
        call    print_hex16
        call    newline
        test_pass

        emutest_routines

msg_push:        db "push sp: ", 0
msg_decremented: db "decremented", 10, 0
msg_original:    db "original", 10, 0
msg_flags:       db "flags high nibble: ", 0
msg_shl:         db "shl by 33: ", 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
