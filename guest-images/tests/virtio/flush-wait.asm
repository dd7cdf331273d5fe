; flush-wait (virtio): for the durability tests of the virtio-blk path, as flush-wait-dma is for ATA DMA.
; Negotiates VIRTIO_BLK_F_FLUSH, writes 2 sectors at sector 2 (byte i = (0x5A + 5 * i) & 0xFF), sends
; VIRTIO_BLK_T_FLUSH, "flush complete"; then writes 1 sector at sector 5 (byte i = (0xC3 + 5 * i) & 0xFF) with
; no flush after it, "unflushed write complete"; then it waits, polling COM1, until a byte arrives (forever
; without one). The tests stop it there with SIGKILL: the flushed sectors must be in the file (and with
; cache=writethrough the unflushed one too). Requests complete by polling the used ring (no interrupt).
; Run: emu run flush-wait.bin --virtio-disk disk.img [--serial-input q]   (q ends the wait at once)
; virtio-disk: disk.img
; emu-options: --serial-input q
;
; expect-output: flush-wait-virtio: start
; expect-output: write sector=2 count=2 ok
; expect-output: flush ok
; expect-output: flush complete
; expect-output: write sector=5 count=1 ok
; expect-output: unflushed write complete
; expect-output: flush-wait-virtio: done
; expect-exit: 33

        cpu     386
%include "emutest.inc"

BUFFER          equ     0x2000
VBLK_FLUSH      equ     1

start:
        cli
        test_start es, ss
        mov     ax, 0xD000                              ; the virtio-mmio window
        mov     fs, ax
        mov     si, msg_start
        call    print

        mov     al, 1                                   ; polled completion: no interrupt handler
        call    vblk_init
        jc      failed
        mov     dword [fs:VIRTIO_DEV_FEATURES_SEL], 0   ; FLUSH is allowed only once negotiated, and
        test    dword [fs:VIRTIO_DEV_FEATURES], VIRTIO_BLK_FLUSH_BIT    ; vblk_init (VBLK_FLUSH) took it if offered
        jz      failed

        mov     al, 0x5A
        mov     cx, 2 * 512
        call    fill
        mov     al, 1                                   ; VIRTIO_BLK_T_OUT
        mov     ebx, 2
        mov     cx, 2
        mov     di, BUFFER
        call    vblk_io
        jc      failed
        mov     si, msg_write1
        call    print

        mov     al, 4                                   ; VIRTIO_BLK_T_FLUSH: used only after the host's fsync
        call    vblk_io
        jc      failed
        mov     si, msg_flush
        call    print
        mov     si, msg_flushed
        call    print

        mov     al, 0xC3
        mov     cx, 512
        call    fill
        mov     al, 1
        mov     ebx, 5
        mov     cx, 1
        mov     di, BUFFER
        call    vblk_io
        jc      failed
        mov     si, msg_write2
        call    print
        mov     si, msg_unflushed
        call    print

        mov     dx, 0x3FD                               ; COM1 line status: bit 0 = a byte received
.wait:
        in      al, dx
        test    al, 0x01
        jz      .wait
        mov     si, msg_done
        jmp     passed

; fill: CX bytes at BUFFER, byte i = AL + 5 * i
fill:
        push    di
        mov     di, BUFFER
.next:
        stosb
        add     al, 5
        loop    .next
        pop     di
        ret

msg_start:      db      "flush-wait-virtio: start", 10, 0
msg_write1:     db      "write sector=2 count=2 ok", 10, 0
msg_flush:      db      "flush ok", 10, 0
msg_flushed:    db      "flush complete", 10, 0
msg_write2:     db      "write sector=5 count=1 ok", 10, 0
msg_unflushed:  db      "unflushed write complete", 10, 0
msg_done:       db      "flush-wait-virtio: done", 10, 0
msg_failed:     db      "flush-wait-virtio: a request failed or FLUSH was not negotiated", 10, 0

%include "virtio-test.inc"
