; bios-disk-floppy: a 160K floppy image (40 cylinders, 1 head, 8 sectors) that boots from drive
; 00h, loads the rest of itself (sectors 2-3) with INT 13h and exercises INT 13h on itself: AH=08h geometry and the INT 1Eh table, AH=02h reads (one
; sector, and two that cross into the next track), AH=03h write and read back, AH=04h verify,
; errors (sector 9 does not exist: CF set, AH=01h, AH=01h returns it, 0040:0041 holds it), AH=15h.
; `emu test` boots it from a scratch copy, so the write never reaches the committed image.
;
; expect-output: boot drive 00
; expect-output: params AX=0000 BL=01 CX=2708 DX=0001
; expect-output: int1E sectors 12
; expect-output: read 4: S4
; expect-output: read 8+9: S8 S9
; expect-output: write 5: ok
; expect-output: reread 5: W5
; expect-output: verify: AX=0001
; expect-output: bad sector: CF AH=01 last=01 bda=01
; expect-output: type AH=01
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start_loading 2            ; sectors 2-3: the rest of this program

BUF     equ     0x1000

main:
        mov     [drive], dl
        print_field8 msg_boot, dl
        call    newline

        mov     ah, 0x08
        mov     dl, [drive]
        int     0x13
        push    es
        push    di
        print_field16 msg_params, ax
        print_field8 msg_bl, bl
        print_field16 msg_cx, cx
        print_field16 msg_dx, dx
        call    newline
        pop     di
        pop     es
        print_field8 msg_int1e, [es:di + 4] ; sectors per track in the table
        call    newline
        xor     ax, ax
        mov     es, ax

        mov     si, msg_read4
        call    print
        mov     cx, 0x0004              ; cylinder 0, sector 4
        mov     al, 1
        call    read
        call    print_tag
        call    newline

        mov     si, msg_read89
        call    print
        mov     cx, 0x0008              ; sector 8 of cylinder 0, then sector 1 of cylinder 1
        mov     al, 2
        call    read
        call    print_tag
        mov     al, ' '
        call    putc
        push    word [BUF + 512]
        pop     word [BUF]
        call    print_tag
        call    newline

        mov     word [BUF], 'W5'
        mov     ax, 0x0301
        mov     cx, 0x0005
        mov     dh, 0
        mov     dl, [drive]
        mov     bx, BUF
        int     0x13
        mov     si, msg_write
        call    print
        mov     si, msg_ok
        jnc     .wrote
        mov     si, msg_err
.wrote:
        call    print
        mov     word [BUF], 0
        mov     si, msg_reread
        call    print
        mov     cx, 0x0005
        mov     al, 1
        call    read
        call    print_tag
        call    newline

        mov     ax, 0x0401
        mov     cx, 0x0004
        mov     dh, 0
        mov     dl, [drive]
        int     0x13
        print_field16 msg_verify, ax
        call    newline

        mov     ax, 0x0201              ; sector 9 on an 8-sector track
        mov     cx, 0x0009
        mov     dh, 0
        mov     dl, [drive]
        mov     bx, BUF
        int     0x13
        print_bios_result msg_bad, msg_ah
        mov     ah, 0x01
        mov     dl, [drive]
        int     0x13
        print_field8 msg_last, ah
        mov     si, msg_bda
        call    print
        push    ds
        mov     ax, 0x40
        mov     ds, ax
        mov     al, [0x41]
        pop     ds
        call    print_hex8
        call    newline

        mov     ah, 0x15
        mov     dl, [drive]
        int     0x13
        print_field8 msg_type, ah
        call    newline
        test_pass

; read: AL sectors from CX (CHS), head 0, to BUF; fails the test on an error.
read:
        mov     ah, 0x02
        mov     dh, 0
        mov     dl, [drive]
        mov     bx, BUF
        int     0x13
        jc      .error
        ret
.error:
        test_fail_with msg_err

; print_tag: the two characters at BUF.
print_tag:
        mov     al, [BUF]
        call    putc
        mov     al, [BUF + 1]
        call    putc
        ret

        emutest_routines

drive:      db 0
msg_boot:   db "boot drive ", 0
msg_params: db "params AX=", 0
msg_bl:     db " BL=", 0
msg_cx:     db " CX=", 0
msg_dx:     db " DX=", 0
msg_int1e:  db "int1E sectors ", 0
msg_read4:  db "read 4: ", 0
msg_read89: db "read 8+9: ", 0
msg_write:  db "write 5: ", 0
msg_ok:     db "ok", 10, 0
msg_err:    db "error", 10, 0
msg_reread: db "reread 5: ", 0
msg_verify: db "verify: AX=", 0
msg_bad:    db "bad sector: ", 0
msg_ah:     db " AH=", 0
msg_last:   db " last=", 0
msg_bda:    db " bda=", 0
msg_type:   db "type AH=", 0

        times   3 * 512 - ($ - $$) db 0

; sectors 4..9 (LBA 3..8; sector "9" is sector 1 of cylinder 1) carry a tag "Sn" at their start
%assign n 4
%rep 6
        db      'S', '0' + n
        times   510 db 0
%assign n n + 1
%endrep
        times   163840 - ($ - $$) db 0
