; identify: IDENTIFY DEVICE and the non-data commands of the minimum set on the primary master:
; SET FEATURES (transfer mode, an unknown subcommand), CHECK POWER MODE, STANDBY/IDLE IMMEDIATE,
; EXECUTE DEVICE DIAGNOSTIC, INITIALIZE DEVICE PARAMETERS, RECALIBRATE.
; Run: emu run identify.bin --disk disk.img   (disk.img: tools/make-ata-test-disk.py, 2048 sectors)
; disk: disk.img
;
; expect-output: identify: start
; expect-output: identify irqs=1 status=50 error=00
; expect-output: identify model=EMU HARDDISK
; expect-output: identify word0=0040 word47=8010 word49=0B00 word59=0110 word63=0407 word83=7400 word88=003F
; expect-output: identify lba28-sectors=2048 lba48-sectors=2048 chs=2/16/63
; expect-output: set-features mwdma2 status=50 error=00
; expect-output: identify word63=0407 word88=003F
; expect-output: set-features udma2 status=50 error=00
; expect-output: identify word63=0007 word88=043F
; expect-output: set-features 31 status=41 error=04
; expect-output: check-power-mode status=50 error=00
; expect-output: power mode count=FF
; expect-output: standby-immediate status=50 error=00
; expect-output: check-power-mode status=50 error=00
; expect-output: power mode count=00
; expect-output: idle-immediate status=50 error=00
; expect-output: init-device-parameters status=50 error=00
; expect-output: identify current chs=8/8/32
; expect-output: recalibrate status=50 error=00
; expect-output: execute-diagnostic status=50 error=01
; expect-output: diagnostic signature count=01 lba=01/00/00
; expect-output: identify: done
; expect-exit: 1

%include "ata-test.inc"

; Prints " wordN=XXXX" for IDENTIFY word %1 in the buffer.
%macro WORD 1
        PUTS    " word", %str(%1), "="
        mov     ax, [es:%1 * 2]
        call    print_hex16
%endmacro

; Prints IDENTIFY words %1, %2, %3 (cylinders, heads, sectors per track) as "C/H/S" in decimal.
%macro CHS 3
        movzx   eax, word [es:%1 * 2]
        call    print_dec32
        PUTS    "/"
        mov     ax, [es:%2 * 2]
        call    print_dec32
        PUTS    "/"
        mov     ax, [es:%3 * 2]
        call    print_dec32
%endmacro

main:
        PUTLN   "identify: start"
        call    identify
        push    es
        push    word BUF_SEG
        pop     es

        ; Model: words 27-46, first character in the high byte, trailing spaces dropped.
        PUTS    "identify model="
        mov     si, 27 * 2 + 39         ; the last character (low byte of word 46)
        mov     cx, 40
.trim:
        mov     bx, si
        xor     bx, 1                   ; byte-swapped position
        cmp     byte [es:bx], ' '
        jne     .trimmed
        dec     si
        loop    .trim
.trimmed:
        mov     si, 27 * 2
.model:
        jcxz    .model_done
        mov     bx, si
        xor     bx, 1
        mov     al, [es:bx]
        call    putc
        inc     si
        dec     cx
        jmp     .model
.model_done:
        call    newline

        PUTS    "identify"
        WORD    0
        WORD    47
        WORD    49
        WORD    59
        WORD    63
        WORD    83
        WORD    88
        call    newline
        PUTS    "identify lba28-sectors="
        mov     eax, [es:60 * 2]
        call    print_dec32
        PUTS    " lba48-sectors="
        mov     eax, [es:100 * 2]
        call    print_dec32
        PUTS    " chs="
        CHS     1, 3, 6
        call    newline
        pop     es

        ; SET FEATURES 03: transfer mode. Count 22h = multiword DMA 2, 42h = UDMA 2.
        mov     si, name_mwdma
        mov     bx, 0x03EF
        mov     cl, 0x22
        call    non_data
        call    identify_dma_words
        mov     si, name_udma
        mov     bx, 0x03EF
        mov     cl, 0x42
        call    non_data
        call    identify_dma_words
        mov     si, name_sf31           ; an unknown subcommand aborts
        mov     bx, 0x31EF
        call    non_data

        ; Power management: CHECK POWER MODE answers in Sector Count (FF active/idle, 00 standby).
        call    check_power_mode
        mov     si, name_standby
        mov     bx, 0x00E0
        call    non_data
        call    check_power_mode
        mov     si, name_idle
        mov     bx, 0x00E1
        call    non_data

        ; INITIALIZE DEVICE PARAMETERS: 8 heads (Device bits 3:0 = heads - 1), 32 sectors per track.
        mov     dx, ATA_DEVICE
        mov     al, 0xA7
        out     dx, al
        mov     si, name_idp
        mov     bx, 0x0091
        mov     cl, 32
        call    non_data
        call    identify
        push    es
        push    word BUF_SEG
        pop     es
        PUTS    "identify current chs="
        CHS     54, 55, 56
        call    newline
        pop     es
        mov     si, name_recal
        mov     bx, 0x0010
        call    non_data

        ; EXECUTE DEVICE DIAGNOSTIC: Error 01 (device 0 passed, no device 1) and the signature.
        mov     si, name_diag
        mov     bx, 0x0090
        call    non_data
        PUTS    "diagnostic signature count="
        PRINT_COUNT_LBA
        call    newline

        PUTLN   "identify: done"
        test_pass

; identify: IDENTIFY DEVICE into BUF_SEG:0 (the first call prints its interrupt count and status).
identify:
        mov     dx, ATA_DEVICE
        mov     al, 0xE0
        out     dx, al
        call    start_count
        mov     bl, 0xEC
        call    command
        PIO_IN  1, 1
        jc      .failed
        cmp     byte [identify_printed], 0
        jne     .quiet
        mov     byte [identify_printed], 1
        PUTS    "identify"
        call    print_irqs
        call    print_status_error
.quiet:
        ret
.failed:
        FAIL    "IDENTIFY DEVICE"
identify_printed: db 0

identify_dma_words:
        call    identify
        push    es
        push    word BUF_SEG
        pop     es
        PUTS    "identify"
        WORD    63
        WORD    88
        call    newline
        pop     es
        ret

check_power_mode:
        mov     si, name_cpm
        mov     bx, 0x00E5
        mov     cl, 0x5A                ; overwritten by the answer
        call    non_data
        PUTS    "power mode count="
        mov     dx, ATA_COUNT
        in      al, dx
        call    print_hex8
        call    newline
        ret

name_mwdma:     db      "set-features mwdma2", 0
name_udma:      db      "set-features udma2", 0
name_sf31:      db      "set-features 31", 0
name_cpm:       db      "check-power-mode", 0
name_standby:   db      "standby-immediate", 0
name_idle:      db      "idle-immediate", 0
name_idp:       db      "init-device-parameters", 0
name_recal:     db      "recalibrate", 0
name_diag:      db      "execute-diagnostic", 0

%include "ata-end.inc"
