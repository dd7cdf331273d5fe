; The ata-multiple path of `emu bench io`: READ/WRITE MULTIPLE with 16 sectors per DRQ block (one
; status poll per block instead of per sector; the data words are still exits). See bench-io.inc.
%define PATH_NAME "ata-multiple"
IO_DEPTH        equ     1
%include "bench-io.inc"

io_init:
        mov     al, 0
        jmp     ata_init
io_read:
        jmp     ata_read_multiple
io_write:
        jmp     ata_write_multiple
io_flush:
        jmp     ata_flush
io_sync:
        xor     ax, ax
        ret

%include "ata.inc"
