; ALU benchmark for the CPU core (tools/CpuBench). Load at 0000:7C00, run to HLT.
;
; Instruction count, exact:
;   setup           8   (numbered 1-8 below: segment, stack, counter and data set-up)
;   loop body      11 x 20,000,000 iterations = 220,000,000
;   end             2   (cli, hlt: HLT retires, then Run stops with Halt)
;   total 220,000,010 instructions retired.
;
; The data word lives at 0000:9000 and the stack at 8000:FFFE..FFFF (physical 0x8FFFE), both in
; pages apart from the code (page 0x7000), so no store touches a page holding cached code.
%include "bench.inc"
%include "alu-mix.inc"
ITERATIONS equ 20000000
DATA       equ 0x9000

start:
        BENCH_START                 ; 1-3
        BENCH_STACK                 ; 4-5
        xor sp, sp                  ; 6  (first push goes to 8000:FFFE)
        mov ecx, ITERATIONS         ; 7
        mov word [DATA], 1          ; 8
        ALU_MIX_LOOP                ; 11 instructions per iteration (alu-mix.inc)
        BENCH_END
