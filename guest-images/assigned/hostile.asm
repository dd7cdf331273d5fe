; hostile: a guest that programs its virtual function of the assigned device (docs/ASSIGNED-DEVICE.md) to
; break isolation, and after each attack shows the VF still serves it after a reset. The attacks are the
; bytes on COM1, in order (spaces skipped); x, w and d are followed by the digit of the victim's VF, whose
; guest RAM the device server keeps at host-physical (VF + 1) × 200000h:
;   o  a read whose buffer is outside this guest's RAM (IOVA 120000h)          expect status 3 (IOMMU fault)
;   x  a read into the victim's memory (its canary, 30000h into its RAM)      expect status 3
;   w  a write from the victim's memory into this VF's window                  expect status 3
;   d  a submission ring in the victim's memory                                expect the VF stopped, error 2
;   l  a read past the end of the LBA window                                   expect status 2 (outside the window)
;   r  a reset while 64 requests of 128 sectors are outstanding                expect some completed as 5 (aborted)
;   f  the doorbell stored 100,000 times without entries behind it             expect the VF stopped, error 4
; After each, a reset, a new initialisation and a read of 8 sectors at LBA 0, whose checksum is printed
; with the answer (as read-window computes it). Exits with status 1 when every attack got the expected
; answer and the VF recovered each time, 3 at the first that did not.
        cpu     386
%include "emutest.inc"

BUFFER          equ     0x20000
CANARY          equ     0x30000

start:
        cli
        test_start es, ss
        call    vf_init
        jc      broken
next_attack:
        call    serial_byte
        jc      .all_done
        cmp     al, ' '
        je      next_attack
        mov     [attack], al
        cmp     al, 'x'
        je      .victim
        cmp     al, 'w'
        je      .victim
        cmp     al, 'd'
        jne     .go
.victim:
        call    serial_byte
        sub     al, '0' - 1
        movzx   eax, al
        shl     eax, 21                         ; (VF + 1) × 200000h
        mov     [victim], eax
.go:
        mov     al, [attack]
        cmp     al, 'o'
        je      outside
        cmp     al, 'x'
        je      into_victim
        cmp     al, 'w'
        je      from_victim
        cmp     al, 'd'
        je      ring_in_victim
        cmp     al, 'l'
        je      past_window
        cmp     al, 'r'
        je      reset_mid_request
        cmp     al, 'f'
        je      flood
        jmp     broken
.all_done:
        test_pass

; The next byte on COM1 in AL; CF when there is none.
serial_byte:
        mov     dx, 0x3FD
        in      al, dx
        test    al, 1
        jz      .none
        mov     dx, 0x3F8
        in      al, dx
        clc
        ret
.none:
        stc
        ret

outside:
        mov     edx, 0x120000
        mov     bl, VF_OP_READ
        jmp     one_request
into_victim:
        mov     edx, [victim]
        add     edx, CANARY
        mov     bl, VF_OP_READ
        jmp     one_request
from_victim:
        mov     edx, [victim]
        add     edx, CANARY
        mov     bl, VF_OP_WRITE
one_request:
        xor     eax, eax
        call    request8
        mov     ah, 3
        jmp     expect_status
past_window:
        mov     eax, [fs:VF_WINDOW]
        sub     eax, 4
        call    read8
        mov     ah, 2
expect_status:
        mov     [seen], al
        cmp     al, ah
        jne     wrong
        jmp     recover

ring_in_victim:
        call    vf_reset
        mov     eax, [victim]
        add     eax, VF_SQ
        mov     [fs:VF_SQ_BASE], eax
        mov     dword [fs:VF_CQ_BASE], VF_CQ
        mov     dword [fs:VF_QSIZE], VF_QUEUE
        mov     dword [fs:VF_DOORBELL], 0
        xor     eax, eax
        mov     [vf_tail], eax
        mov     [vf_done], eax
        mov     dword [fs:VF_CONTROL], 1
        xor     eax, eax
        call    read8
        mov     ah, 2
        jmp     expect_error
flood:
        mov     ecx, 100000
        xor     eax, eax
.store:
        inc     eax
        mov     [fs:VF_DOORBELL], eax
        dec     ecx
        jnz     .store
        mov     ecx, VF_TIMEOUT
.wait:
        test    byte [fs:VF_STATUS], 2
        jnz     .stopped
        dec     ecx
        jnz     .wait
.stopped:
        mov     ah, 4
expect_error:
        mov     al, [fs:VF_ERROR]
        mov     [seen], al
        cmp     al, ah
        jne     wrong
        jmp     recover

reset_mid_request:
        mov     si, 64
.submit:
        xor     eax, eax
        mov     cx, 128
        mov     edx, BUFFER
        mov     bl, VF_OP_READ
        call    vf_submit
        dec     si
        jnz     .submit
        call    vf_reset
        jc      broken
        xor     si, si                          ; count the aborted completions
        xor     bx, bx
.count:
        cmp     byte [VF_CQ + bx + 2], 5
        jne     .other
        inc     si
.other:
        add     bx, 8
        cmp     bx, 64 * 8
        jb      .count
        mov     ax, si
        mov     [seen], al
        test    si, si
        jz      wrong

recover:
        call    vf_init
        jc      broken
        xor     eax, eax
        call    read8
        jc      broken
        mov     ax, BUFFER >> 4
        mov     es, ax
        xor     di, di
        xor     ebx, ebx
        mov     ecx, 8 * 128
        call    window_checksum
        mov     si, msg_hostile
        call    print_answer
        mov     si, msg_recovered
        call    print
        mov     eax, ebx
        call    print_hex32
        call    newline
        jmp     next_attack

wrong:
        mov     si, msg_wrong
        call    print_answer
        call    newline
        test_fail
broken:
        test_fail_with msg_broken

; read8: a read of 8 sectors at LBA EAX into BUFFER; request8: a request of 8 sectors, BL the operation, EAX
; the LBA, EDX the buffer's IOVA. Both wait for it: AL its status, CF when it is not ok.
read8:
        mov     edx, BUFFER
        mov     bl, VF_OP_READ
request8:
        mov     cx, 8
        call    vf_submit
        jmp     vf_wait

; print_answer: the message at SI, the attack's letter, ": answer " and the status or error the VF gave.
print_answer:
        call    print
        mov     al, [attack]
        call    putc
        mov     si, msg_answer
        call    print
        mov     al, [seen]
        jmp     print_hex8

%include "assigned-vf.inc"
%include "window-checksum.inc"
        emutest_routines
        emutest_routines_386

attack          db      0
seen            db      0
victim          dd      0
msg_hostile     db      "hostile ", 0
msg_answer      db      ": answer ", 0
msg_recovered   db      ", recovered, checksum ", 0
msg_wrong       db      "hostile: unexpected answer to ", 0
msg_broken      db      "hostile: the VF did not come back", 10, 0
