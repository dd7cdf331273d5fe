; The ata-dma path of `emu bench io` (emulation with DMA): READ/WRITE DMA through a PRD table and the
; PIIX bus master, completion on IRQ 14; a dozen register exits per request, none per word. See bench-io.inc.
%define PATH_NAME "ata-dma"
IO_DEPTH        equ     1
%include "bench-io.inc"

        ATA_IO  1, ata_read_dma, ata_write_dma          ; DMA completion on IRQ 14

%include "ata.inc"
