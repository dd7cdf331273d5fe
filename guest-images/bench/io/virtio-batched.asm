; The virtio-batched path of `emu bench io`: up to 16 requests queued, one notify for the batch (EVENT_IDX
; decides whether a notify is needed at all), one interrupt when the last completes. See bench-io.inc.
%define PATH_NAME "virtio-batched"
%define VBLK_DEPTH 16
IO_DEPTH        equ     16
%include "bench-io.inc"

        VIRTIO_IO 0, vblk_submit                        ; interrupt completion, requests queued

%include "virtio-blk.inc"
