; String-instruction benchmark: REP STOSW, REP MOVSB, REPE CMPSB, REPNE SCASB over 4 KiB buffers.
; Load at 0000:7C00, run to HLT. Source 1000:0000 (filled once with 5Ah), destination 2000:0000.
;
; Instruction count, exact (as on a real CPU, every repetition of a REP instruction retires):
;   setup           11 + 2,048 repetitions = 2,059
;   round           14 + 14,336 repetitions (2,048 words stored, 4,096 bytes moved, 4,096 byte pairs
;                   compared, 4,096 bytes scanned) = 14,350 x 10,000 rounds = 143,500,000
;   end              2   (cli, hlt)
;   total 143,502,061 instructions retired.
%include "bench.inc"
BYTES  equ 4096
ROUNDS equ 10000

start:
        cli                         ; 1
        cld                         ; 2
        mov ax, 0x1000              ; 3
        mov ds, ax                  ; 4
        mov es, ax                  ; 5
        xor di, di                  ; 6
        mov ax, 0x5A5A              ; 7
        mov cx, BYTES / 2           ; 8
        rep stosw                   ; 9  the source: no zero byte
        mov ax, 0x2000              ; 10
        mov es, ax                  ; 11
        mov bp, ROUNDS              ; 12
.round:
        xor di, di                  ; 1
        mov ax, bp                  ; 2
        mov cx, BYTES / 2           ; 3
        rep stosw                   ; 4  the destination: a new pattern every round
        xor si, si                  ; 5
        xor di, di                  ; 6
        mov cx, BYTES               ; 7
        rep movsb                   ; 8  DS:SI -> ES:DI: the source over it
        xor si, si                  ; 9
        xor di, di                  ; 10
        mov cx, BYTES               ; 11
        repe cmpsb                  ; 12 equal all the way: 4,096 repetitions
        xor di, di                  ; 13
        xor al, al                  ; 14
        mov cx, BYTES               ; 15
        repne scasb                 ; 16 no zero byte: 4,096 repetitions
        dec bp                      ; 17
        jnz .round                  ; 18
        BENCH_END
