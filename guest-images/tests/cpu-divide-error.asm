; cpu-divide-error: a divide by zero raises INT 0. The 8086 pushes the address of the next
; instruction, the 80286 and later the address of the faulting DIV itself (so a handler can
; restart it). The handler reports which and steps over the 2-byte DIV when needed.
; This file runs on the 386 model; the same program with --cpu 8086 reports "after".
;
; expect-output: divide error: pushed address is the div
; expect-output: resumed
; expect-exit: 1

        cpu     386
%include "emutest.inc"

start:
        test_start
        mov     word [0], handler
        mov     word [2], 0
        xor     bl, bl
faulting:
        div     bl                      ; 2 bytes: F6 F3
after:
        mov     si, msg_resumed
        call    print
        test_pass

handler:
        push    bp
        mov     bp, sp
        mov     si, msg_div
        call    print
        cmp     word [bp + 2], faulting
        jne     .not_div
        mov     si, msg_is_div
        call    print
        add     word [bp + 2], 2        ; step over the DIV
        pop     bp
        iret
.not_div:
        mov     si, msg_is_after
        call    print
        pop     bp
        iret

        emutest_routines

msg_div:      db "divide error: pushed address is ", 0
msg_is_div:   db "the div", 10, 0
msg_is_after: db "after", 10, 0
msg_resumed:  db "resumed", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
