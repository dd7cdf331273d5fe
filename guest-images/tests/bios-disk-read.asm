; bios-disk-read: one INT 13h AH=42h call reads sectors 0-99 (51,200 bytes) of drive 80h into
; 1000:0000, for the exit counts of each BIOS disk driver in docs/IO-PATHS.md ("Through the BIOS").
; The sum is of the 25,600 words read (the same disk as the ATA programs: sector s holds its
; number and a pattern). With 'n' on COM1 it skips the call: the baseline that the call's cost is
; measured against.
;   emu run bios-disk-read.bin --disk disk.img --bios-disk pio --stats
;   emu run bios-disk-read.bin --disk disk.img --bios-disk pio --stats --serial-input n
;   emu run bios-disk-read.bin --virtio-disk disk.img --bios-disk virtio --stats
; disk: ata/disk.img
; emu-variant: --bios-disk pio
; emu-variant: --bios-disk dma
; emu-variant: --bios-disk hypercall
; emu-variant: --bios-disk pio --cpu 8086
; virtio-disk: ata/disk.img
; emu-variant: --bios-disk virtio
;
; expect-output: read AH=00 CF=0 count=0064 sum=40DA
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

BUF_SEG equ     0x1000

start:
        test_start
        mov     dx, 0x3FD
        in      al, dx
        test    al, 0x01
        jz      .read
        mov     dx, 0x3F8
        in      al, dx
        cmp     al, 'n'
        jne     .read
        test_pass
.read:
        mov     ah, 0x42
        mov     dl, 0x80
        mov     si, dap
        int     0x13
        pushf
        print_field8 msg_read, ah
        mov     si, msg_cf
        call    print
        pop     ax
        and     al, 1
        add     al, '0'
        call    putc
        print_field16 msg_count, [dap + 2]
        ; the sum of the words read
        mov     ax, BUF_SEG
        mov     es, ax
        xor     si, si
        xor     bx, bx
        mov     cx, 100 * 256
.sum:
        es lodsw
        add     bx, ax
        loop    .sum
        print_field16 msg_sum, bx
        call    newline
        test_pass

        emutest_routines

dap:            db 0x10, 0
                dw 100                  ; sectors
                dw 0, BUF_SEG           ; buffer 1000:0000
                dq 0                    ; LBA
msg_read:       db "read AH=", 0
msg_cf:         db " CF=", 0
msg_count:      db " count=", 0
msg_sum:        db " sum=", 0
