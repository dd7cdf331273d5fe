; The ata-multiple path of `emu bench io`: READ/WRITE MULTIPLE with 16 sectors per DRQ block (one
; status poll per block instead of per sector; the data words are still exits). See bench-io.inc.
%define PATH_NAME "ata-multiple"
IO_DEPTH        equ     1
%include "bench-io.inc"

        ATA_IO  0, ata_read_multiple, ata_write_multiple; polled

%include "ata.inc"
