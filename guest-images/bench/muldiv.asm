; MUL/DIV benchmark: the kernel of a bignum (or pi spigot) program. Load at 0000:7C00, run to HLT.
; A 512-word number at 1000:0000 is multiplied by a small factor k (MUL, the carry chained through
; ADC) and divided by k again from its top word down (DIV, the remainder chained through DX), so it
; comes back unchanged and never overflows; k changes every round.
;
; Instruction count, exact:
;   setup            8 + 510 x 5 (fill) + 1 = 2,559
;   round            8 + 512 x 9 (multiply pass) + 512 x 6 (divide pass) = 7,688 x 10,000 rounds
;                  = 76,880,000
;   end              2   (cli, hlt)
;   total 76,882,561 instructions retired.
%include "bench.inc"
WORDS  equ 512
ROUNDS equ 10000

start:
        cli                         ; 1
        mov ax, 0x1000              ; 2
        mov ds, ax                  ; 3
        xor si, si                  ; 4
        mov cx, WORDS - 2           ; 5  the top two words stay 0: room for the carry
        mov ax, 0x9E37              ; 6
        mov bp, ROUNDS              ; 7
        mov word [WORDS * 2 - 2], 0 ; 8
.fill:
        mov [si], ax                ; 1
        add ax, 0x7F4B              ; 2
        add si, 2                   ; 3
        dec cx                      ; 4
        jnz .fill                   ; 5
        mov word [si], 0            ;    the 511th word
.round:
        lea bx, [bp + 3]            ; 1  k = rounds left + 3
        xor si, si                  ; 2
        xor di, di                  ; 3  carry word
        mov cx, WORDS               ; 4
.mul:
        mov ax, [si]                ; 1
        mul bx                      ; 2  DX:AX = word x k
        add ax, di                  ; 3
        adc dx, 0                   ; 4
        mov [si], ax                ; 5
        mov di, dx                  ; 6
        add si, 2                   ; 7
        dec cx                      ; 8
        jnz .mul                    ; 9
        mov cx, WORDS               ; 5
        xor dx, dx                  ; 6  remainder
.div:
        sub si, 2                   ; 1
        mov ax, [si]                ; 2
        div bx                      ; 3  AX = (remainder:word) / k, DX = the new remainder
        mov [si], ax                ; 4
        dec cx                      ; 5
        jnz .div                    ; 6
        dec bp                      ; 7
        jnz .round                  ; 8
        BENCH_END
