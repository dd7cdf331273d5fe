; The ALU loop of alu.asm with interrupts on and the PIT interrupting at 1 kHz, as a guest with a
; timer tick runs. Load at 0000:7C00, run to HLT. The guest sets the machine up itself (8259 at
; vector 08h with only IRQ 0 open, PIT channel 0 in mode 2 with divisor 1193), so it runs the same
; with or without the firmware. Stack at 8000:FFFE, data word 0000:9000, tick count 0000:9002.
;
; Instruction count, exact at Emu's default 100 ns of virtual time per instruction:
;   setup           28
;   loop body       11 x 10,000,000 iterations = 110,000,000
;   timer ticks     11,009 x 6 (the IRQ 0 handler) = 66,054
;   end              2   (cli, hlt)
;   total 110,066,084 instructions retired (the firmware's POST, when it runs first, adds its own).
%include "bench.inc"
%include "alu-mix.inc"
ITERATIONS equ 10000000
DATA       equ 0x9000
TICKS      equ 0x9002
DIVISOR    equ 1193                 ; 1,193,182 Hz / 1193 = 1000.15 Hz

start:
        BENCH_START                 ; 1-3
        mov word [8 * 4], irq0      ; 4
        mov [8 * 4 + 2], ax         ; 5
        mov [TICKS], ax             ; 6
        mov al, 0x11                ; 7  ICW1: edge triggered, cascade, ICW4 follows
        out 0x20, al                ; 8
        mov al, 0x08                ; 9  ICW2: IRQ 0-7 at vectors 08h-0Fh
        out 0x21, al                ; 10
        mov al, 0x04                ; 11 ICW3: the slave on IRQ 2
        out 0x21, al                ; 12
        mov al, 0x01                ; 13 ICW4: 8086 mode
        out 0x21, al                ; 14
        mov al, 0xFE                ; 15 only IRQ 0 open
        out 0x21, al                ; 16
        mov al, 0x34                ; 17 PIT channel 0: low then high byte, mode 2
        out 0x43, al                ; 18
        mov al, DIVISOR & 0xFF      ; 19
        out 0x40, al                ; 20
        mov al, DIVISOR >> 8        ; 21
        out 0x40, al                ; 22
        BENCH_STACK                 ; 23-24
        xor sp, sp                  ; 25
        mov ecx, ITERATIONS         ; 26
        mov word [DATA], 1          ; 27
        sti                         ; 28
        ALU_MIX_LOOP                ; 11 instructions per iteration (alu-mix.inc)
        BENCH_END

irq0:
        push ax                     ; 1
        inc word [TICKS]            ; 2
        mov al, 0x20                ; 3  EOI
        out 0x20, al                ; 4
        pop ax                      ; 5
        iret                        ; 6
