; poll-irq-halt: a driver that waits for its completion interrupt (IRQ 11) with HLT while the device is in poll
; notify mode and both timer interrupts (IRQ 0, IRQ 8) are masked, so that only the VMM's virtio poller can wake
; it: the poll completes the request and raises IRQ 11. The halt check once looked at IRQ 0 and IRQ 8 alone and
; called this a deadlock (VirtualMachine.Halt.cs). Reads sector 0 and checks the first dword came in.
;
; expect-output: poll-irq-halt: woken by the completion interrupt
; expect-exit: 33
; virtio-disk: disk.img
; emu-options: --virtio-notify poll

        cpu     386
%include "emutest.inc"

%include "pic.inc"

SCRATCH         equ     0x9000

start:
        cli
        test_start es, ss
        ; the 8259s as a BIOS leaves them (vectors 08h and 70h, cascade on IRQ 2), then every input masked:
        ; vblk_init opens IRQ 11 and the cascade, nothing else
        pic_init_pc
        mov     al, 0xFF
        out     0x21, al
        out     0xA1, al
        ; and a running timer whose interrupt cannot get through: the PIT's deadlines keep coming
        mov     al, 0x34
        out     0x43, al
        xor     al, al
        out     0x40, al
        out     0x40, al

        mov     dword [SCRATCH], 0xDEADBEEF
        xor     al, al                                  ; interrupt completion (HLT until IRQ 11)
        call    vblk_init
        jc      failed
        xor     al, al                                  ; read
        xor     ebx, ebx
        mov     cx, 1
        mov     di, SCRATCH
        call    vblk_io
        jc      failed
        cmp     dword [SCRATCH], 0xDEADBEEF
        je      failed
        mov     si, msg_ok
        jmp     passed

msg_ok:         db      "poll-irq-halt: woken by the completion interrupt", 10, 0
msg_failed:     db      "poll-irq-halt: the request failed", 10, 0

%include "virtio-test.inc"
