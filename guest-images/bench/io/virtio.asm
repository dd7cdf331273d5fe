; The virtio path of `emu bench io` (paravirtual split driver): one request per notify, completion on
; IRQ 11. See bench-io.inc and virtio-blk.inc.
%define PATH_NAME "virtio"
IO_DEPTH        equ     1
%include "bench-io.inc"

io_init:
        mov     al, 0                                   ; interrupt completion
        jmp     vblk_init
io_read:
        mov     al, 0
        jmp     vblk_io
io_write:
        mov     al, 1
        jmp     vblk_io
io_flush:
        mov     al, 4
        jmp     vblk_io
io_sync:
        xor     ax, ax
        ret

%include "virtio-blk.inc"
