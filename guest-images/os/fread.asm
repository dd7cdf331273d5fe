; fread.asm: FREAD.COM PATH, the seed's workload as an application:
;   fread(fd, 100 x 512, buf); copy(buf, dest)
; It opens PATH, reads 100 x 512 bytes into buf with ONE read system call (INT 21h 3Fh), copies
; buf to dest, and prints the CRC-32 (zlib's) of dest, the bytes read and PATH:
;   CCCCCCCC N PATH
; Exit code 0, or 1 when PATH cannot be opened or read. A DOS .COM program, 8086 code.
        cpu     8086
        org     0x100

READ_SIZE       equ     100 * 512
BUF_PARAS       equ     0x1000                  ; buf at CS + 1000h:0, dest at CS + 2000h:0

start:
        cld
        mov     si, 0x81
.skip:
        lodsb
        cmp     al, ' '
        je      .skip
        dec     si
        mov     [path], si
.scan:
        lodsb
        cmp     al, ' '
        ja      .scan
        mov     byte [si - 1], 0
        mov     si, [path]
        cmp     byte [si], 0
        je      usage

        mov     dx, si
        mov     ax, 0x3D00                      ; open for reading
        int     0x21
        jc      fail
        mov     bx, ax
        push    ds
        mov     ax, cs
        add     ax, BUF_PARAS
        mov     ds, ax
        xor     dx, dx
        mov     cx, READ_SIZE
        mov     ah, 0x3F                        ; the one read
        int     0x21
        pop     ds
        jc      fail
        mov     [got], ax
        mov     ah, 0x3E
        int     0x21

        ; copy(buf, dest)
        push    ds
        push    es
        mov     ax, cs
        add     ax, BUF_PARAS
        mov     ds, ax
        add     ax, BUF_PARAS
        mov     es, ax
        xor     si, si
        xor     di, di
        mov     cx, [cs:got]
        shr     cx, 1
        rep     movsw
        adc     cx, cx
        rep     movsb
        pop     es
        pop     ds

        ; the CRC-32 of dest
        call    crc32_init
        mov     dx, 0xFFFF
        mov     bx, 0xFFFF
        mov     cx, [got]
        push    ds
        mov     ax, cs
        add     ax, 2 * BUF_PARAS
        mov     ds, ax
        xor     si, si
        call    crc32_update
        pop     ds
        mov     ax, bx
        not     ax
        not     dx
        call    con_hex32
        mov     al, ' '
        call    con_putc
        mov     ax, [got]
        xor     dx, dx
        call    con_dec32
        mov     al, ' '
        call    con_putc
        mov     si, [path]
.path:
        lodsb
        test    al, al
        jz      .done
        call    con_putc
        jmp     .path
.done:
        mov     dx, crlf
        mov     ah, 0x09
        int     0x21
        mov     ax, 0x4C00
        int     0x21

usage:
        mov     dx, msg_usage
        jmp     fail_message
fail:
        mov     dx, msg_fail
fail_message:
        mov     ah, 0x09
        int     0x21
        mov     ax, 0x4C01
        int     0x21

; con_putc: AL through DOS (function 02h)
con_putc:
        push    ax
        push    dx
        mov     dl, al
        mov     ah, 0x02
        int     0x21
        pop     dx
        pop     ax
        ret

%include "numbers.inc"
%include "crc32.inc"

msg_usage       db      "usage: fread PATH", 13, 10, "$"
msg_fail        db      "fread: cannot read the file", 13, 10, "$"
crlf            db      13, 10, "$"
path            dw      0
got             dw      0
crc_table:                                      ; 1 KiB past the end of the program
