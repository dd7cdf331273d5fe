; The ata-pio path of `emu bench io` (full emulation): READ/WRITE SECTORS, one DRQ block per sector,
; moved with REP INSW/OUTSW (every word an exit), status polled, no interrupts. See bench-io.inc.
%define PATH_NAME "ata-pio"
IO_DEPTH        equ     1
%include "bench-io.inc"

io_init:
        mov     al, 0
        jmp     ata_init
io_read:
        jmp     ata_read_pio
io_write:
        jmp     ata_write_pio
io_flush:
        jmp     ata_flush
io_sync:
        xor     ax, ax
        ret

%include "ata.inc"
