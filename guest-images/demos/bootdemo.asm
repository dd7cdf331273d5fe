; bootdemo: a boot sector written for a PC BIOS, as people write them. Uses INT 10h (mode set,
; coloured string, teletype), INT 1Ah (the CMOS date and time) and INT 16h (reads a line of
; keyboard input), then halts. Boot it and look at the screen:
;   emu boot guest-images/demos/bootdemo.bin --screen --keys 'Emu\n'
; On QEMU: qemu-system-i386 -drive format=raw,file=bootdemo.bin
;
; emu-verb: boot
; emu-options: --keys Ada\n
; expect-screen: Emu boot demo: INT 10h, 16h and 1Ah from the BIOS
; expect-screen: Date 2000-01-01, time 00:00
; expect-screen: Your name? Ada
; expect-screen: Hello, Ada!
; expect-exit: 0

        cpu     8086
%include "boot.inc"

start:
        boot_segments ds, es, ss
        cld
        sti

        mov     ax, 0x0003              ; 80x25 colour text, cleared
        int     0x10
        mov     ax, 0x1301              ; title in yellow on blue at row 0, cursor after it
        mov     bx, 0x001E
        mov     cx, title_end - title
        xor     dx, dx
        mov     bp, title
        int     0x10
        mov     si, crlf2
        call    puts

        mov     ah, 0x04                ; date: CH century, CL year, DH month, DL day (BCD)
        int     0x1A
        mov     si, msg_date
        call    puts
        mov     al, ch
        call    put_bcd
        mov     al, cl
        call    put_bcd
        mov     al, '-'
        call    putc
        mov     al, dh
        call    put_bcd
        mov     al, '-'
        call    putc
        mov     al, dl
        call    put_bcd
        mov     ah, 0x02                ; time: CH hours, CL minutes (BCD)
        int     0x1A
        mov     si, msg_time
        call    puts
        mov     al, ch
        call    put_bcd
        mov     al, ':'
        call    putc
        mov     al, cl
        call    put_bcd
        mov     si, crlf2
        call    puts

        mov     si, msg_ask
        call    puts
        mov     di, name
.key:
        mov     ah, 0x00                ; wait for a key
        int     0x16
        cmp     al, 13
        je      .entered
        cmp     al, 8
        je      .backspace
        cmp     di, name + 30
        jae     .key
        stosb
        call    putc                    ; echo
        jmp     .key
.backspace:
        cmp     di, name
        je      .key
        dec     di
        mov     si, rubout
        call    puts
        jmp     .key
.entered:
        mov     byte [di], 0
        mov     si, crlf2
        call    puts
        mov     si, msg_hello
        call    puts
        mov     si, name
        call    puts
        mov     si, msg_bang
        call    puts
        cli
.halt:
        hlt
        jmp     .halt

; puts: the zero-terminated string at DS:SI by teletype.
puts:
        lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     puts
.done:
        ret

putc:
        push    ax
        push    bx
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        pop     bx
        pop     ax
        ret

; put_bcd: AL as two decimal digits.
put_bcd:
        push    ax
        push    cx
        mov     ah, al
        mov     cl, 4
        shr     al, cl
        add     al, '0'
        call    putc
        mov     al, ah
        and     al, 0x0F
        add     al, '0'
        call    putc
        pop     cx
        pop     ax
        ret

title:      db "Emu boot demo: INT 10h, 16h and 1Ah from the BIOS"
title_end:
crlf2:      db 13, 10, 13, 10, 0
msg_date:   db "Date ", 0
msg_time:   db ", time ", 0
msg_ask:    db "Your name? ", 0
msg_hello:  db "Hello, ", 0
msg_bang:   db "!", 13, 10, 0
rubout:     db 8, ' ', 8, 0
name:       times 31 db 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
