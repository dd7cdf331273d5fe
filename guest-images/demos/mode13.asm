; mode13: draws into the VGA mode 13h window (320x200, a byte per pixel at A000:0000) and sets a
; few palette entries through the DAC (ports 3C8/3C9). Emu renders the window on demand:
;   emu run guest-images/demos/mode13.bin --screenshot mode13.png
; The picture: the 256 default colours as 16x16 tiles in the top half, a diagonal colour ramp in the
; bottom half, and a white border (colour 15) drawn last.
;
; expect-output: mode13: drawn
; expect-exit: 0

        cpu     8086
        org     0x7C00

start:
        mov     ax, 0x0013              ; INT 10h AH=00h: set mode 13h, so the screen shows the window
        int     0x10
        cli
        cld
        mov     ax, 0xA000
        mov     es, ax

        ; top half: 16 rows x 16 columns of 20x6 tiles, colour = row * 16 + column
        xor     di, di
        xor     dx, dx                  ; DX = y
.top_row:
        xor     bx, bx                  ; BX = x
.top_pixel:
        mov     ax, dx
        mov     cl, 6
        div     cl                      ; AL = y / 6 (tile row)
        mov     ah, 0
        mov     cl, 4
        shl     ax, cl                  ; AX = tile row * 16
        push    ax
        mov     ax, bx
        mov     cl, 20
        div     cl                      ; AL = x / 20 (tile column)
        pop     cx
        add     al, cl
        stosb
        inc     bx
        cmp     bx, 320
        jb      .top_pixel
        inc     dx
        cmp     dx, 96
        jb      .top_row

        ; bottom half: colour = (x + y) & 0xFF
.bottom_row:
        xor     bx, bx
.bottom_pixel:
        mov     ax, bx
        add     ax, dx
        stosb
        inc     bx
        cmp     bx, 320
        jb      .bottom_pixel
        inc     dx
        cmp     dx, 200
        jb      .bottom_row

        ; border in colour 15 (white): top and bottom rows, left and right columns
        mov     al, 15
        xor     di, di
        mov     cx, 320
        rep     stosb
        mov     di, 199 * 320
        mov     cx, 320
        rep     stosb
        xor     di, di
        mov     cx, 200
.sides:
        mov     [es:di], al
        mov     [es:di + 319], al
        add     di, 320
        loop    .sides

        ; palette entry 0 (background of the ramp's start) becomes a dark blue: R, G, B (6 bits)
        mov     dx, 0x3C8
        xor     al, al
        out     dx, al
        inc     dx
        out     dx, al
        out     dx, al
        mov     al, 0x18
        out     dx, al

        xor     ax, ax
        mov     ds, ax
        mov     si, message
        mov     dx, 0xE9
.print:
        lodsb
        test    al, al
        jz      .done
        out     dx, al
        jmp     .print
.done:
        hlt

message:
        db      "mode13: drawn", 10, 0

        times   510 - ($ - $$) db 0
        dw      0xAA55
