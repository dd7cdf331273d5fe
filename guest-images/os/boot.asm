; boot.asm: the boot sector of the Emu OS floppy (guest-images/os/os.img). 8086 code.
; The BIOS loads it at 0000:7C00 with DL = the boot drive. It reads the BPB that mkfs.fat wrote
; (tools/build-os-image.sh keeps bytes 3..61 of the formatted sector and puts this code around
; them), finds KERNEL.SYS in the root directory, follows its cluster chain in the FAT12 and loads
; it at 1000:0000, then jumps there with DL = the boot drive. Nothing is at fixed sectors.
        cpu     8086
        org     0x7C00

KERNEL_SEG      equ     0x1000
ROOT_BUF        equ     0x0500          ; the root directory, then the FAT (both below 7C00)

bpb_spc         equ     0x7C0D          ; byte: sectors per cluster
bpb_reserved    equ     0x7C0E
bpb_fats        equ     0x7C10          ; byte
bpb_root_ents   equ     0x7C11
bpb_fat_size    equ     0x7C16
bpb_spt         equ     0x7C18
bpb_heads       equ     0x7C1A

        jmp     short start
        nop
        times   0x3E - ($ - $$) db 0    ; the BPB: mkfs.fat's bytes go here

start:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, 0x7C00
        sti
        cld
        mov     [drive], dl
        ; root directory: after the reserved sectors and the FATs; data: after the root directory
        mov     al, [bpb_fats]
        cbw
        mul     word [bpb_fat_size]
        add     ax, [bpb_reserved]
        mov     [root_lba], ax
        mov     cx, [bpb_root_ents]
        push    cx
        mov     cl, 4
        mov     ax, [bpb_root_ents]
        add     ax, 15
        shr     ax, cl                          ; sectors of 16 entries
        mov     cx, ax
        add     ax, [root_lba]
        mov     [data_lba], ax
        mov     ax, [root_lba]
        mov     bx, ROOT_BUF
        call    read_sectors
        xor     ax, ax
        mov     es, ax                          ; read_sectors moved ES on
        pop     cx                              ; entries to look at
        mov     di, ROOT_BUF
.find:
        push    cx
        push    di
        mov     si, kernel_name
        mov     cx, 11
        repe    cmpsb
        pop     di
        pop     cx
        je      .found
        add     di, 32
        loop    .find
        mov     si, msg_missing
        jmp     fail
.found:
        mov     ax, [di + 0x1A]                 ; first cluster
        push    ax
        mov     ax, [bpb_reserved]              ; the first FAT over the root directory buffer
        mov     cx, [bpb_fat_size]
        mov     bx, ROOT_BUF
        push    es
        call    read_sectors
        pop     es
        pop     ax
        mov     bx, KERNEL_SEG
        mov     es, bx
        xor     bx, bx
.cluster:
        push    ax
        sub     ax, 2
        mov     cl, [bpb_spc]
        xor     ch, ch
        mul     cx
        add     ax, [data_lba]
        call    read_sectors                    ; ES:BX advances by CX sectors
        pop     ax
        ; next cluster: the 12-bit entry at byte cluster * 3 / 2
        mov     si, ax
        shr     si, 1
        add     si, ax
        mov     dx, [ROOT_BUF + si]
        test    al, 1
        jz      .even
        mov     cl, 4
        shr     dx, cl
.even:
        and     dx, 0x0FFF
        mov     ax, dx
        cmp     ax, 0x0FF8
        jb      .cluster
        mov     dl, [drive]
        jmp     KERNEL_SEG:0

; read_sectors: AX = first LBA, CX = count, ES:BX = buffer (advanced past the data; ES moves on
; by 32 paragraphs a sector so BX stays 0 at the kernel's segment). One sector per call, three tries.
read_sectors:
        push    ax
        push    cx
        mov     di, 3
.try:
        push    ax
        push    bx
        xor     dx, dx
        div     word [bpb_spt]
        inc     dl
        mov     cl, dl                          ; sector
        xor     dx, dx
        div     word [bpb_heads]
        mov     ch, al                          ; cylinder (low 8 bits: a floppy has at most 80)
        mov     dh, dl                          ; head
        mov     dl, [drive]
        mov     ax, 0x0201
        int     0x13
        pop     bx
        pop     ax
        jnc     .ok
        dec     di
        jnz     .try
        mov     si, msg_disk
        jmp     fail
.ok:
        mov     dx, es
        add     dx, 0x20
        mov     es, dx
        pop     cx
        pop     ax
        inc     ax
        loop    read_sectors
        ret

fail:
        lodsb
        test    al, al
        jz      .stop
        mov     ah, 0x0E
        mov     bx, 7
        int     0x10
        jmp     fail
.stop:
        int     0x18

kernel_name     db      "KERNEL  SYS"
msg_missing     db      "no KERNEL.SYS", 13, 10, 0
msg_disk        db      "disk read error", 13, 10, 0
drive           db      0
root_lba        dw      0
data_lba        dw      0

        times   510 - ($ - $$) db 0
        dw      0xAA55
