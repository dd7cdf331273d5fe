; The ata-pio path of `emu bench io` (full emulation): READ/WRITE SECTORS, one DRQ block per sector,
; moved with REP INSW/OUTSW (every word an exit), status polled, no interrupts. See bench-io.inc.
%define PATH_NAME "ata-pio"
IO_DEPTH        equ     1
%include "bench-io.inc"

        ATA_IO  0, ata_read_pio, ata_write_pio          ; polled

%include "ata.inc"
