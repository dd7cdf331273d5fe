; The ata-dma path of `emu bench io` (emulation with DMA): READ/WRITE DMA through a PRD table and the
; PIIX bus master, completion on IRQ 14; a dozen register exits per request, none per word. See bench-io.inc.
%define PATH_NAME "ata-dma"
IO_DEPTH        equ     1
%include "bench-io.inc"

io_init:
        mov     al, 1
        jmp     ata_init
io_read:
        jmp     ata_read_dma
io_write:
        jmp     ata_write_dma
io_flush:
        jmp     ata_flush
io_sync:
        xor     ax, ax
        ret

%include "ata.inc"
