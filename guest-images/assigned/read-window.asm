; read-window: reads its VF's whole LBA window through the assigned device (docs/ASSIGNED-DEVICE.md) and
; prints a checksum of it: for every dword d of the window in order, c = rol(c, 5) + d, from c = 0.
; Needs an emu device-server --device assigned (emu run read-window.bin --device-process SOCKET). The
; first byte on COM1 picks the request size: a = 16, b = 32, c = 64 (the default), d = 128 sectors; h = 64
; sectors, each completion waited for with HLT (woken by the posted interrupt, every 8259 input masked); v =
; a victim for the isolation tests: 64-sector requests, "victim ready" once the VF is up, then the window
; read again and again until the run is stopped, every pass checked to give the first pass's checksum and a
; 4 KiB canary at 30000h checked intact, "pass N ..." printed every 4 passes. Prints one line and exits
; with status 1 (passed) or 3 (a request failed, the passes disagreed, or the canary changed).
        cpu     386
%include "emutest.inc"

BUFFER_SEGMENT  equ     0x2000                  ; the data buffer, IOVA 20000h
CANARY_SEGMENT  equ     0x3000

start:
        cli
        test_start es, ss
        mov     al, 0xFF                        ; every 8259 input masked: the VF's interrupts are posted, and
        out     0x21, al                        ; no timer tick may add exits while the window is read
        out     0xA1, al
        mov     word [per_request], 64
        mov     dx, 0x3FD
        in      al, dx
        test    al, 1
        jz      .mode_done
        mov     dx, 0x3F8
        in      al, dx
        mov     bx, 16
        cmp     al, 'a'
        je      .size
        mov     bx, 32
        cmp     al, 'b'
        je      .size
        mov     bx, 128
        cmp     al, 'd'
        je      .size
        cmp     al, 'h'
        jne     .not_halt
        mov     byte [vf_halt_wait], 1          ; h: 64-sector requests, each waited for with HLT
        jmp     .mode_done
.not_halt:
        cmp     al, 'v'
        jne     .mode_done
        mov     byte [victim], 1
        jmp     .mode_done
.size:
        mov     [per_request], bx
.mode_done:
        call    vf_init
        jc      no_vf
        cmp     byte [victim], 0
        je      .passes
        mov     ax, CANARY_SEGMENT
        mov     es, ax
        xor     di, di
        mov     al, 0xA5
        mov     cx, 4096
        rep stosb
        mov     si, msg_ready
        call    print
.passes:
        call    read_window
        jc      failed
        mov     eax, [checksum]
        cmp     word [pass], 0
        jne     .compare
        mov     [first], eax
.compare:
        cmp     eax, [first]
        jne     disagree
        inc     word [pass]
        cmp     byte [victim], 0
        je      report
        mov     ax, CANARY_SEGMENT
        mov     es, ax
        xor     di, di
        mov     al, 0xA5
        mov     cx, 4096
        repe scasb
        jne     canary
        test    word [pass], 3
        jnz     .passes
        mov     si, msg_pass
        call    print_passes
        jmp     .passes

report:
        mov     si, msg_vf
        call    print
        movzx   eax, word [fs:VF_NUMBER]
        call    print_dec32
        mov     si, msg_window
        call    print
        mov     eax, [fs:VF_WINDOW]
        call    print_dec32
        mov     si, msg_requests
        call    print
        mov     eax, [requests]
        call    print_dec32
        mov     si, msg_irqs
        call    print
        mov     eax, [vf_irqs]
        call    print_dec32
        mov     si, msg_passes
        call    print_passes
        test_pass

; print_passes: the message at SI, the passes read so far, the window's checksum and a newline.
print_passes:
        call    print
        movzx   eax, word [pass]
        call    print_dec32
        mov     si, msg_checksum
        call    print
        mov     eax, [first]
        call    print_hex32
        jmp     newline

; One pass over the window in requests of [per_request] sectors, one at a time; [checksum] its checksum.
read_window:
        mov     dword [checksum], 0
        xor     ebp, ebp                        ; LBA
.next:
        mov     eax, [fs:VF_WINDOW]
        sub     eax, ebp
        jbe     .done
        movzx   ecx, word [per_request]
        cmp     eax, ecx
        jae     .full
        mov     ecx, eax
.full:
        mov     eax, ebp
        mov     bl, VF_OP_READ
        mov     edx, BUFFER_SEGMENT << 4
        push    ecx
        call    vf_submit
        call    vf_wait
        pop     ecx
        jc      .failed
        inc     dword [requests]
        add     ebp, ecx
        shl     ecx, 7                          ; dwords
        mov     ax, BUFFER_SEGMENT
        mov     es, ax
        xor     di, di
        mov     ebx, [checksum]
        call    window_checksum
        mov     [checksum], ebx
        jmp     .next
.done:
        clc
        ret
.failed:
        mov     [status], al
        stc
        ret

no_vf:
        test_fail_with msg_no_vf
failed:
        mov     si, msg_failed
        call    print
        mov     al, [status]
        call    print_hex8
        call    newline
        test_fail
disagree:
        test_fail_with msg_disagree
canary:
        test_fail_with msg_canary

%include "assigned-vf.inc"
%include "window-checksum.inc"
        emutest_routines
        emutest_routines_386

per_request     dw      64
pass            dw      0
victim          db      0
status          db      0
requests        dd      0
checksum        dd      0
first           dd      0
msg_vf          db      "vf ", 0
msg_window      db      " window ", 0
msg_requests    db      " sectors, requests ", 0
msg_irqs        db      ", interrupts ", 0
msg_passes      db      ", passes ", 0
msg_checksum    db      ", checksum ", 0
msg_ready       db      "victim ready", 10, 0
msg_pass        db      "pass ", 0
msg_no_vf       db      "read-window: no virtual function at D4000h", 10, 0
msg_failed      db      "read-window: request failed, status ", 0
msg_disagree    db      "read-window: the passes read different data", 10, 0
msg_canary      db      "read-window: the canary at 30000h changed", 10, 0
