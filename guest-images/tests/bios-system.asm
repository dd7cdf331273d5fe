; bios-system: INT 11h equipment word, INT 12h memory size, INT 15h (C0h configuration table,
; 88h extended memory, 2401h/2402h/2400h A20 through port 92h, an unknown function: CF set,
; AH=86h), INT 14h on COM1 (init 9600 8N1, send, status), and an unknown INT 10h function
; (counted, listed by --stats). Serial output is checked on COM1.
;
; expect-output: equipment 0220 memory 0280
; expect-output: config model FC bytes 0008
; expect-output: a20 on 01 off 00
; expect-output: int15 unknown: CF AH=86
; expect-output: serial sent AH=60
; expect-serial: Z
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start
        int     0x11
        print_field16 msg_equip, ax
        int     0x12
        print_field16 msg_mem, ax
        call    newline

        mov     ah, 0xC0
        int     0x15
        print_field8 msg_config, [es:bx + 2]
        print_field16 msg_bytes, [es:bx]
        call    newline

        mov     ax, 0x2401
        int     0x15
        mov     ax, 0x2402
        int     0x15
        print_field8 msg_a20, al
        mov     ax, 0x2400
        int     0x15
        mov     ax, 0x2402
        int     0x15
        print_field8 msg_off, al
        call    newline

        mov     ah, 0xEE                ; no such function
        stc
        int     0x15
        print_bios_result msg_unknown, msg_ah
        call    newline

        mov     ax, 0x00E3              ; 9600 baud, no parity, 1 stop bit, 8 bits
        xor     dx, dx
        int     0x14
        mov     ax, 0x015A              ; 'Z'
        xor     dx, dx
        int     0x14
        print_field8 msg_sent, ah
        call    newline

        mov     ah, 0x55                ; an INT 10h function the BIOS lacks: counted for --stats
        int     0x10
        test_pass

        emutest_routines

msg_equip:   db "equipment ", 0
msg_mem:     db " memory ", 0
msg_config:  db "config model ", 0
msg_bytes:   db " bytes ", 0
msg_a20:     db "a20 on ", 0
msg_off:     db " off ", 0
msg_unknown: db "int15 unknown: ", 0
msg_ah:      db " AH=", 0
msg_sent:    db "serial sent AH=", 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
