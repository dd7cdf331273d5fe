; INT/IRET benchmark: software interrupts into handlers that save and restore what they use.
; Load at 0000:7C00, run to HLT. The handlers are installed at vectors 60h and 61h; stack at
; 8000:FFFE, the handler's data word at 0000:9000.
;
; Instruction count, exact:
;   setup           11
;   loop body       12 x 10,000,000 iterations = 120,000,000 (numbered below in execution order)
;   end              2   (cli, hlt)
;   total 120,000,013 instructions retired.
%include "bench.inc"
ITERATIONS equ 10000000
DATA       equ 0x9000

start:
        BENCH_START                 ; 1-3
        mov word [0x60 * 4], handler60 ; 4
        mov [0x60 * 4 + 2], ax      ; 5
        mov word [0x61 * 4], handler61 ; 6
        mov [0x61 * 4 + 2], ax      ; 7
        BENCH_STACK                 ; 8-9
        xor sp, sp                  ; 10
        mov ecx, ITERATIONS         ; 11
.loop:
        int 0x60                    ; 1
        int 0x61                    ; 8
        dec ecx                     ; 11
        jnz .loop                   ; 12
        BENCH_END

handler60:
        push ax                     ; 2
        mov ax, [DATA]              ; 3
        inc ax                      ; 4
        mov [DATA], ax              ; 5
        pop ax                      ; 6
        iret                        ; 7

handler61:
        inc bx                      ; 9
        iret                        ; 10
