; Dispatch benchmark: an INT handler that dispatches on AH to one of three services (each call takes a different
; way through its compares and branches), and a loop whose body is an if/else on the count's low bit.
; Load at 0000:7C00, run to HLT. The handler is installed at vector 41h; stack at 8000:FFFE, the services' data
; words at 0000:9000.
;
; Instruction count, exact:
;   setup           10
;   loop body       28 x 2,000,000 iterations with CL odd  =  56,000,000 (numbered below in execution order)
;                   27 x 2,000,000 iterations with CL even =  54,000,000 (no JMP over the else)
;   end              2   (cli, hlt)
;   total 110,000,012 instructions retired.
%include "bench.inc"
ITERATIONS equ 4000000
DATA       equ 0x9000

start:
        BENCH_START                 ; 1-3
        mov word [0x41 * 4], service ; 4
        mov [0x41 * 4 + 2], ax      ; 5
        BENCH_STACK                 ; 6-7
        xor sp, sp                  ; 8
        xor bx, bx                  ; 9
        mov ecx, ITERATIONS         ; 10
.loop:
        mov ah, 0                   ; 1
        int 0x41                    ; 2: service 0, 3-6
        mov ah, 1                   ; 7
        int 0x41                    ; 8: service 1, 9-14
        mov ah, 2                   ; 15
        int 0x41                    ; 16: service 2, 17-22
        test cl, 1                  ; 23
        jz .even                    ; 24
        add bx, 3                   ; 25 (CL odd)
        jmp .join                   ; 26
.even:
        sub bx, 1                   ; 25 (CL even)
.join:
        dec ecx                     ; 27 (odd), 26 (even)
        jnz .loop                   ; 28 (odd), 27 (even)
        BENCH_END

service:
        cmp ah, 0                   ; 3 / 9 / 17
        jne .not0                   ; 4 / 10 / 18
        inc word [DATA]             ; 5
        iret                        ; 6
.not0:
        cmp ah, 1                   ; 11 / 19
        jne .not1                   ; 12 / 20
        add [DATA + 2], bx          ; 13
        iret                        ; 14
.not1:
        xor [DATA + 4], bx          ; 21
        iret                        ; 22
