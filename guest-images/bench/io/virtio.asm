; The virtio path of `emu bench io` (paravirtual split driver): one request per notify, completion on
; IRQ 11. See bench-io.inc and virtio-blk.inc.
%define PATH_NAME "virtio"
IO_DEPTH        equ     1
%include "bench-io.inc"

        VIRTIO_IO 0, vblk_io                            ; interrupt completion, one request at a time

%include "virtio-blk.inc"
