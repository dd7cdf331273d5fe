; CALL/RET benchmark: near and far calls, nested, as compiled real-mode code makes them.
; Load at 0000:7C00, run to HLT. Stack at 8000:FFFE.
;
; Instruction count, exact:
;   setup            6
;   loop body       14 x 10,000,000 iterations = 140,000,000 (numbered below in execution order)
;   end              2   (cli, hlt)
;   total 140,000,008 instructions retired.
%include "bench.inc"
ITERATIONS equ 10000000

start:
        BENCH_START                 ; 1-3
        BENCH_STACK                 ; 4-5
        mov ecx, ITERATIONS         ; 6  (SP is 0: the first push goes to 8000:FFFE)
.loop:
        call near_outer             ; 1
        call 0:far_proc             ; 7
        dec ecx                     ; 13
        jnz .loop                   ; 14
        BENCH_END

near_outer:
        call near_inner             ; 2
        add ax, 1                   ; 5
        ret                         ; 6

near_inner:
        inc bx                      ; 3 / 9
        ret                         ; 4 / 10

far_proc:
        call near_inner             ; 8
        inc dx                      ; 11
        retf                        ; 12
