; Far and indirect CALL/JMP benchmark: far calls direct and through a pointer table (one of them naming the same
; code under a second CS, 07B0h), RETF and RETF 2, near calls through a register and a memory word, and a far JMP
; through a pointer into the other CS and back, as compiled real-mode code (overlays, thunks, vtables) makes them.
; Load at 0000:7C00, run to HLT. Stack at 8000:FFFE.
;
; Instruction count, exact:
;   setup            6
;   loop body       23 x 6,000,000 iterations = 138,000,000 (numbered below in execution order)
;   end              2   (cli, hlt)
;   total 138,000,008 instructions retired.
%include "bench.inc"
ITERATIONS equ 6000000
OTHER_CS equ 0x07B0                 ; 07B0:xxxx is 0000:7B00+xxxx: the same bytes under another CS

start:
        BENCH_START                 ; 1-3
        BENCH_STACK                 ; 4-5
        mov ecx, ITERATIONS         ; 6  (SP is 0: the first push goes to 8000:FFFE)
.loop:
        call 0:far_a                ; 1
        push cx                     ; 4
        call far [far_table]        ; 5  07B0:far_b
        push cx                     ; 8
        call far [far_table + 4]    ; 9  0000:far_b
        mov di, near_c              ; 12
        call di                     ; 13
        call [near_pointer]         ; 16
        jmp far [to_other_cs]       ; 19 07B0:.there
.there:
        jmp far [to_this_cs]        ; 20 0000:.back
.back:
        inc bx                      ; 21
        dec ecx                     ; 22
        jnz .loop                   ; 23
        BENCH_END

far_a:
        add dx, cx                  ; 2
        retf                        ; 3

far_b:
        xor ax, dx                  ; 6 / 10
        retf 2                      ; 7 / 11: drops the pushed CX

near_c:
        inc bp                      ; 14 / 17
        ret                         ; 15 / 18

        align 4
far_table:      dw far_b - OTHER_CS * 16, OTHER_CS, far_b, 0
to_other_cs:    dw start.there - OTHER_CS * 16, OTHER_CS
to_this_cs:     dw start.back, 0
near_pointer:   dw near_c
