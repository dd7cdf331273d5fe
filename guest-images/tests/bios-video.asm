; bios-video: INT 10h in text mode 03h: set mode, teletype with CR/LF/BS, cursor position and
; shape, write char+attribute, read it back, write string, scroll, get mode; the BDA fields a
; program reads (0040:0049 mode, 004A columns, 0050 cursor). Prints results on E9h.
;
; expect-output: mode 03 cols 0050 page 00
; expect-output: cursor 0102
; expect-output: read 1E41
; expect-output: string cursor 0A0A
; expect-output: scrolled 4F
; expect-output: bda 03 0050 0103
; expect-output: done
; expect-screen: Hello
; expect-screen: XYA
; expect-screen: ----------
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start es

        mov     ax, 0x0003              ; mode 03h clears the screen
        int     0x10
        mov     ah, 0x0F
        int     0x10
        mov     si, msg_mode
        call    print
        call    print_hex8              ; AL = mode
        mov     si, msg_cols
        call    print
        mov     al, ah
        xor     ah, ah
        call    print_hex16
        print_field8 msg_page, bh
        call    newline

        mov     si, hello               ; line 2 ends as "XY", cursor at column 2
.tt:
        lodsb
        test    al, al
        jz      .tt_done
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        jmp     .tt
.tt_done:
        mov     ah, 0x03
        mov     bh, 0
        int     0x10
        print_field16 msg_cursor, dx    ; DH row, DL column
        call    newline

        mov     ah, 0x09                ; 'A' in yellow on blue at the cursor, not moving it
        mov     al, 'A'
        mov     bx, 0x001E
        mov     cx, 1
        int     0x10
        mov     ah, 0x08
        mov     bh, 0
        int     0x10
        mov     si, msg_read
        call    print
        call    print_hex16             ; AH attribute, AL character
        call    newline

        mov     ax, 0x1301              ; write string, move the cursor
        mov     bx, 0x0007
        mov     cx, 10
        mov     dx, 0x0A00              ; row 10, column 0
        mov     bp, dashes
        int     0x10
        mov     ah, 0x03
        mov     bh, 0
        int     0x10
        print_field16 msg_string, dx
        call    newline

        ; scroll rows 20-24 up by one with attribute 4Fh, then read the attribute at (24,0)
        mov     ax, 0x0601
        mov     bh, 0x4F
        mov     cx, 0x1400
        mov     dx, 0x184F
        int     0x10
        mov     ah, 0x02
        mov     bh, 0
        mov     dx, 0x1800
        int     0x10
        mov     ah, 0x08
        int     0x10
        print_field8 msg_scrolled, ah
        call    newline
        mov     ah, 0x02                ; cursor back to (1,3)
        mov     bh, 0
        mov     dx, 0x0103
        int     0x10

        mov     ax, 0x40
        mov     es, ax
        print_field8 msg_bda, [es:0x49]
        mov     al, ' '
        call    putc
        mov     ax, [es:0x4A]
        call    print_hex16
        mov     al, ' '
        call    putc
        mov     ax, [es:0x50]
        call    print_hex16
        call    newline

        mov     si, msg_done
        call    print
        test_pass

emutest_routines

hello:        db "Hello", 13, 10, "XYZ", 8, 8, 8, "XY", 8, "Y", 0
dashes:       db "----------"
msg_mode:     db "mode ", 0
msg_cols:     db " cols ", 0
msg_page:     db " page ", 0
msg_cursor:   db "cursor ", 0
msg_read:     db "read ", 0
msg_string:   db "string cursor ", 0
msg_scrolled: db "scrolled ", 0
msg_bda:      db "bda ", 0
msg_done:     db "done", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
