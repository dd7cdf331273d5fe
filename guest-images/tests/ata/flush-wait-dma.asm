; flush-wait-dma: for the durability tests of the DMA path. WRITE DMA of 2 sectors at LBA 60 (byte i =
; (0x5A + 5 * i) & 0xFF), FLUSH CACHE, "flush complete"; then WRITE DMA of 1 sector at LBA 70 (byte i =
; (0xC3 + 5 * i) & 0xFF) with no flush after it, "unflushed write complete"; then it waits, polling COM1,
; until a byte arrives (forever without one). The tests stop it there with SIGKILL (the flushed sectors must
; be in the file), SIGINT, --timeout or --max-instructions (everything it completed must be in the file).
; Run: emu run flush-wait-dma.bin --disk disk.img [--serial-input q]   (q ends the wait at once)
; disk: disk.img
; emu-options: --serial-input q
;
; expect-output: flush-wait-dma: start
; expect-output: write-dma lba=60 count=2 irqs=1 bm-status=04 status=50 error=00
; expect-output: flush-cache status=50 error=00
; expect-output: flush complete
; expect-output: write-dma lba=70 count=1 irqs=1 bm-status=04 status=50 error=00
; expect-output: unflushed write complete
; expect-output: flush-wait-dma: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "flush-wait-dma: start"
        call    find_bus_master
        jc      no_bm

        mov     al, 0x5A
        mov     ecx, 2 * 512
        call    fill_buffer
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], EOT | 0x0400
        call    start_count
        mov     bh, 0x00                ; direction: the drive reads memory
        call    bm_prepare
        ISSUE28 0xCA, 60, 2             ; WRITE DMA
        call    bm_start
        jc      timeout
        PUTS    "write-dma lba=60 count=2"
        call    print_dma_result

        mov     si, name_flush
        mov     bx, 0x00E7
        call    non_data
        PUTLN   "flush complete"

        mov     al, 0xC3
        mov     ecx, 512
        call    fill_buffer
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], EOT | 0x0200
        call    start_count
        mov     bh, 0x00
        call    bm_prepare
        ISSUE28 0xCA, 70, 1
        call    bm_start
        jc      timeout
        PUTS    "write-dma lba=70 count=1"
        call    print_dma_result
        PUTLN   "unflushed write complete"

        mov     dx, 0x3FD               ; COM1 line status: bit 0 = a byte received
.wait:
        in      al, dx
        test    al, 0x01
        jz      .wait
        PUTLN   "flush-wait-dma: done"
        test_pass

%include "ata-dma.inc"

name_flush:     db      "flush-cache", 0

%include "ata-end.inc"
