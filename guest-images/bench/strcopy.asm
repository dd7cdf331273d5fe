; Non-REP string benchmark: a buffer copied byte by byte with LODSB/STOSB under LOOP, then word by word with
; MOV through an ES override, as code that does not trust REP (or must do work per element) copies. Load at
; 0000:7C00, run to HLT. Source 1000:0000, destinations 2000:0000 (bytes) and 2000:2000 (words).
;
; Instruction count, exact:
;   setup            7
;   round            7 + 4,096 x 3 (byte copy) + 2,048 x 4 (word copy) = 20,487 x 4,000 rounds = 81,948,000
;   end              2   (cli, hlt)
;   total 81,948,009 instructions retired.
%include "bench.inc"
BYTES  equ 4096
ROUNDS equ 4000

start:
        cli                         ; 1
        cld                         ; 2
        mov ax, 0x1000              ; 3
        mov ds, ax                  ; 4
        mov ax, 0x2000              ; 5
        mov es, ax                  ; 6
        mov bp, ROUNDS              ; 7
.round:
        xor si, si                  ; 1
        xor di, di                  ; 2
        mov cx, BYTES               ; 3
.bytes:
        lodsb                       ; 1  AL = DS:SI, SI + 1
        stosb                       ; 2  ES:DI = AL, DI + 1
        loop .bytes                 ; 3
        xor bx, bx                  ; 4
        mov cx, BYTES / 2           ; 5
.words:
        mov ax, [bx]                ; 1
        mov [es:bx + 0x2000], ax    ; 2  the segment override: ES, not DS
        add bx, 2                   ; 3
        loop .words                 ; 4
        dec bp                      ; 6
        jnz .round                  ; 7
        BENCH_END
