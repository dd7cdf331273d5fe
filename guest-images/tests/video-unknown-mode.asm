; video-unknown-mode: records mode 12h (640x480, 16 colours) in the BIOS data area, as a program that
; programs the VGA's registers itself would, and halts. Emu draws text modes and mode 13h only, so
; --screenshot must refuse in one line instead of writing a picture of the wrong thing.
;
; expect-exit: 0

        cpu     8086
%include "boot.inc"

        boot_segments ds
        mov     byte [0x449], 0x12
        cli
        hlt
