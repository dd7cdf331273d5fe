; timer-reprogram: a timer the guest reprograms takes effect at once, not at the deadline the run
; loop saw before. Each part counts loop iterations (3 instructions each) from the reprogramming
; to the first interrupt, and says whether it came within the new period:
;   1. PIT channel 0, mode 2, divisor 3 (2.5 us: 25 instructions at 100 ns), interrupts on;
;   2. the same right after a HLT ended by the slow (18.2 Hz) tick;
;   3. the RTC's periodic interrupt at 8192 Hz (122 us: 1,221 instructions), enabled in register B.
; Loop counts saturate at FFFFh (a tick ~200,000 instructions late). Runs bare or after the BIOS
; (it sets up the 8259s and its own vectors either way).
;
; expect-output: pit mode 2 divisor 3: prompt
; expect-output: pit after hlt: prompt
; expect-output: rtc periodic: prompt
; expect-exit: 1

        cpu     8086
%include "emutest.inc"
%include "pic.inc"


PIT_PROMPT      equ     16              ; loops: 48 instructions, two periods of divisor 3
RTC_PROMPT      equ     450             ; loops: 1,350 instructions, a bit over one 8192 Hz period

start:
        cli
        test_start ss
        mov     word [0x08 * 4], pit_isr
        mov     word [0x08 * 4 + 2], 0
        mov     word [0x70 * 4], rtc_isr
        mov     word [0x70 * 4 + 2], 0
        ; 8259s: bases 08h and 70h, cascade on IR2; only IRQ 0 open for now.
        pic_init_pc
        pic_masks 0xFE, 0xFF
        ; The slow tick (divisor 65536, 55 ms): the run loop's next deadline is far away.
        call    pit_slow
        sti

        ; 1. Reprogrammed with interrupts on.
        mov     byte [ticks], 0
        xor     cx, cx
        call    pit_fast
        call    count_until_tick
        mov     si, msg_pit
        mov     bx, PIT_PROMPT
        call    verdict

        ; 2. After a HLT: the tick that ends it starts a slice sized to the next slow tick.
        cli
        call    pit_slow
        sti
        hlt
        mov     byte [ticks], 0
        xor     cx, cx
        call    pit_fast
        call    count_until_tick
        mov     si, msg_hlt
        mov     bx, PIT_PROMPT
        call    verdict

        ; 3. The RTC's periodic interrupt, the PIT slow again (and masked).
        cli
        call    pit_slow
        mov     al, 0xFB                ; master: only the cascade
        out     0x21, al
        mov     al, 0xFE                ; slave: IRQ 8
        out     0xA1, al
        mov     al, 0x0A
        out     0x70, al
        mov     al, 0x23                ; 32.768 kHz base, rate 3: 8192 Hz
        out     0x71, al
        mov     al, 0x0C
        out     0x70, al
        in      al, 0x71                ; nothing pending
        sti
        mov     byte [ticks], 0
        xor     cx, cx
        mov     al, 0x0B
        out     0x70, al
        mov     al, 0x42                ; periodic interrupt on, 24-hour
        out     0x71, al
        call    count_until_tick
        cli
        mov     al, 0x0B
        out     0x70, al
        mov     al, 0x02                ; periodic interrupt off
        out     0x71, al
        mov     si, msg_rtc
        mov     bx, RTC_PROMPT
        call    verdict
        test_pass

; count_until_tick: CX = loops until an interrupt handler set [ticks] (saturates at FFFFh).
count_until_tick:
.wait:
        cmp     byte [ticks], 0
        jne     .done
        inc     cx
        jnz     .wait
        dec     cx
.late:
        cmp     byte [ticks], 0
        je      .late
.done:
        ret

; verdict: SI = what was measured, CX = loops, BX = the most a prompt interrupt allows.
verdict:
        call    print
        cmp     cx, bx
        ja      .late
        mov     si, msg_prompt
        jmp     print
.late:
        print_field16 msg_late, cx
        mov     si, msg_loops
        jmp     print

pit_slow:                               ; channel 0, lobyte/hibyte, mode 2, divisor 0 (65536)
        mov     al, 0x34
        out     0x43, al
        xor     al, al
        out     0x40, al
        out     0x40, al
        ret

pit_fast:                               ; channel 0, lobyte/hibyte, mode 2, divisor 3
        mov     al, 0x34
        out     0x43, al
        mov     al, 3
        out     0x40, al
        xor     al, al
        out     0x40, al
        ret

pit_isr:
        push    ax
        inc     byte [cs:ticks]
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

rtc_isr:
        push    ax
        mov     al, 0x0C
        out     0x70, al
        in      al, 0x71                ; read C: the next periodic interrupt can come
        inc     byte [cs:ticks]
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

        emutest_routines

ticks:        db 0
msg_pit:      db "pit mode 2 divisor 3: ", 0
msg_hlt:      db "pit after hlt: ", 0
msg_rtc:      db "rtc periodic: ", 0
msg_prompt:   db "prompt", 10, 0
msg_late:     db "late, after ", 0
msg_loops:    db "h loops", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
