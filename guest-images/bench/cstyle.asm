; C-style benchmark: the code a 386 C compiler writes around a small function, called once per round: arguments
; pushed as an immediate and a segment register, a frame built with PUSH BP / MOV BP,SP and dropped with LEAVE,
; bytes widened from memory with MOVZX/MOVSX, a shift and an XCHG of memory, a segment register read, a far pointer
; loaded with LES, a table lookup with XLAT, a carry stored with SETC. Load at 0000:7C00, run to HLT. Data in the
; first page (0000:0500).
;
; Instruction count, exact:
;   setup            9
;   round           13 + 10 (the function) = 23 x 4,000,000 rounds = 92,000,000
;   end              2   (cli, hlt)
;   total 92,000,011 instructions retired.
%include "bench.inc"
ROUNDS equ 4000000
farptr equ 0x0500                   ; the table's far pointer, m16:16
total  equ 0x0504
carry  equ 0x0506
acc    equ 0x0508
tmp    equ 0x050A
table  equ 0x0510                   ; 16 bytes

start:
        cli                         ; 1
        xor ax, ax                  ; 2
        mov ds, ax                  ; 3
        mov es, ax                  ; 4
        mov ss, ax                  ; 5
        mov sp, 0x7C00              ; 6
        mov word [farptr], table    ; 7
        mov word [farptr + 2], 0    ; 8
        mov ecx, ROUNDS             ; 9
.round:
        push word 3                 ; 1: the arguments
        push ds                     ; 2
        call func                   ; 3
        add sp, 4                   ; 4
        les bx, [farptr]            ; 5: the table
        mov al, cl                  ; 6
        and al, 15                  ; 7
        xlatb                       ; 8
        movzx dx, al                ; 9
        add [total], dx             ; 10
        setc byte [carry]           ; 11
        dec ecx                     ; 12
        jnz .round                  ; 13
        BENCH_END

func:
        push bp                     ; 1
        mov bp, sp                  ; 2
        movzx ax, byte [bp + 4]     ; 3: the segment argument's low byte
        movsx dx, byte [bp + 6]     ; 4: the immediate
        add ax, dx                  ; 5
        shl word [acc], 1           ; 6
        xchg ax, [tmp]              ; 7
        mov ax, es                  ; 8
        leave                       ; 9
        ret                         ; 10
