; hostile-ring: a virtio-blk driver that breaks the ring contract on purpose, then recovers. Needs a
; virtio disk in exit notify mode (emu run hostile-ring.bin --virtio-disk FILE; at least one sector). Steps:
;  1. a descriptor loop (0 -> 1 -> 0) published and notified: the device must return head 0 with
;     used length 0 and stay usable (a malformed chain is not a broken ring);
;  2. avail.idx pushed 1000 entries ahead (more than the queue holds): the device must set
;     DEVICE_NEEDS_RESET (64) in Status and raise a configuration-change interrupt (bit 1);
;  3. a reset and a new initialisation, then a one-sector read: the device works again.
; Each step prints one line on the debug console; the run ends through isa-debug-exit with 10h
; (status 33) when every step saw what it should, 11h (35) at the first step that did not.
;
; expect-output: hostile-ring: loop returned with len 0, device still ok
; expect-output: hostile-ring: runaway avail.idx set DEVICE_NEEDS_RESET and a config interrupt
; expect-output: hostile-ring: reset and read ok
; expect-exit: 33
; virtio-disk: disk.img

        cpu     386
%include "emutest.inc"

SCRATCH         equ     0x9000

start:
        cli
        test_start es, ss
        mov     ax, 0xD000                              ; the virtio-mmio window
        mov     fs, ax

        mov     al, 1                                   ; polled completion: no interrupt handler
        call    vblk_init
        jc      failed

        ; 1. descriptors 0 -> 1 -> 0, both readable 16-byte buffers, head 0 published
        mov     dword [VBLK_DESC + 0], SCRATCH
        mov     dword [VBLK_DESC + 4], 0
        mov     dword [VBLK_DESC + 8], 16
        mov     word [VBLK_DESC + 12], 1                ; NEXT
        mov     word [VBLK_DESC + 14], 1
        mov     dword [VBLK_DESC + 16], SCRATCH
        mov     dword [VBLK_DESC + 20], 0
        mov     dword [VBLK_DESC + 24], 16
        mov     word [VBLK_DESC + 28], 1                ; NEXT
        mov     word [VBLK_DESC + 30], 0                ; back to 0: a loop
        mov     word [VBLK_AVAIL + 4], 0
        mov     word [VBLK_AVAIL + 2], 1
        mov     dword [fs:VIRTIO_QUEUE_NOTIFY], 0
        cmp     word [VBLK_USED + 2], 1
        jne     failed
        cmp     dword [VBLK_USED + 4], 0                ; id 0
        jne     failed
        cmp     dword [VBLK_USED + 8], 0                ; len 0
        jne     failed
        test    dword [fs:VIRTIO_STATUS], VIRTIO_NEEDS_RESET
        jnz     failed
        mov     si, msg_loop
        call    print

        ; 2. avail.idx far ahead of anything the queue can hold
        mov     word [VBLK_AVAIL + 2], 1001
        mov     dword [fs:VIRTIO_QUEUE_NOTIFY], 0
        test    dword [fs:VIRTIO_STATUS], VIRTIO_NEEDS_RESET
        jz      failed
        test    dword [fs:VIRTIO_INT_STATUS], 2
        jz      failed
        cmp     word [VBLK_USED + 2], 1                 ; nothing more was used
        jne     failed
        mov     si, msg_runaway
        call    print

        ; 3. reset, initialise again, read sector 0
        mov     al, 1
        call    vblk_init
        jc      failed
        mov     al, 0
        xor     ebx, ebx
        mov     cx, 1
        mov     di, SCRATCH
        call    vblk_io
        jc      failed
        test    dword [fs:VIRTIO_STATUS], VIRTIO_NEEDS_RESET
        jnz     failed
        mov     si, msg_recovered
        jmp     passed

msg_loop:       db      "hostile-ring: loop returned with len 0, device still ok", 10, 0
msg_runaway:    db      "hostile-ring: runaway avail.idx set DEVICE_NEEDS_RESET and a config interrupt", 10, 0
msg_recovered:  db      "hostile-ring: reset and read ok", 10, 0
msg_failed:     db      "hostile-ring: the device did not do what the spec says", 10, 0

%include "virtio-test.inc"
