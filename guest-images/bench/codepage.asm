; A loop whose data and stack share the code's page, as in a small .COM program (CS = DS = SS): a load and a
; store through BX, INC of a memory word, XOR with memory, PUSH/POP, CMP, and LOOP over a 16-bit count of
; 65,536 inside a DEC/JNZ outer loop. Every store lands in the page that holds the running code (not on its
; bytes). Load at 0000:7C00 (= 07B0:0100), run to HLT.
;
; Instruction count, exact:
;   setup            7   (numbered below)
;   outer pass       2 + 65,536 x 9 (inner loop, numbered below) + 2 = 589,828
;                    x 300 passes = 176,948,400
;   end              2   (cli, hlt)
;   total 176,948,409 instructions retired.
%define BENCH_ORIGIN 0x100             ; a .COM program: its code runs at 07B0:0100
%include "bench.inc"
OUTER      equ 300

start:
        BENCH_COM_START ds, ss        ; 1-6
        mov dx, OUTER                 ; 7
.outer:
        mov cx, 0                     ; outer 1  (LOOP counts 65,536 times)
        mov bx, vars                  ; outer 2
.inner:
        mov ax, [bx]                  ; 1
        add ax, cx                    ; 2
        mov [bx+2], ax                ; 3  store into the code page
        inc word [bx+4]               ; 4  INC [m]
        xor ax, [bx+2]                ; 5
        push ax                       ; 6  the stack in the code page
        pop si                        ; 7
        cmp si, cx                    ; 8
        loop .inner                   ; 9
        dec dx                        ; outer 3
        jnz .outer                    ; outer 4
        BENCH_END
vars:   dw 1, 2, 3, 4
        times 64 db 0
stack_top:
