; The virtio-batched path of `emu bench io`: up to 16 requests queued, one notify for the batch (EVENT_IDX
; decides whether a notify is needed at all), one interrupt when the last completes. See bench-io.inc.
%define PATH_NAME "virtio-batched"
%define VBLK_DEPTH 16
IO_DEPTH        equ     16
%include "bench-io.inc"

io_init:
        mov     al, 0                                   ; interrupt completion
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
