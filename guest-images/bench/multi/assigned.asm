; The assigned model of `emu bench io --guests`: a virtual function of the assigned device per guest
; (docs/ASSIGNED-DEVICE.md). The guest queues 16 requests in its own submission ring, each announced by a
; store to the VF's doorbell, which is memory the device watches: no exit; the device's DMA goes through the
; VF's IOMMU domain and each completion is a posted interrupt, taken without an exit. See multi.inc.
%define PATH_NAME "assigned"
IO_DEPTH        equ     16
%include "multi.inc"

        VF_IO

%include "assigned-vf.inc"
