; The emulated model of `emu bench io --guests`: an ATA controller per guest in the device server, every
; register access a VM exit forwarded to it; READ DMA through a PRD table and the bus master (the data moves
; through the shared guest RAM), completion on IRQ 14: about fifteen exits per request. See multi.inc.
%define PATH_NAME "emulated"
IO_DEPTH        equ     1
%include "multi.inc"

        ATA_IO  1, ata_read_dma, ata_write_dma          ; DMA completion on IRQ 14

%include "ata.inc"
