; platform: a bare-metal tour of the PC devices, no BIOS needed. Programs the 8259 pair like a
; BIOS does (vectors 08h/70h), sets the 8254's channel 0 to interrupt 100 times a second, counts
; five timer interrupts while halted, reports on the debug console (0xE9) and on COM1 (a 16550 at
; 0x3F8, polled), then leaves through isa-debug-exit with value 0x10 (exit status 0x21 = 33).
; Runs the same on QEMU: qemu-system-i386 -display none -debugcon stdio -serial file:com1.txt
;   -device isa-debug-exit,iobase=0xf4,iosize=0x04 -drive format=raw,file=platform.bin
;
; expect-output: platform: PIC and PIT programmed
; expect-output: tick 1
; expect-output: tick 2
; expect-output: tick 3
; expect-output: tick 4
; expect-output: tick 5
; expect-output: platform: done
; expect-exit: 33

        cpu     8086
%include "boot.inc"

%include "pic.inc"

PIT_HZ          equ     1193182
TICKS_WANTED    equ     5

start:
        cli
        boot_segments ds, es, ss
        cld

        ; IVT entry 08h (IRQ 0 after the remap below) -> timer_isr
        mov     word [0x08 * 4], timer_isr
        mov     word [0x08 * 4 + 2], 0

        ; 8259 pair: ICW1 edge/cascade/ICW4, ICW2 bases 08h and 70h, ICW3 cascade on IR2, ICW4 8086 mode
        pic_init_pc
        pic_masks 0xFE, 0xFF            ; unmask IRQ 0 only

        ; 8254 channel 0, lobyte/hibyte, mode 2 (rate generator), 100 Hz
        mov     al, 0x34
        out     0x43, al
        mov     ax, PIT_HZ / 100
        out     0x40, al
        mov     al, ah
        out     0x40, al

        ; COM1: 115200 8N1 (divisor 1), FIFOs on
        mov     dx, 0x3FB
        mov     al, 0x80
        out     dx, al
        mov     dx, 0x3F8
        mov     al, 1
        out     dx, al
        inc     dx
        xor     al, al
        out     dx, al
        mov     dx, 0x3FB
        mov     al, 0x03
        out     dx, al
        mov     dx, 0x3FA
        mov     al, 0x07
        out     dx, al

        mov     si, msg_ready
        call    print

        sti
.wait:
        hlt                             ; sleep until the next timer interrupt
        mov     al, [ticks]
        cmp     al, [reported]
        je      .wait
        mov     [reported], al
        mov     si, msg_tick
        call    print
        mov     al, [reported]
        add     al, '0'
        call    putc
        mov     al, 10
        call    putc
        cmp     byte [reported], TICKS_WANTED
        jb      .wait

        cli
        mov     si, msg_done
        call    print
        mov     al, 0x10
        out     0xF4, al                ; isa-debug-exit: status (0x10 << 1) | 1
        hlt

timer_isr:
        push    ax
        inc     byte [cs:ticks]
        mov     al, 0x20                ; non-specific EOI
        out     0x20, al
        pop     ax
        iret

; print: the zero-terminated string at DS:SI
print:
        lodsb
        test    al, al
        jz      .done
        call    putc
        jmp     print
.done:
        ret

; putc: AL to the debug console and to COM1 (waiting for the transmitter holding register)
putc:
        push    dx
        push    ax
        out     0xE9, al
        mov     dx, 0x3FD
.busy:
        in      al, dx
        test    al, 0x20
        jz      .busy
        pop     ax
        mov     dx, 0x3F8
        out     dx, al
        pop     dx
        ret

ticks:          db      0
reported:       db      0
msg_ready:      db      "platform: PIC and PIT programmed", 10, 0
msg_tick:       db      "tick ", 0
msg_done:       db      "platform: done", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
