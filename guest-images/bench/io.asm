; Port-I/O exit benchmark for the CPU core (tools/CpuBench). Load at 0000:7C00, run to HLT.
;
; Instruction count, exact:
;   setup           3   (cli, mov al, mov ecx)
;   loop body      10 x 5,000,000 iterations = 50,000,000 (8 OUT 80h,AL + DEC ECX + JNZ)
;   end             2   (cli, hlt)
;   total 50,000,005 instructions retired, of which 40,000,000 are OUTs: one VM exit each.
%include "bench.inc"
ITERATIONS equ 5000000

start:
        cli                         ; 1
        mov al, 0x55                ; 2
        mov ecx, ITERATIONS         ; 3
.loop:
%rep 8
        out 0x80, al                ; 1-8: one IExitHandler.HandleExit call each
%endrep
        dec ecx                     ; 9
        jnz .loop                   ; 10
        BENCH_END
