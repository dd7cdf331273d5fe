; dma: bus-master DMA on the primary master. Finds the PIIX IDE function through PCI configuration
; space (8086:7010, BAR4) and enables bus mastering; READ DMA of 100 sectors through 4 PRD entries
; (one interrupt), WRITE DMA EXT of 8 sectors from 2 PRD entries read back by PIO, and a PRD table
; shorter than the transfer (Emu: bus-master error, no interrupt, the drive aborts; QEMU ends the
; command normally; see docs/ATA-BEHAVIOUR.md). The DMA figure of docs/IO-PATHS.md comes from this.
; Run: emu run dma.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py; sectors 600-607
; are overwritten: byte i of the 4096 = (0x33 + 5 * i) & 0xFF)
; disk: disk.img
;
; expect-output: dma: start
; expect-output: bus master found
; expect-output: read-dma lba=0 count=100 prds=4 crc=E388C913 irqs=1 bm-status=04 status=50 error=00
; expect-output: write-dma-ext lba=600 count=8 prds=2 crc=EBCB172D irqs=1 bm-status=04 status=50 error=00
; expect-output: read-back lba=600 count=8 crc=EBCB172D irqs=8 status=50 error=00
; expect-output: short-prd lba=0 count=2 bm-status=02 status=41 error=04
; expect-output: dma: done
; expect-exit: 1

%include "ata-test.inc"

main:
        PUTLN   "dma: start"
        call    find_bus_master
        jc      no_bm
        PUTLN   "bus master found"

        ; READ DMA, 100 sectors = 51200 bytes at 20000h, split over 4 PRD entries.
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], 0x1000
        mov     dword [PRD_TABLE + 8], 0x21000
        mov     dword [PRD_TABLE + 12], 0x3000
        mov     dword [PRD_TABLE + 16], 0x24000
        mov     dword [PRD_TABLE + 20], 0x8000
        mov     dword [PRD_TABLE + 24], 0x2C000
        mov     dword [PRD_TABLE + 28], EOT | 0x0800
        mov     al, 0xFF                ; so the data seen later was really written by the transfer
        mov     ecx, 100 * 512
        call    fill_buffer
        call    start_count
        mov     bh, 0x08                ; direction: the drive writes memory
        call    bm_prepare
        ISSUE28 0xC8, 0, 100
        call    bm_start
        jc      timeout
        PUTS    "read-dma lba=0 count=100 prds=4 crc="
        mov     ecx, 100 * 512
        call    crc32
        call    print_hex32
        call    print_dma_result

        ; WRITE DMA EXT, 8 sectors from 20000h through 2 entries.
        mov     al, 0x33
        mov     ecx, 8 * 512
        call    fill_buffer
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], 0x0C00
        mov     dword [PRD_TABLE + 8], 0x20C00
        mov     dword [PRD_TABLE + 12], EOT | 0x0400
        call    start_count
        mov     bh, 0x00                ; direction: the drive reads memory
        call    bm_prepare
        ISSUE48 0x35, 600, 8
        call    bm_start
        jc      timeout
        PUTS    "write-dma-ext lba=600 count=8 prds=2 crc="
        mov     ecx, 8 * 512
        call    crc32
        call    print_hex32
        call    print_dma_result

        mov     al, 0
        mov     ecx, 8 * 512
        call    fill_buffer
        call    start_count
        ISSUE28 0x20, 600, 8
        PIO_IN  8, 1
        jc      failed
        PUTS    "read-back lba=600 count=8 crc="
        mov     ecx, 8 * 512
        call    crc32
        call    print_hex32
        call    print_irqs
        call    print_status_error

        ; PRDs for 512 bytes, a transfer of 1024: wait for the engine to stop instead of an interrupt.
        mov     dword [PRD_TABLE + 0], 0x20000
        mov     dword [PRD_TABLE + 4], EOT | 0x0200
        mov     bh, 0x08
        call    bm_prepare
        ISSUE28 0xC8, 0, 2
        mov     dx, [bm_base]
        mov     al, 0x09
        out     dx, al
        add     dx, BM_STATUS
        mov     ecx, 10000000
.active:
        in      al, dx
        test    al, 0x01
        jz      .stopped
        dec     ecx
        jnz     .active
.stopped:
        call    wait_not_busy
        PUTS    "short-prd lba=0 count=2 bm-status="
        mov     dx, [bm_base]
        add     dx, BM_STATUS
        in      al, dx
        and     al, 0x07
        call    print_hex8
        call    print_status_error
        mov     dx, [bm_base]
        xor     al, al
        out     dx, al                  ; stop the engine
        mov     dx, ATA_STATUS
        in      al, dx

        PUTLN   "dma: done"
        test_pass

%include "ata-dma.inc"
failed:
        FAIL    "transfer failed"

%include "ata-end.inc"
