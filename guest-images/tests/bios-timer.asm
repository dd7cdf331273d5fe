; bios-timer: the 18.2 Hz tick count INT 08h keeps at 0040:006C (read with INT 1Ah AH=00h),
; INT 1Ch called on every tick, INT 15h AH=86h waiting on the timer, and the CMOS clock through
; INT 1Ah AH=02h/04h. Emu's RTC starts at 2000-01-01 00:00:00 (deterministic runs).
;
; expect-output: ticks advance: yes
; expect-output: int 1Ch calls >= 3: yes
; expect-output: wait 110 ms >= 2 ticks: yes
; expect-output: date 20000101
; expect-output: time 0000
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start es
        cli
        mov     word [0x1C * 4], tick_hook
        mov     word [0x1C * 4 + 2], 0
        sti

        mov     ah, 0x00
        int     0x1A
        mov     bx, dx
.wait3:
        hlt
        mov     ah, 0x00
        int     0x1A
        mov     ax, dx
        sub     ax, bx
        cmp     ax, 3
        jb      .wait3
        mov     si, msg_advance
        call    print
        call    yes
        mov     si, msg_hook
        call    print
        cmp     word [hook_count], 3
        call    yes_if_ae

        mov     ah, 0x00
        int     0x1A
        mov     bx, dx
        mov     ah, 0x86
        xor     cx, cx
        mov     dx, 110000 & 0xFFFF
        mov     cx, 110000 >> 16
        int     0x15
        mov     ah, 0x00
        int     0x1A
        sub     dx, bx
        mov     si, msg_wait
        call    print
        cmp     dx, 2
        call    yes_if_ae

        mov     ah, 0x04
        int     0x1A
        print_field16 msg_date, cx      ; century, year (BCD)
        mov     ax, dx                  ; month, day
        call    print_hex16
        call    newline
        mov     ah, 0x02
        int     0x1A
        print_field16 msg_time, cx      ; hours, minutes (BCD)
        call    newline
        test_pass

tick_hook:
        inc     word [cs:hook_count]
        iret

yes_if_ae:
        jae     yes
        mov     si, msg_no
        call    print
        ret
yes:
        mov     si, msg_yes
        call    print
        ret

        emutest_routines

hook_count:   dw 0
msg_advance:  db "ticks advance: ", 0
msg_hook:     db "int 1Ch calls >= 3: ", 0
msg_wait:     db "wait 110 ms >= 2 ticks: ", 0
msg_date:     db "date ", 0
msg_time:     db "time ", 0
msg_yes:      db "yes", 10, 0
msg_no:       db "no", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
