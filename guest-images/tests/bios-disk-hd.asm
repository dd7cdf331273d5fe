; bios-disk-hd: a 32 KiB hard disk image (drive 80h) that boots and exercises the INT 13h
; extensions on itself: AH=41h (present), AH=48h (parameters), AH=42h read by LBA through a disk
; address packet, AH=43h write and read back, a read past the end (AH=04h, count 0 written back),
; AH=15h (type 3, sector count) and AH=08h (16 heads, 63 sectors; 1 cylinder for so small a disk).
;
; The same expectations hold for each INT 13h hard-disk driver: the BIOS's own ATA PIO and
; bus-master DMA code, the VMM's hypercall, and PIO on the 8086 (IN/STOSW instead of REP INSW).
;
; emu-verb: boot
; emu-variant: --bios-disk pio
; emu-variant: --bios-disk dma
; emu-variant: --bios-disk hypercall
; emu-variant: --bios-disk pio --cpu 8086
; expect-output: boot drive 80
; expect-output: edd BX=AA55 AH=30 CX=0001
; expect-output: params size=001A sectors=00000040 bps=0200
; expect-output: lba 10: L10
; expect-output: lba 11 written: W11
; expect-output: past end: CF AH=04 count=0000
; expect-output: type AH=03 sectors=00000040
; expect-output: chs CX=003F DX=0F01
; expect-exit: 1

        cpu     8086
%include "emutest.inc"

start:
        test_start_loading 2            ; sectors 2-3: the rest of this program

BUF     equ     0x1000

main:
        mov     [drive], dl             ; (stored now: the variable lives in the sectors just loaded)
        print_field8 msg_boot, [drive]
        call    newline

        mov     ah, 0x41
        mov     bx, 0x55AA
        mov     dl, [drive]
        int     0x13
        mov     si, msg_edd
        call    print
        push    ax
        mov     ax, bx
        call    print_hex16
        mov     si, msg_ah
        call    print
        pop     ax
        mov     al, ah
        call    print_hex8
        print_field16 msg_cx, cx
        call    newline

        mov     word [BUF], 0x1A
        mov     ah, 0x48
        mov     dl, [drive]
        mov     si, BUF
        int     0x13
        print_field16 msg_params, [BUF]
        print_field16 msg_sectors, [BUF + 18]
        mov     ax, [BUF + 16]
        call    print_hex16
        print_field16 msg_bps, [BUF + 24]
        call    newline

        mov     word [dap_lba], 10
        mov     ah, 0x42
        call    ext_call
        mov     si, msg_lba10
        call    print
        call    print_tag

        mov     word [BUF], 'W1'
        mov     word [BUF + 2], '1' | (10 << 8)
        mov     word [dap_lba], 11
        mov     ah, 0x43
        xor     al, al
        call    ext_call
        mov     word [BUF], 0
        mov     ah, 0x42
        call    ext_call
        mov     si, msg_lba11
        call    print
        call    print_tag

        mov     word [dap_lba], 64      ; the disk has sectors 0-63
        mov     ah, 0x42
        mov     dl, [drive]
        mov     si, dap
        int     0x13
        print_bios_result msg_past, msg_ah
        print_field16 msg_count, [dap_count]
        call    newline

        mov     ah, 0x15
        mov     dl, [drive]
        int     0x13
        print_field8 msg_type, ah
        print_field16 msg_sectors, cx
        mov     ax, dx
        call    print_hex16
        call    newline

        mov     ah, 0x08
        mov     dl, [drive]
        int     0x13
        print_field16 msg_chs, cx
        print_field16 msg_dx, dx
        call    newline
        test_pass

; ext_call: AH = 42h/43h on the packet (1 sector at dap_lba to BUF); fails the test on an error.
ext_call:
        mov     word [dap_count], 1
        mov     dl, [drive]
        mov     si, dap
        int     0x13
        jc      .error
        ret
.error:
        test_fail_with msg_err

; print_tag: the zero- or newline-terminated tag at BUF, then a newline.
print_tag:
        mov     si, BUF
.next:
        lodsb
        cmp     al, 10
        je      .done
        test    al, al
        jz      .done
        call    putc
        jmp     .next
.done:
        call    newline
        ret

        emutest_routines

dap:        db 0x10, 0
dap_count:  dw 1
            dw BUF, 0
dap_lba:    dq 0
drive:      db 0
msg_boot:   db "boot drive ", 0
msg_edd:    db "edd BX=", 0
msg_ah:     db " AH=", 0
msg_cx:     db " CX=", 0
msg_dx:     db " DX=", 0
msg_params: db "params size=", 0
msg_sectors: db " sectors=", 0
msg_bps:    db " bps=", 0
msg_lba10:  db "lba 10: ", 0
msg_lba11:  db "lba 11 written: ", 0
msg_past:   db "past end: ", 0
msg_count:  db " count=", 0
msg_type:   db "type AH=", 0
msg_chs:    db "chs CX=", 0
msg_err:    db "error", 10, 0

        times   10 * 512 - ($ - $$) db 0
        db      "L10", 0
        times   32768 - ($ - $$) db 0
