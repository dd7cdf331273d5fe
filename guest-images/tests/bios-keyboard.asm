; bios-keyboard: INT 16h over the INT 09h handler. Keys typed with --keys arrive as set-1
; scancodes on IRQ 1; the BIOS translates them (US layout, shift state in 0040:0017) into the
; buffer at 0040:001E. Reads them with AH=00h (waiting), peeks with AH=01h, stuffs one with
; AH=05h, reads the shift flags with AH=02h. Prints scancode:ASCII words on E9h.
;
; emu-options: --keys aB1\n
; expect-output: key 1E61
; expect-output: key 3042
; expect-output: peek 0231
; expect-output: key 0231
; expect-output: key 1C0D
; expect-output: empty
; expect-output: stuffed 2C7A
; expect-output: shift 00
; expect-output: head=tail 1
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start
        sti
        call    get_key                 ; a
        call    get_key                 ; B (shift held while typing it)
.peek:
        mov     ah, 0x01
        int     0x16
        jz      .peek                   ; '1' may not have arrived yet
        print_field16 msg_peek, ax
        call    newline
        call    get_key                 ; 1
        call    get_key                 ; Enter
        mov     ah, 0x01
        int     0x16
        jnz     .not_empty
        mov     si, msg_empty
        call    print
.not_empty:
        mov     ah, 0x05
        mov     cx, 0x2C7A              ; 'z'
        int     0x16
        mov     ah, 0x00
        int     0x16
        print_field16 msg_stuffed, ax
        call    newline
        mov     ah, 0x02
        int     0x16
        print_field8 msg_shift, al
        call    newline
        mov     ax, 0x40
        mov     es, ax
        mov     si, msg_headtail
        call    print
        mov     ax, [es:0x1A]
        cmp     ax, [es:0x1C]
        mov     al, '1'
        je      .same
        mov     al, '0'
.same:
        call    putc
        call    newline
        test_pass

get_key:
        read_key msg_key
        call    newline
        ret

        emutest_routines

msg_key:      db "key ", 0
msg_peek:     db "peek ", 0
msg_empty:    db "empty", 10, 0
msg_stuffed:  db "stuffed ", 0
msg_shift:    db "shift ", 0
msg_headtail: db "head=tail ", 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
