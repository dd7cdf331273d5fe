; wait-for-key: a program that waits, as most do: it asks for a key, waits 20 s with INT 15h AH=86h,
; reads the key with INT 16h AH=00h, then asks for another and waits for it. The BIOS halts in both
; waits (STI; HLT until the timer or the keyboard interrupts), so an idle run costs the host nothing:
; emu sleeps in real time once the guest has read the keys it was given, and skips the waits while
; a scripted key is still on its way (so this run is quick). With one key it waits for ever after
; "press another key" (until --timeout or Ctrl-C).
;
; emu-options: --keys ab
; expect-output: press a key
; expect-output: key 1E61
; expect-output: press another key
; expect-output: key 3062
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

WAIT_US         equ     20_000_000      ; 20 s

start:
        test_start
        sti
        mov     si, msg_press
        call    print
        mov     ah, 0x86
        mov     cx, WAIT_US >> 16
        mov     dx, WAIT_US & 0xFFFF
        int     0x15
        call    get_key
        mov     si, msg_another
        call    print
        call    get_key
        test_pass

get_key:
        read_key msg_key
        jmp     newline

        emutest_routines

msg_press:    db "press a key", 10, 0
msg_another:  db "press another key", 10, 0
msg_key:      db "key ", 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
