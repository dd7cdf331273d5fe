; bench: reads sectors 0-99 (51200 bytes) of the primary master one way, for the exit counts in
; docs/IO-PATHS.md. The way is the first byte received on COM1: p = READ SECTORS + REP INSW (one
; DRQ block and one interrupt per sector), m = READ MULTIPLE with 16 sectors per block, d = READ DMA
; through one PRD entry. With no byte (as here) it does all three in turn.
;   emu run bench.bin --disk disk.img --serial-input p --stats
; disk: disk.img
;
; expect-output: pio crc=E388C913
; expect-output: multiple crc=E388C913
; expect-output: dma crc=E388C913
; expect-exit: 1

%include "ata-test.inc"

main:
        mov     dx, 0x3FD
        in      al, dx
        test    al, 0x01
        jz      .all
        mov     dx, 0x3F8
        in      al, dx
        cmp     al, 'p'
        je      .pio
        cmp     al, 'm'
        je      .multiple
        cmp     al, 'd'
        je      .dma
        FAIL    "unknown mode (p, m or d)"
.pio:
        call    bench_pio
        test_pass
.multiple:
        call    bench_multiple
        test_pass
.dma:
        call    bench_dma
        test_pass
.all:
        call    bench_pio
        call    bench_multiple
        call    bench_dma
        test_pass

bench_pio:
        ISSUE28 0x20, 0, 100
        PIO_IN  100, 1
        jc      failed
        PUTS    "pio"
        jmp     report

bench_multiple:
        mov     bx, 0x00C6              ; SET MULTIPLE 16 (the power-on value on Emu and QEMU)
        mov     cl, 16
        call    command
        call    wait_next_irq
        jc      failed
        ISSUE28 0xC4, 0, 100
        PIO_IN  100, 16
        jc      failed
        PUTS    "multiple"
        jmp     report

bench_dma:
        call    find_bus_master
        jc      failed
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], 0x80000000 | 0xC800
        mov     dx, [bm_base]
        mov     al, 0x08                ; stopped, drive writes memory
        out     dx, al
        add     dx, 4
        mov     eax, PRD_TABLE
        out     dx, eax
        ISSUE28 0xC8, 0, 100
        mov     dx, [bm_base]
        mov     al, 0x09
        out     dx, al
        call    wait_next_irq
        jc      failed
        mov     dx, [bm_base]
        add     dx, 2
        mov     al, 0x06                ; acknowledge
        out     dx, al
        mov     dx, [bm_base]
        xor     al, al
        out     dx, al                  ; stop
        PUTS    "dma"
        jmp     report

report:
        PUTS    " crc="
        mov     ecx, 100 * 512
        call    crc32
        call    print_hex32
        call    newline
        ret

failed:
        FAIL    "read failed"

%include "ata-end.inc"
