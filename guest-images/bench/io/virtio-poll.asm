; The virtio-poll path of `emu bench io` ("hardware-assisted": the device is not trapped on): run with
; --virtio-notify poll, the VMM polls the queue every N instructions, the device asks for no notify and
; the driver asks for no interrupt, spinning on used.idx instead: no exit per request. Batches of 16.
; See bench-io.inc and virtio-blk.inc.
%define PATH_NAME "virtio-poll"
%define VBLK_DEPTH 16
IO_DEPTH        equ     16
%include "bench-io.inc"

io_init:
        mov     al, 1                                   ; poll the used ring
        jmp     vblk_init
io_read:
        mov     al, 0
        jmp     vblk_submit
io_write:
        mov     al, 1
        jmp     vblk_submit
io_flush:
        mov     al, 4
        jmp     vblk_io
io_sync:
        jmp     vblk_wait

%include "virtio-blk.inc"
