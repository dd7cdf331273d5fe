; ALU benchmark, same-page variant of alu.asm (tools/CpuBench). Load at 0000:7C00, run to HLT.
;
; Instruction count, exact:
;   setup           8   (numbered 1-8 below: segment, stack, counter and data set-up)
;   loop body      11 x 20,000,000 iterations = 220,000,000
;   end             2   (cli, hlt: HLT retires, then Run stops with Halt)
;   total 220,000,010 instructions retired.
;
; The data word (0000:7F00) and the stack (0000:7F80 downwards) share the code's own 4 KiB page
; (0x7000-0x7FFF) without overlapping code bytes: every store lands in a page that holds
; cached code, which is what the decode cache's byte-granular write detection must keep cheap.
%include "bench.inc"
%include "alu-mix.inc"
ITERATIONS equ 20000000
DATA       equ 0x7F00

start:
        BENCH_START                 ; 1-3
        mov ax, 0                   ; 4
        mov ss, ax                  ; 5
        mov sp, 0x7F80              ; 6  (stack below the data word, above the code)
        mov ecx, ITERATIONS         ; 7
        mov word [DATA], 1          ; 8
        ALU_MIX_LOOP                ; 11 instructions per iteration (alu-mix.inc)
        BENCH_END
