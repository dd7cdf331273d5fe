; A DOS-style .COM program as a benchmark: ORG 100h, CS = DS = ES = SS, its variables and its stack
; in its own code segment and code page, near calls with a BP frame, DIV by 10 to format numbers,
; LODSB, LOOP, read-modify-write of memory variables. Load at 0000:7C00 (= 07B0:0100), run to HLT.
; Each iteration formats a counter as five decimal digits and sums them.
;
; Instruction count, exact:
;   setup            9
;   round            3 + 50,000 iterations x 67 (numbered below in execution order) = 3,350,003
;                    x 30 rounds = 100,500,090
;   end              2   (cli, hlt)
;   total 100,500,101 instructions retired.
%define BENCH_ORIGIN 0x100             ; a .COM program: its code runs at 07B0:0100
%include "bench.inc"
ROUNDS     equ 30
ITERATIONS equ 50000

start:
        BENCH_COM_START ds, es, ss  ; 1-7  the stack right after the code and data, in the same page
        cld                         ; 8
        mov word [rounds], ROUNDS   ; 9
.round:
        mov word [count], ITERATIONS ; round 1
.loop:
        push word [value]           ; 1
        call to_decimal             ; 2
        add sp, 2                   ; 41
        call checksum               ; 42
        add [total], ax             ; 64
        inc word [value]            ; 65
        dec word [count]            ; 66
        jnz .loop                   ; 67
        dec word [rounds]           ; round 2
        jnz .round                  ; round 3
        BENCH_END

; Writes the word argument as five ASCII digits to 'digits'.
to_decimal:
        push bp                     ; 3
        mov bp, sp                  ; 4
        mov ax, [bp + 4]            ; 5
        mov di, digits + 4          ; 6
        mov bx, 10                  ; 7
        mov cx, 5                   ; 8
.digit:                             ;    6 x 5 = 30: 9-38
        xor dx, dx
        div bx
        add dl, '0'
        mov [di], dl
        dec di
        loop .digit
        pop bp                      ; 39
        ret                         ; 40

; AX = the sum of the five digit characters.
checksum:
        mov si, digits              ; 43
        mov cx, 5                   ; 44
        xor ax, ax                  ; 45
        xor dx, dx                  ; 46
.byte:                              ;    3 x 5 = 15: 47-61
        lodsb
        add dx, ax
        loop .byte
        mov ax, dx                  ; 62
        ret                         ; 63

value:  dw 0
count:  dw 0
rounds: dw 0
total:  dw 0
digits: times 5 db 0
        align 2
        times 32 dw 0
stack_top:
