; dcopy.asm: DCOPY.COM SRC DST, a small DOS program of the kind written for MS-DOS: it copies SRC to
; DST through INT 21h only (3Dh open, 42h seek to learn the size, 3Ch create, 3Fh/40h in odd-sized
; 1000-byte pieces so reads and writes straddle sectors and clusters, 3Eh close, 09h messages,
; 4Ch exit) and checks that it copied as many bytes as the size said. Exit 0, or 1 on an error,
; 2 when the count differs. 8086 code.
        cpu     8086
        org     0x100

PIECE           equ     1000

start:
        cld
        mov     si, 0x81
        call    argument
        jc      usage
        mov     [src], dx
        call    argument
        jc      usage
        mov     [dst], dx

        mov     dx, [src]
        mov     ax, 0x3D00
        int     0x21
        jc      fail
        mov     [in_handle], ax
        mov     bx, ax
        mov     ax, 0x4202                      ; the size: seek to the end...
        xor     cx, cx
        xor     dx, dx
        int     0x21
        jc      fail
        mov     [size], ax
        mov     [size + 2], dx
        mov     ax, 0x4200                      ; ...and back
        xor     cx, cx
        xor     dx, dx
        int     0x21
        jc      fail

        mov     dx, [dst]
        xor     cx, cx
        mov     ah, 0x3C
        int     0x21
        jc      fail
        mov     [out_handle], ax
.piece:
        mov     bx, [in_handle]
        mov     dx, buffer
        mov     cx, PIECE
        mov     ah, 0x3F
        int     0x21
        jc      fail
        test    ax, ax
        jz      .end
        add     [copied], ax
        adc     word [copied + 2], 0
        mov     cx, ax
        mov     bx, [out_handle]
        mov     ah, 0x40
        int     0x21
        jc      fail
        cmp     ax, cx
        jne     fail
        jmp     .piece
.end:
        mov     bx, [out_handle]
        mov     ah, 0x3E
        int     0x21
        jc      fail
        mov     bx, [in_handle]
        mov     ah, 0x3E
        int     0x21
        mov     ax, [copied]
        cmp     ax, [size]
        jne     short_count
        mov     ax, [copied + 2]
        cmp     ax, [size + 2]
        jne     short_count
        mov     dx, msg_done
        mov     ah, 0x09
        int     0x21
        mov     ax, 0x4C00
        int     0x21

short_count:
        mov     dx, msg_count
        mov     ah, 0x09
        int     0x21
        mov     ax, 0x4C02
        int     0x21
usage:
        mov     dx, msg_usage
        jmp     message
fail:
        mov     dx, msg_fail
message:
        mov     ah, 0x09
        int     0x21
        mov     ax, 0x4C01
        int     0x21

; argument: SI in the command tail -> DX = the next word (zero-terminated in place), CF = 1: none
argument:
        lodsb
        cmp     al, ' '
        je      argument
        cmp     al, 13
        je      .none
        lea     dx, [si - 1]
.scan:
        lodsb
        cmp     al, ' '
        ja      .scan
        mov     byte [si - 1], 0
        cmp     al, 13
        jne     .out
        dec     si                              ; stay on the CR
        mov     byte [si], 13
.out:
        clc
        ret
.none:
        stc
        ret

msg_usage       db      "usage: dcopy SRC DST", 13, 10, "$"
msg_fail        db      "dcopy: failed", 13, 10, "$"
msg_count       db      "dcopy: the byte count differs from the size", 13, 10, "$"
msg_done        db      "dcopy: done", 13, 10, "$"
src             dw      0
dst             dw      0
in_handle       dw      0
out_handle      dw      0
size            dd      0
copied          dd      0
buffer:
