; kernel.asm: the Emu OS kernel (KERNEL.SYS on the boot floppy; boot.asm loads it at 1000:0000).
; A small DOS: INT 21h system calls (dos.inc) over FAT12/FAT16 (fat.inc, file.inc, path.inc,
; cache.inc) over a block layer (blk.inc) with four drivers chosen at run time (drv-*.inc), and a
; shell (shell.inc). 8086 code except the virtio driver, which needs a 386 and is only used on one.
; See docs/GUEST-OS.md.
        cpu     8086
        org     0

KSTACK_TOP      equ     0xFFFE
LINE_MAX        equ     128
PATH_MAX        equ     128
CMD_MAX         equ     64
%define VBLK_VECTOR     0x73                    ; IRQ 11 (the slave 8259 at 70h, as the BIOS left it)
%define ATA_VECTOR      0x76                    ; IRQ 14
%define ATA_BM_VAR                              ; the bus-master base from PCI (drv-ata-dma.inc)
%define ATA_8086                                ; include/ata.inc as 8086 code (LBA in SI:BX)
%define ATA_STRING_IO   byte [cs:cpu386]        ; REP INSW/OUTSW only where they exist (186+; we know 386+)

start:
        cli
        mov     ax, cs
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, KSTACK_TOP
        sti
        cld
        mov     di, bss_start
        mov     cx, bss_end - bss_start
        xor     al, al
        rep     stosb
        mov     [vol_a + vol.bios_drive], dl
        call    layer_probe
        call    cpu_detect
        call    crc32_init
        ; INT 20h and INT 21h
        xor     ax, ax
        mov     es, ax
        cli
        mov     word [es:0x20 * 4], int20
        mov     [es:0x20 * 4 + 2], cs
        mov     word [es:0x21 * 4], int21
        mov     [es:0x21 * 4 + 2], cs
        sti
        push    cs
        pop     es
        mov     word [dta], default_dta
        mov     [dta + 2], cs
        mov     byte [drv_current], DRV_NONE
        ; A: the boot floppy
        mov     si, vol_a
        mov     byte [si + vol.unit], 0
        mov     byte [si + vol.letter], 'A'
        call    floppy_geometry
        call    vol_mount
        mov     si, msg_banner
        call    con_puts
        ; C: the data disk, through the first driver that finds a device: ATA PIO, virtio, the BIOS
        call    blk_save_vectors
        mov     si, boot_drivers
.driver:
        lodsb
        cmp     al, DRV_NONE
        je      .no_driver
        xor     ah, ah
        push    si
        call    blk_select
        pop     si
        jc      .driver
        call    mount_c
.no_driver:
        call    show_driver
        jmp     shell

; floppy_geometry: SI = the floppy's volume. Sectors per track and heads from INT 13h 08h (the
; BPB's, read by vol_mount, must agree), so the boot sector itself can be read.
floppy_geometry:
        push    es
        mov     ah, 0x08
        mov     dl, [si + vol.bios_drive]
        int     0x13
        pop     es
        mov     ax, 18
        mov     bx, 2
        jc      .set
        mov     al, cl
        and     ax, 0x3F
        mov     bl, dh
        xor     bh, bh
        inc     bx
.set:
        mov     [si + vol.spt], ax
        mov     [si + vol.heads], bx
        ret

boot_drivers    db      0, 2, 3, DRV_NONE       ; ata-pio, virtio, bios

; cpu_detect: cpu386 = 1 on a 386 or later (FLAGS bits 12-15: all set on an 8086/186, all clear
; in real mode on a 286)
cpu_detect:
        pushf
        pop     ax
        mov     cx, ax
        and     ax, 0x0FFF
        push    ax
        popf
        pushf
        pop     ax
        and     ax, 0xF000
        cmp     ax, 0xF000
        je      .done
        mov     ax, cx
        or      ax, 0x7000
        push    ax
        popf
        pushf
        pop     ax
        test    ax, 0x7000
        jz      .done
        mov     byte [cpu386], 1
.done:
        push    cx
        popf
        ret

msg_banner      db      "Emu OS 1.0", 13, 10, 0

%include "layer.inc"
%include "con.inc"
%include "crc32.inc"
%include "blk.inc"
%include "drv-bios.inc"
%include "ata.inc"
%include "drv-ata-pio.inc"
%include "drv-ata-dma.inc"
%include "drv-virtio.inc"
        cpu     386
%include "virtio-blk.inc"
%include "pci.inc"
        cpu     8086
%include "cache.inc"
%include "fat.inc"
%include "path.inc"
%include "file.inc"
%include "dos.inc"
%include "shell.inc"

        section .bss
bss_start:
crc_table       resb    1024
cache_hdrs      resb    CACHE_COUNT * centry_size
cache_data      resb    CACHE_COUNT * 512
cache_victim    resw    1
cache_last      resw    1
vol_a           resb    vol_size
vol_c           resb    vol_size
files           resb    FILE_COUNT * file_size
cpu386          resb    1
cur_drive       resb    1
drv_current     resb    1
grow            resb    1
r_named         resb    1
last_function   resb    1
return_code     resb    1
layers_on       resb    1
                resb    1
drv_entry       resw    1
drv_saved_vectors resd  DRV_VECTORS
de_lba          resd    1
de_off          resw    1
r_vol           resw    1
r_dir           resw    1
pattern         resb    12
rw_buf          resw    1
rw_left         resw    1
rw_done         resw    1
run_cluster     resw    1
dta             resd    1
dispatch_to     resw    1
current_psp     resw    1
exec_sp         resw    1
exec_ss         resw    1
exec_bp         resw    1
args            resw    1
copy_src        resw    1
copy_in         resw    1
copy_out        resw    1
sum_path        resw    1
sum_size        resd    1
sum_crc         resd    1
exec_block      resw    7
default_dta     resb    128
line_buf        resb    LINE_MAX + 4
path_buf        resb    PATH_MAX
path_prog       resb    PATH_MAX + 16
arg_path        resb    PATH_MAX + 16
cmd_word        resb    CMD_MAX
tail_buf        resb    130
bss_end:
