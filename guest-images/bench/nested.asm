; Nested loops written the way hand-made real-mode code often is: a 16-bit inner counter in CX, the outer
; counter in memory, a register-indirect load ([si]), an address computed with LEA and stored through, a
; shift feeding ADC, byte ALU forms, XCHG, PUSH/POP and TEST. Load at 0000:7C00, run to HLT.
;
; Instruction count, exact:
;   setup           10  (BENCH_START, stack and data set-up, numbered below)
;   outer pass       2 + 1,000 x 15 (inner loop, numbered below) + 2 = 15,004
;                    x 15,000 passes = 225,060,000
;   end              2   (cli, hlt)
;   total 225,060,012 instructions retired.
;
; Data at 0000:9000 (outer counter) and 0000:9100.. (the word loaded, the words stored), stack at 3000:F000:
; no store touches the code's page.
%include "bench.inc"
OUTER      equ 15000
INNER      equ 1000

start:
        BENCH_START                   ; 1-3
        mov ax, 0x3000                ; 4
        mov es, ax                    ; 5
        mov ss, ax                    ; 6
        mov sp, 0xF000                ; 7
        mov si, 0x9100                ; 8
        mov word [0x9100], 3          ; 9
        mov word [0x9000], OUTER      ; 10
.outer:
        mov cx, INNER                 ; outer 1
        xor bx, bx                    ; outer 2
.inner:
        mov ax, [si]                  ; 1  MOV r,[r]
        add ax, cx                    ; 2
        lea di, [bx+si+4]             ; 3  LEA
        mov [di], ax                  ; 4  MOV [r],r
        shl ax, 1                     ; 5  SHL r,1
        adc dx, ax                    ; 6  ADC (CF from the shift)
        and al, 0x3F                  ; 7  byte forms
        or bl, al                     ; 8
        sub bp, dx                    ; 9
        xchg ax, dx                   ; 10 XCHG
        push bp                       ; 11
        pop ax                        ; 12
        test ax, 0x10                 ; 13
        dec cx                        ; 14
        jnz .inner                    ; 15
        dec word [0x9000]             ; outer 3  DEC [m]
        jnz .outer                    ; outer 4
        BENCH_END
