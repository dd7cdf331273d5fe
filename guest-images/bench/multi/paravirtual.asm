; The paravirtual model of `emu bench io --guests`: one virtio-blk backend in the device server serving every
; guest's virtqueue (vhost-user's shape). The guest queues 16 requests in its own RAM, kicks once (the one
; forwarded exit of the batch: QueueNotify) and polls the used ring instead of taking an interrupt, so a batch
; costs at most one exit; the device reads the rings and moves the data in the shared guest RAM. See multi.inc.
%define PATH_NAME "paravirtual"
%define VBLK_DEPTH 16
IO_DEPTH        equ     16
%include "multi.inc"

        VIRTIO_IO 1, vblk_submit                        ; requests queued, the used ring polled

%include "virtio-blk.inc"
