; hello: the smallest Emu guest. Prints a greeting on the debug console (port 0xE9, as QEMU's
; -debugcon and Bochs' port E9 hack have it), then halts with interrupts off, which ends the run
; with exit status 0. It is also a valid boot sector, so the same bytes boot on QEMU:
;   qemu-system-i386 -display none -debugcon stdio -drive format=raw,file=hello.bin
;
; expect-output: Hello from Emu!
; expect-exit: 0

        cpu     8086
        org     0x7C00

start:
        cli
        cld
        xor     ax, ax
        mov     ds, ax
        mov     si, message
        mov     dx, 0xE9
.next:
        lodsb
        test    al, al
        jz      .done
        out     dx, al
        jmp     .next
.done:
        hlt
        jmp     .done           ; an NMI would resume here: halt again

message:
        db      "Hello from Emu!", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
