; write-loop: for the device-process kill test. Round R (1, 2, ...) writes sectors 0-31 with PIO, each
; filled with the fill_buffer pattern seeded by R (byte i = R + 5 * i), then prints "round R". With an
; 'l' waiting on COM1 at the start it goes on for 100,000 rounds, else it stops after one. The test kills the
; device process (emu device-server) while it writes and checks from outside that the VMM stopped with
; one line and that every sector holds one whole round's pattern, no older than the last reported round:
; a sector write is one host write, so a killed device process leaves no torn sector.
; Run: emu run write-loop.bin --disk disk.img [--serial-input l]   (l: loop)
; disk: disk.img
;
; expect-output: write-loop: start
; expect-output: round 1
; expect-output: write-loop: done
; expect-exit: 1

%include "ata-test.inc"

SECTORS equ     32

main:
        PUTLN   "write-loop: start"
        mov     dx, 0x3FD               ; COM1 line status: bit 0 = a byte received
        in      al, dx
        test    al, 0x01
        jz      .once
        mov     dx, 0x3F8
        in      al, dx
        cmp     al, 'l'
        jne     .once
        mov     dword [last], 100000
.once:
        mov     dword [round], 1
.round:
        xor     ebp, ebp                ; LBA
.sector:
        mov     al, [round]
        mov     ecx, 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x30, ebp, 1            ; WRITE SECTORS
        PIO_OUT 1, 1
        jc      failed
        inc     ebp
        cmp     ebp, SECTORS
        jb      .sector
        PUTS    "round "
        mov     eax, [round]
        call    print_dec32
        call    newline
        inc     dword [round]
        mov     eax, [last]
        cmp     [round], eax
        jbe     .round
.done:
        PUTLN   "write-loop: done"
        test_pass

failed:
        FAIL    "write failed"

round:          dd      0
last:           dd      1               ; the last round to write

%include "ata-end.inc"
