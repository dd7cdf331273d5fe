; The virtio-poll path of `emu bench io` ("hardware-assisted": the device is not trapped on): run with
; --virtio-notify poll, the VMM polls the queue every N instructions, the device asks for no notify and
; the driver asks for no interrupt, spinning on used.idx instead: no exit per request. Batches of 16.
; See bench-io.inc and virtio-blk.inc.
%define PATH_NAME "virtio-poll"
%define VBLK_DEPTH 16
IO_DEPTH        equ     16
%include "bench-io.inc"

        VIRTIO_IO 1, vblk_submit                        ; polling the used ring, requests queued

%include "virtio-blk.inc"
