; The assigned model of `emu bench io --guests`: a virtual function of the assigned block device per guest
; (docs/ASSIGNED-DEVICE.md, driver include/assigned-vf.inc). The VF's register page is memory, so a doorbell is a
; store and no VM exit; the device's DMA goes through the VF's IOMMU domain (IOVA = guest-physical address: the
; VMM maps this guest's RAM only), and completions are posted interrupts. The guest submits 16 requests, one
; doorbell store each, then waits for their 16 completions on the completion ring: no exit per request. See multi.inc.
%define PATH_NAME "assigned"
IO_DEPTH        equ     16
%include "multi.inc"

; io_init: the VF up, its rings at 1000h/1400h, completions posted on vector 60h.
io_init:
        mov     word [vf_outstanding], 0
        jmp     vf_init

; io_read, io_write: EBX = LBA in the VF's window, CX = sectors, ES:DI = buffer: one submission, one doorbell store.
io_read:
        mov     byte [vf_op], VF_OP_READ
        jmp     io_submit
io_write:
        mov     byte [vf_op], VF_OP_WRITE
io_submit:
        push    eax
        push    ebx
        push    edx
        mov     eax, ebx
        xor     edx, edx
        mov     dx, es
        shl     edx, 4
        movzx   ebx, di
        add     edx, ebx                                ; the buffer's IOVA: its guest-physical address
        mov     bl, [vf_op]
        call    vf_submit
        inc     word [vf_outstanding]
        pop     edx
        pop     ebx
        pop     eax
        clc
        ret

; io_flush: the VF has no flush command; its device flushes when the VMM says goodbye.
io_flush:
        stc
        ret

; io_sync: one completion per outstanding request; AX = those that did not complete OK.
io_sync:
        push    cx
        xor     cx, cx
.next:
        cmp     word [vf_outstanding], 0
        je      .done
        dec     word [vf_outstanding]
        call    vf_wait
        jnc     .next
        inc     cx
        jmp     .next
.done:
        mov     ax, cx
        pop     cx
        ret

vf_outstanding: dw      0
vf_op:          db      0

%include "assigned-vf.inc"
