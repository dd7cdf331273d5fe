; bios: Emu's PC BIOS. A 64 KiB ROM mapped at F0000; the CPU resets to FFFF:0000, which jumps to
; POST. POST fills the interrupt vector table and the BIOS data area, programs the 8259 pair and
; the 8254 as a PC BIOS leaves them, clears the screen and boots: the program `emu run` was given,
; else the floppy (DL = 00h), else the first hard disk (DL = 80h), loaded at 0000:7C00.
;
; Services live partly here (timer, keyboard buffer, serial, system, clock, boot, and the hard
; disks on the ATA controller: bios-ata.inc) and partly in the VMM behind VMCALL hypercalls (video,
; floppy and hypercall-mode disks, scancode translation): docs/HYPERCALLS.md defines the ABI. Every piece of state a program may look at is kept where a PC keeps it: the BDA at
; 0040:0000, the IVT, the text screen at B800:0000.
;
; The firmware runs on every CPU model, so it is written for the 8086.

        cpu     8086
        org     0

; ---- hypercall numbers (AX at VMCALL): keep in step with Emu.Hypervisor/Firmware/Hypercall.cs ----
HC_GET_CONFIG   equ     0x0001  ; -> BL floppy type, BH hard disks, CL disk mode, DX base memory KiB
HC_START_PROG   equ     0x0002  ; -> AX 1 and CX:DX entry, SI stack pointer, if `emu run` gave a program
HC_STOP         equ     0x0003  ; DS:SI reason (zero-terminated): ends the run
HC_UNSUPPORTED  equ     0x0004  ; BL interrupt, BH function: counted for --stats
HC_KEY          equ     0x0009  ; BL set-1 scancode: translated and stored in the keyboard buffer
HC_INT10        equ     0x0010  ; INT 10h frame service (caller's AX at SS:SP)
HC_INT13        equ     0x0013  ; INT 13h frame service (caller's AX at SS:SP)

%macro  hypercall 1
        mov     ax, %1
        db      0x0F, 0x01, 0xC1        ; VMCALL
%endmacro

BDA             equ     0x40
BOOT_ADDR       equ     0x7C00
REASON_BUF      equ     0x0500          ; 0000:0500, scratch for the no-boot reason before a boot

; BDA offsets
B_COM1          equ     0x00
B_EQUIPMENT     equ     0x10
B_EBDA_SEG      equ     0x0E            ; segment of the block POST took from the top of memory (virtio), 0 = none
B_MEMSIZE       equ     0x13
B_SHIFT         equ     0x17
B_KBD_HEAD      equ     0x1A
B_KBD_TAIL      equ     0x1C
B_KBD_BUF       equ     0x1E
B_KBD_BUF_END   equ     0x3E
B_TICKS         equ     0x6C
B_MIDNIGHT      equ     0x70
B_HD_STATUS     equ     0x74
B_HD_COUNT      equ     0x75
B_HD_INTR       equ     0x8E            ; FFh once IRQ 14 came (INT 76h sets it)
B_COM_TIMEOUT   equ     0x7C
B_KBD_START     equ     0x80
B_KBD_END       equ     0x82
B_KBD_FLAGS3    equ     0x96

; The BDA's BIOS-reserved tail (0040:00B0-00FF) holds the disk driver's state; POST clears it.
B_DISK_MODE     equ     0xB0            ; driver the VMM reported: 0 hypercall, 1 ATA PIO, 2 ATA DMA, 3 virtio
B_DISK_DRIVER   equ     0xB1            ; driver INT 13h uses for hard disks: 0 hypercall, 1 ATA PIO, 2 ATA DMA, 3 virtio
B_CPU_LEVEL     equ     0xB2            ; 0 8086/8088, 1 80186/80286 (INSW/OUTSW), 2 80386+ (32-bit I/O, PCI)
B_BM_BASE       equ     0xB4            ; word: bus-master base port (PCI BAR4), 0 = none
B_PRD           equ     0xB8            ; DMA PRD table: two 8-byte entries, physical 004B8h..004C7h
B_ATA_DRIVES    equ     0xC8            ; ATA_MAX_DRIVES drive entries of ATA_ENTRY bytes (to 00F7h)
ATA_ENTRY       equ     12
ATA_MAX_DRIVES  equ     4
; drive entry: +0 unit (bit 0 slave, bit 1 secondary channel), +1 flags (ATAF_*), +2 cylinders (word,
; at most 1024), +4 heads, +5 sectors per track, +6 sector count (48 bits: dword, then word)
ATAF_LBA48      equ     0x01
ATAF_DMA        equ     0x02
ATAF_VIRTIO     equ     0x80            ; the virtio-blk disk (unit unused), served by bios-ata.inc's virtio_*
IDENTIFY_BUF    equ     0x0600          ; 0000:0600, POST's scratch for IDENTIFY data (before any boot)

TICKS_PER_DAY_HI equ    0x0018
TICKS_PER_DAY_LO equ    0x00B0

; =============================================================================================
; POST
; =============================================================================================
post:
        cli
        cld
        xor     ax, ax
        mov     ss, ax
        mov     sp, BOOT_ADDR
        mov     ds, ax
        mov     es, ax

        ; IVT: every vector to an IRET, then the BIOS's own. Vector 0 is written, and REP MOVSW copies each
        ; entry onto the next (source one entry below the destination: each word copied was written by the
        ; copy itself). One instruction instead of a 256-pass loop, which made the VMM compile a block at
        ; every start for a loop that never runs again.
        xor     di, di
        mov     ax, default_iret
        stosw
        mov     ax, cs
        stosw
        xor     si, si
        mov     cx, 255 * 2
        rep movsw
        mov     si, vector_table
.vectors:
        cs lodsb
        cmp     al, 0xFF
        je      .vectors_done
        xor     ah, ah
        shl     ax, 1
        shl     ax, 1
        mov     di, ax
        cs lodsw
        stosw
        mov     ax, cs
        stosw
        jmp     .vectors
.vectors_done:
        mov     word [0x1D * 4], 0      ; no video parameter table, no 8x8 upper font
        mov     word [0x1D * 4 + 2], 0
        mov     word [0x1F * 4], 0
        mov     word [0x1F * 4 + 2], 0

        ; BIOS data area: cleared, then filled.
        mov     ax, BDA
        mov     es, ax
        xor     di, di
        xor     ax, ax
        mov     cx, 128
        rep stosw
        mov     ax, BDA
        mov     ds, ax
        mov     word [B_COM1], 0x3F8    ; COM1; COM2-4 and LPT1-3 absent (zero)
        mov     byte [B_COM_TIMEOUT], 1 ; serial timeout: 1 second
        mov     word [B_KBD_HEAD], B_KBD_BUF
        mov     word [B_KBD_TAIL], B_KBD_BUF
        mov     word [B_KBD_START], B_KBD_BUF
        mov     word [B_KBD_END], B_KBD_BUF_END
        mov     byte [B_KBD_FLAGS3], 0x10 ; enhanced (101-key) keyboard

        hypercall HC_GET_CONFIG         ; BL floppy type, BH hard disks, CL disk mode, DX base KiB
        cmp     ax, 0xFFFF
        jne     .have_config
        xor     bx, bx                  ; no VMM answer: no disks
        xor     cx, cx
        xor     dx, dx
.have_config:
        mov     [B_HD_COUNT], bh
        mov     [B_DISK_MODE], cl
        mov     ax, 0x0220              ; 1 serial port, 80x25 colour video
        test    bl, bl
        jz      .no_floppy
        or      al, 0x01                ; one floppy drive
.no_floppy:
        mov     [B_EQUIPMENT], ax
        ; memory size: CMOS 15h/16h (KiB below 640K)
        mov     al, 0x16
        out     0x70, al
        in      al, 0x71
        mov     ah, al
        mov     al, 0x15
        out     0x70, al
        in      al, 0x71
        test    ax, ax
        jnz     .mem_ok
        mov     ax, dx                  ; CMOS says nothing: the VMM's figure
.mem_ok:
        cmp     ax, 640
        jbe     .mem_store
        mov     ax, 640
.mem_store:
        mov     [B_MEMSIZE], ax

        ; 8259 pair: ICW1 edge/cascade/ICW4, ICW2 bases 08h and 70h, ICW3 cascade on IR2, ICW4 8086
        mov     al, 0x11
        out     0x20, al
        out     0xA0, al
        mov     al, 0x08
        out     0x21, al
        mov     al, 0x70
        out     0xA1, al
        mov     al, 0x04
        out     0x21, al
        mov     al, 0x02
        out     0xA1, al
        mov     al, 0x01
        out     0x21, al
        out     0xA1, al
        mov     al, 0xF8                ; master: timer, keyboard and the cascade on
        out     0x21, al
        mov     al, 0xBE                ; slave: RTC (IRQ 8) and the primary disk (IRQ 14) on
        out     0xA1, al

        ; 8254 channel 0: lobyte/hibyte, mode 3, divisor 0 (65536): 18.2 Hz
        mov     al, 0x36
        out     0x43, al
        xor     al, al
        out     0x40, al
        out     0x40, al

        ; 8042: keyboard interrupt and translation on, system flag set (POST passed)
        mov     al, 0x60
        out     0x64, al
        mov     al, 0x45
        out     0x60, al

        ; video: mode 03h, which clears the screen and homes the cursor
        mov     ax, 0x0003
        int     0x10

        sti

        call    detect_cpu
        mov     [B_CPU_LEVEL], al
        call    ata_post                ; --bios-disk pio/dma: find the ATA disks (and the bus master)

        ; `emu run PROGRAM`: the VMM loads it now and tells where it starts.
        hypercall HC_START_PROG
        cmp     ax, 1
        jne     .boot
        cli
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, cx
        mov     sp, si
        mov     ds, cx
        mov     es, cx
        push    cx
        push    dx
        xor     ax, ax
        xor     bx, bx
        xor     cx, cx
        xor     si, si
        xor     di, di
        xor     bp, bp
        mov     dx, 0x0080              ; as a boot sector from the first hard disk
        sti
        retf

.boot:
        int     0x19
        jmp     .boot                   ; INT 19h does not return

; IVT entries the BIOS owns: vector byte, handler offset; FFh ends the list.
vector_table:
        db      0x08
        dw      int08
        db      0x09
        dw      int09
        db      0x0A
        dw      irq_master
        db      0x0B
        dw      irq_master
        db      0x0C
        dw      irq_master
        db      0x0D
        dw      irq_master
        db      0x0E
        dw      irq_master
        db      0x0F
        dw      irq_master
        db      0x10
        dw      int10
        db      0x11
        dw      int11
        db      0x12
        dw      int12
        db      0x13
        dw      int13
        db      0x14
        dw      int14
        db      0x15
        dw      int15
        db      0x16
        dw      int16
        db      0x17
        dw      int17
        db      0x18
        dw      int18
        db      0x19
        dw      int19
        db      0x1A
        dw      int1a
        db      0x1E
        dw      diskette_params
        db      0x70
        dw      int70
        db      0x71
        dw      irq_slave
        db      0x72
        dw      irq_slave
        db      0x73
        dw      irq_slave
        db      0x74
        dw      irq_slave
        db      0x75
        dw      irq_slave
        db      0x76
        dw      int76
        db      0x77
        dw      int77
        db      0xFF

; =============================================================================================
; Common exits. They assume only the interrupt frame (IP, CS, FLAGS) is on the stack.
; =============================================================================================
default_iret:
        iret

iret_cf_clear:
        push    bp
        mov     bp, sp
        and     byte [ss:bp + 6], 0xFE
        pop     bp
        iret

iret_cf_set:
        push    bp
        mov     bp, sp
        or      byte [ss:bp + 6], 0x01
        pop     bp
        iret

; report_unsupported: AL = interrupt, AH = function; counted by the VMM (--stats). Keeps registers.
report_unsupported:
        push    ax
        push    bx
        mov     bx, ax
        hypercall HC_UNSUPPORTED
        pop     bx
        pop     ax
        ret

; =============================================================================================
; Hardware interrupts
; =============================================================================================
irq_master:                             ; IRQ 2-7 nobody claimed: acknowledge
        push    ax
        mov     al, 0x20
        out     0x20, al
        pop     ax
        iret

irq_slave:                              ; IRQ 9-15 nobody claimed
        push    ax
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

int70:                                  ; RTC: read register C so the next interrupt can come
        push    ax
        mov     al, 0x0C
        out     0x70, al
        in      al, 0x71
        mov     al, 0x20
        out     0xA0, al
        out     0x20, al
        pop     ax
        iret

; INT 08h: IRQ 0, 18.2 times a second. Counts ticks since midnight, rolls over at 1800B0h ticks
; setting the midnight flag, calls INT 1Ch and acknowledges the PIC.
int08:
        push    ax
        push    ds
        mov     ax, BDA
        mov     ds, ax
        add     word [B_TICKS], 1
        adc     word [B_TICKS + 2], 0
        cmp     word [B_TICKS + 2], TICKS_PER_DAY_HI
        jb      .counted
        cmp     word [B_TICKS], TICKS_PER_DAY_LO
        jb      .counted
        mov     word [B_TICKS], 0
        mov     word [B_TICKS + 2], 0
        mov     byte [B_MIDNIGHT], 1
.counted:
        int     0x1C
        mov     al, 0x20
        out     0x20, al
        pop     ds
        pop     ax
        iret

; INT 09h: IRQ 1. Takes the scancode from the 8042 (when the buffer has room) and has the VMM
; translate it (US layout, shift states in 0040:0017) into the keyboard buffer.
int09:
        push    ax
        push    bx
        push    ds
        mov     ax, BDA
        mov     ds, ax
        call    kbd_poll
        mov     al, 0x20
        out     0x20, al
        pop     ds
        pop     bx
        pop     ax
        iret

; kbd_poll: DS = BDA. If the 8042 holds a byte and the buffer has room, reads and stores it. A full
; buffer leaves the byte in the 8042, so typed input waits instead of being lost; INT 16h polls
; again when it takes a key. Clobbers AX.
kbd_poll:
        push    bx
        in      al, 0x64
        test    al, 0x01
        jz      .done
        test    al, 0x20                ; a mouse byte: not ours, drop it
        jz      .room
        in      al, 0x60
        jmp     .done
.room:
        mov     bx, [B_KBD_TAIL]
        add     bx, 2
        cmp     bx, [B_KBD_END]
        jb      .no_wrap
        mov     bx, [B_KBD_START]
.no_wrap:
        cmp     bx, [B_KBD_HEAD]
        je      .done                   ; full
        in      al, 0x60
        mov     ah, 0x4F                ; INT 15h/4Fh keyboard intercept: CF clear = swallow
        stc
        int     0x15
        jnc     .done
        mov     bl, al
        hypercall HC_KEY
.done:
        pop     bx
        ret

; =============================================================================================
; INT 10h video and INT 13h through the hypercall driver: served by the VMM on the caller's frame
; =============================================================================================
int10:
        push    ax
        hypercall HC_INT10
        pop     ax
        iret

; INT 13h: floppies always, and hard disks when POST chose the hypercall driver (--bios-disk
; hypercall, and pio/dma/virtio when POST found nothing to drive), go to the VMM. Otherwise the hard
; disks are served by ata_int13 (bios-ata.inc), guest code driving the ATA controller or virtio-blk.
int13:
        cmp     dl, 0x80
        jb      int13_hypercall
        push    ds
        push    ax
        mov     ax, BDA
        mov     ds, ax
        cmp     byte [B_DISK_DRIVER], 0
        pop     ax
        pop     ds
        jne     ata_int13
int13_hypercall:
        push    ax
        hypercall HC_INT13
        pop     ax
        iret

%include "bios-ata.inc"

; =============================================================================================
; INT 11h equipment, INT 12h memory size
; =============================================================================================
int11:
        push    ds
        mov     ax, BDA
        mov     ds, ax
        mov     ax, [B_EQUIPMENT]
        pop     ds
        iret

int12:
        push    ds
        mov     ax, BDA
        mov     ds, ax
        mov     ax, [B_MEMSIZE]
        pop     ds
        iret

; =============================================================================================
; INT 14h serial: the 16550 at the BDA's COM port address (COM1 = 3F8h)
; =============================================================================================
int14:
        sti
        push    bx
        push    cx
        push    dx
        push    ds
        mov     bx, BDA
        mov     ds, bx
        cmp     dx, 3
        ja      .no_port
        mov     bx, dx
        shl     bx, 1
        mov     dx, [bx]                ; base port
        test    dx, dx
        jz      .no_port
        cmp     ah, 0
        je      .init
        cmp     ah, 1
        je      .send
        cmp     ah, 2
        je      .receive
        cmp     ah, 3
        je      .status
        mov     al, 0x14
        call    report_unsupported
        mov     ah, 0x01
        jmp     .fail
.no_port:
        mov     ah, 0x80                ; timeout: no such port
        jmp     .out
.init:                                  ; AL: baud (7-5), parity (4-3), stop (2), length (1-0)
        push    ax
        mov     bl, al
        mov     cl, 5
        shr     bl, cl
        xor     bh, bh
        shl     bx, 1
        mov     cx, [cs:baud_divisors + bx]
        add     dx, 3                   ; LCR
        mov     al, 0x80                ; DLAB
        out     dx, al
        sub     dx, 3
        mov     al, cl
        out     dx, al
        inc     dx
        mov     al, ch
        out     dx, al
        add     dx, 2
        pop     ax
        push    ax
        and     al, 0x1F
        out     dx, al                  ; LCR, DLAB off
        sub     dx, 3
        pop     ax
        jmp     .status
.send:
        mov     bl, al
        add     dx, 5                   ; LSR
        call    com_wait_start
.send_wait:
        in      al, dx
        test    al, 0x20                ; THRE
        jnz     .send_now
        call    com_wait_expired
        jnc     .send_wait
        mov     ah, al
        or      ah, 0x80
        mov     al, bl
        jmp     .out
.send_now:
        mov     ah, al
        sub     dx, 5
        mov     al, bl
        out     dx, al
        jmp     .out
.receive:
        add     dx, 5
        call    com_wait_start
.recv_wait:
        in      al, dx
        test    al, 0x01                ; data ready
        jnz     .recv_now
        call    com_wait_expired
        jnc     .recv_wait
        mov     ah, al
        or      ah, 0x80
        jmp     .out
.recv_now:
        and     al, 0x1E                ; error bits
        mov     ah, al
        sub     dx, 5
        in      al, dx
        jmp     .out
.status:
        add     dx, 5
        in      al, dx
        mov     ah, al
        inc     dx
        in      al, dx                  ; MSR
.out:
        pop     ds
        pop     dx
        pop     cx
        pop     bx
        iret
.fail:
        pop     ds
        pop     dx
        pop     cx
        pop     bx
        jmp     iret_cf_set

; com_wait_start: CX = the tick count when the wait began. com_wait_expired: CF set once
; 18 ticks (one second, BDA 0040:007C) have passed; halts until the next interrupt meanwhile.
com_wait_start:
        mov     cx, [B_TICKS]
        ret
com_wait_expired:
        push    ax
        push    dx
        mov     ax, [B_TICKS]
        sub     ax, cx
        mov     dl, [B_COM_TIMEOUT]
        mov     dh, 18
        xchg    ax, dx
        mul     ah                      ; ax = seconds * 18
        cmp     dx, ax
        jae     .expired
        sti
        hlt
        pop     dx
        pop     ax
        clc
        ret
.expired:
        pop     dx
        pop     ax
        stc
        ret

baud_divisors:
        dw      1047, 768, 384, 192, 96, 48, 24, 12     ; 110 ... 9600 baud

; =============================================================================================
; INT 15h system services
; =============================================================================================
int15:
        cmp     ah, 0x4F                ; keyboard intercept: nothing to change, CF stays as given
        je      default_iret
        cmp     ah, 0x88
        je      .ext_memory
        cmp     ah, 0xC0
        je      .config
        cmp     ah, 0x24
        je      .a20
        cmp     ah, 0x86
        je      .wait
        cmp     ah, 0x90                ; device busy / interrupt complete: nothing to do
        je      .ok
        cmp     ah, 0x91
        je      .ok
        push    ax
        mov     al, 0x15
        call    report_unsupported
        pop     ax
        mov     ah, 0x86                ; INT 15h's "function not supported"
        jmp     iret_cf_set
.ok:
        xor     ah, ah
        jmp     iret_cf_clear
.ext_memory:                            ; AX = KiB above 1 MiB (CMOS 30h/31h)
        mov     al, 0x31
        out     0x70, al
        in      al, 0x71
        mov     ah, al
        mov     al, 0x30
        out     0x70, al
        in      al, 0x71
        jmp     iret_cf_clear
.config:
        mov     bx, cs
        mov     es, bx
        mov     bx, config_table
        xor     ah, ah
        jmp     iret_cf_clear
.a20:
        cmp     al, 0x03
        ja      .a20_bad
        cmp     al, 0x02
        je      .a20_status
        cmp     al, 0x03
        je      .a20_support
        push    ax
        mov     ah, al                  ; 0 = disable, 1 = enable
        in      al, 0x92
        and     al, 0xFC                ; never pulse the reset bit
        shl     ah, 1
        or      al, ah
        out     0x92, al
        pop     ax
        xor     ah, ah
        jmp     iret_cf_clear
.a20_status:
        in      al, 0x92
        shr     al, 1
        and     al, 1
        xor     ah, ah
        jmp     iret_cf_clear
.a20_support:
        mov     bx, 0x0002              ; fast A20 (port 92h)
        xor     ah, ah
        jmp     iret_cf_clear
.a20_bad:
        push    ax
        mov     ah, 0x24
        mov     al, 0x15
        call    report_unsupported
        pop     ax
        mov     ah, 0x86
        jmp     iret_cf_set
.wait:                                  ; CX:DX microseconds, measured in timer ticks (54.925 ms)
        sti
        push    ax
        push    bx
        push    cx
        push    dx
        push    ds
        push    si
        ; ticks = (CX:DX + 54924) / 54925, at most FFFFh
        mov     ax, dx
        mov     dx, cx
        add     ax, 54924
        adc     dx, 0
        jc      .wait_max
        mov     bx, 54925
        cmp     dx, bx
        jae     .wait_max
        div     bx                      ; ax = ticks
        mov     cx, ax
        jmp     .wait_go
.wait_max:
        mov     cx, 0xFFFF
.wait_go:
        mov     ax, BDA
        mov     ds, ax
        jcxz    .wait_done
        mov     si, [B_TICKS]
.wait_loop:
        hlt
        cmp     si, [B_TICKS]
        je      .wait_loop
        mov     si, [B_TICKS]
        loop    .wait_loop
.wait_done:
        pop     si
        pop     ds
        pop     dx
        pop     cx
        pop     bx
        pop     ax
        xor     ah, ah
        jmp     iret_cf_clear

config_table:
        dw      8                       ; bytes that follow
        db      0xFC                    ; model: AT
        db      0x01                    ; submodel
        db      0x00                    ; BIOS revision
        db      0x70                    ; second 8259, RTC, INT 15h/4Fh called by INT 09h
        db      0x00, 0x00, 0x00, 0x00

; =============================================================================================
; INT 16h keyboard
; =============================================================================================
int16:
        sti
        push    bx
        push    si
        push    ds
        mov     bx, BDA
        mov     ds, bx
        cmp     ah, 0x00
        je      .get
        cmp     ah, 0x10
        je      .get
        cmp     ah, 0x01
        je      .peek
        cmp     ah, 0x11
        je      .peek
        cmp     ah, 0x02
        je      .shift
        cmp     ah, 0x12
        je      .shift_ext
        cmp     ah, 0x05
        je      .store
        push    ax
        mov     al, 0x16
        call    report_unsupported
        pop     ax
        pop     ds
        pop     si
        pop     bx
        mov     ah, 0x01
        jmp     iret_cf_set

.get:                                   ; wait for a key and take it
        mov     bh, ah                  ; 00h or 10h
.get_wait:
        cli
        call    kbd_poll
        mov     si, [B_KBD_HEAD]
        cmp     si, [B_KBD_TAIL]
        jne     .get_have
        sti
        hlt                             ; until the keyboard (or the timer) interrupts
        jmp     .get_wait
.get_have:
        mov     ax, [si]
        call    next_slot
        mov     [B_KBD_HEAD], si
        sti
        call    key_for_function
        jc      .get_wait               ; a 101-key-only key asked for by 00h: skip it
        pop     ds
        pop     si
        pop     bx
        iret

.peek:                                  ; ZF clear and AX = the next key, or ZF set
        mov     bh, ah
.peek_again:
        cli
        call    kbd_poll
        mov     si, [B_KBD_HEAD]
        cmp     si, [B_KBD_TAIL]
        je      .peek_empty
        mov     ax, [si]
        call    key_for_function
        jnc     .peek_have
        call    next_slot               ; not for a classic caller: drop it, look again
        mov     [B_KBD_HEAD], si
        jmp     .peek_again
.peek_have:                             ; the caller's FLAGS are at [BP + 12], above BP, DS, SI, BX, IP and CS
        sti
        push    bp
        mov     bp, sp
        and     byte [ss:bp + 12], 0xBF ; ZF clear: a key is there
        jmp     .peek_out
.peek_empty:
        sti
        push    bp
        mov     bp, sp
        or      byte [ss:bp + 12], 0x40 ; ZF set: nothing
.peek_out:
        pop     bp
        jmp     .out

.shift:
        mov     al, [B_SHIFT]
        jmp     .out
.shift_ext:
        mov     al, [B_SHIFT]
        mov     ah, [B_SHIFT + 1]
.out:
        pop     ds
        pop     si
        pop     bx
        iret

.store:                                 ; CX = scancode:ASCII into the buffer; AL = 1 if it was full
        cli
        mov     si, [B_KBD_TAIL]
        mov     bx, si
        call    next_slot
        cmp     si, [B_KBD_HEAD]
        je      .store_full
        mov     [bx], cx
        mov     [B_KBD_TAIL], si
        mov     al, 0
        sti
        jmp     .out
.store_full:
        mov     al, 1
        sti
        jmp     .out

; next_slot: SI = the buffer slot after SI (DS = BDA).
next_slot:
        add     si, 2
        cmp     si, [B_KBD_END]
        jb      .ok
        mov     si, [B_KBD_START]
.ok:
        ret

; key_for_function: AX = buffered key, BH = 00h/01h (classic) or 10h/11h (extended). Classic
; calls see E0h ASCII of grey keys as 00h and never see the keys only a 101-key keyboard has
; (CF set: skip it). Clobbers nothing else.
key_for_function:
        test    bh, 0x10
        jnz     .ok
        cmp     ah, 0x84                ; F11/F12 and friends (85h-8Ah)
        ja      .skip
        cmp     al, 0xE0
        jne     .ok
        test    ah, ah
        jz      .ok
        xor     al, al
.ok:
        clc
        ret
.skip:
        stc
        ret

; INT 17h printer: no parallel port is fitted.
int17:
        push    ax
        mov     al, 0x17
        call    report_unsupported
        pop     ax
        mov     ah, 0x01
        jmp     iret_cf_set

; =============================================================================================
; INT 1Ah time of day (ticks in the BDA) and the CMOS real-time clock
; =============================================================================================
int1a:
        sti
        push    ds
        push    bx
        mov     bx, BDA
        mov     ds, bx
        pop     bx
        cmp     ah, 0x00
        je      .get_ticks
        cmp     ah, 0x01
        je      .set_ticks
        cmp     ah, 0x02
        je      .get_time
        cmp     ah, 0x03
        je      .set_time
        cmp     ah, 0x04
        je      .get_date
        cmp     ah, 0x05
        je      .set_date
        push    ax
        mov     al, 0x1A
        call    report_unsupported
        pop     ax
        pop     ds
        mov     ah, 0x01
        jmp     iret_cf_set
.get_ticks:
        cli
        mov     dx, [B_TICKS]
        mov     cx, [B_TICKS + 2]
        mov     al, [B_MIDNIGHT]
        mov     byte [B_MIDNIGHT], 0
        sti
        pop     ds
        jmp     iret_cf_clear
.set_ticks:
        cli
        mov     [B_TICKS], dx
        mov     [B_TICKS + 2], cx
        mov     byte [B_MIDNIGHT], 0
        sti
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.get_time:
        call    rtc_wait_stable
        jc      .rtc_fail
        mov     al, 0x00
        call    cmos_read
        mov     dh, al
        mov     al, 0x02
        call    cmos_read
        mov     cl, al
        mov     al, 0x04
        call    cmos_read
        mov     ch, al
        mov     al, 0x0B
        call    cmos_read
        and     al, 0x01
        mov     dl, al                  ; daylight saving
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.set_time:
        call    rtc_set_begin
        mov     al, 0x00
        mov     ah, dh
        call    cmos_write
        mov     al, 0x02
        mov     ah, cl
        call    cmos_write
        mov     al, 0x04
        mov     ah, ch
        call    cmos_write
        mov     al, 0x0B
        call    cmos_read
        and     al, 0x7E                ; SET off, DST from DL
        mov     ah, dl
        and     ah, 0x01
        or      ah, al
        mov     al, 0x0B
        call    cmos_write
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.get_date:
        call    rtc_wait_stable
        jc      .rtc_fail
        mov     al, 0x07
        call    cmos_read
        mov     dl, al
        mov     al, 0x08
        call    cmos_read
        mov     dh, al
        mov     al, 0x09
        call    cmos_read
        mov     cl, al
        mov     al, 0x32
        call    cmos_read
        mov     ch, al
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.set_date:
        call    rtc_set_begin
        mov     al, 0x07
        mov     ah, dl
        call    cmos_write
        mov     al, 0x08
        mov     ah, dh
        call    cmos_write
        mov     al, 0x09
        mov     ah, cl
        call    cmos_write
        mov     al, 0x32
        mov     ah, ch
        call    cmos_write
        mov     al, 0x0B
        call    cmos_read
        and     al, 0x7F
        mov     ah, al
        mov     al, 0x0B
        call    cmos_write
        pop     ds
        xor     ah, ah
        jmp     iret_cf_clear
.rtc_fail:
        pop     ds
        mov     ah, 0x01
        jmp     iret_cf_set

; cmos_read: AL = register -> AL = value. cmos_write: AL = register, AH = value.
cmos_read:
        out     0x70, al
        in      al, 0x71
        ret
cmos_write:
        out     0x70, al
        mov     al, ah
        out     0x71, al
        ret

; rtc_wait_stable: waits (bounded) until no update is in progress; CF set if it never ends.
rtc_wait_stable:
        push    cx
        mov     cx, 0xFFFF
.again:
        mov     al, 0x0A
        call    cmos_read
        test    al, 0x80
        jz      .stable
        loop    .again
        pop     cx
        stc
        ret
.stable:
        pop     cx
        clc
        ret

; rtc_set_begin: stops updates (register B SET) before new values are written.
rtc_set_begin:
        push    ax
        mov     al, 0x0B
        call    cmos_read
        or      al, 0x80
        mov     ah, al
        mov     al, 0x0B
        call    cmos_write
        pop     ax
        ret

; =============================================================================================
; INT 18h: nothing to boot. INT 19h: bootstrap loader.
; =============================================================================================
int18:
        cli
        xor     ax, ax
        mov     ds, ax
        mov     ss, ax
        mov     sp, BOOT_ADDR
        mov     si, msg_no_boot
        call    print_cs
        mov     si, REASON_BUF          ; the reasons INT 19h collected
        cmp     byte [si], 0
        jne     .stop
        push    cs
        pop     ds
        mov     si, msg_no_disks
.stop:
        hypercall HC_STOP
.halt:
        hlt
        jmp     .halt

int19:
        sti
        xor     ax, ax
        mov     ds, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, BOOT_ADDR
        mov     di, REASON_BUF
        mov     byte [di], 0
        mov     bx, BDA
        mov     ds, bx
        test    byte [B_EQUIPMENT], 0x01
        jz      .try_hd
        xor     ax, ax
        mov     ds, ax
        mov     si, msg_boot_floppy
        call    print_cs
        xor     dl, dl
        call    try_boot
.try_hd:
        mov     bx, BDA
        mov     ds, bx
        cmp     byte [B_HD_COUNT], 0
        je      .none
        xor     ax, ax
        mov     ds, ax
        mov     si, msg_boot_hd
        call    print_cs
        mov     dl, 0x80
        call    try_boot
.none:
        int     0x18

; try_boot: DL = drive. Reads its first sector to 0000:7C00 and jumps there if it ends in 55AAh;
; otherwise prints why, appends the reason to REASON_BUF (ES:DI) and returns.
try_boot:
        mov     bp, 3                   ; tries
.read:
        push    dx
        xor     ax, ax
        int     0x13                    ; reset
        pop     dx
        push    dx
        xor     ax, ax
        mov     es, ax
        mov     ax, 0x0201
        mov     cx, 0x0001
        xor     dh, dh
        mov     bx, BOOT_ADDR
        int     0x13
        pop     dx
        jnc     .check
        dec     bp
        jnz     .read
        mov     si, reason_read
        jmp     .failed
.check:
        xor     ax, ax
        mov     ds, ax
        cmp     word [BOOT_ADDR + 510], 0xAA55
        jne     .not_bootable
        mov     si, msg_newline
        call    print_cs
        cli
        xor     ax, ax
        mov     es, ax
        mov     ss, ax
        mov     sp, BOOT_ADDR
        xor     bx, bx
        xor     cx, cx
        xor     si, si
        xor     di, di
        xor     bp, bp
        xor     dh, dh
        sti
        jmp     0x0000:BOOT_ADDR
.not_bootable:
        mov     si, reason_signature
.failed:
        push    si
        mov     si, msg_boot_failed
        call    print_cs
        pop     si
        push    si
        call    print_cs
        mov     si, msg_crlf
        call    print_cs
        xor     ax, ax
        mov     es, ax
        ; REASON_BUF: "no bootable disk: " the first time, "; " after that, then "drive XXh: reason"
        mov     di, REASON_BUF
        mov     si, msg_reason_head
        cmp     byte [es:di], 0
        je      .append
.find_end:
        inc     di
        cmp     byte [es:di], 0
        jne     .find_end
        mov     si, msg_reason_sep
.append:
        call    append_cs
        mov     si, msg_drive
        call    append_cs
        mov     al, dl
        call    append_hex8
        mov     si, msg_drive_sep
        call    append_cs
        pop     si
        call    append_cs
        ret

; append_cs: copies the zero-terminated CS:SI string to ES:DI (DI left on its terminator).
append_cs:
        cs lodsb
        stosb
        test    al, al
        jnz     append_cs
        dec     di
        ret

; append_hex8: AL as two hex digits at ES:DI.
append_hex8:
        push    ax
        mov     cl, 4
        shr     al, cl
        call    .digit
        pop     ax
        and     al, 0x0F
.digit:
        and     al, 0x0F
        add     al, '0'
        cmp     al, '9'
        jbe     .store
        add     al, 'A' - '9' - 1
.store:
        stosb
        ret

; print_cs: the zero-terminated CS:SI string through INT 10h teletype.
print_cs:
        push    ax
        push    bx
.next:
        cs lodsb
        test    al, al
        jz      .done
        mov     ah, 0x0E
        mov     bx, 0x0007
        int     0x10
        jmp     .next
.done:
        pop     bx
        pop     ax
        ret

msg_boot_floppy:   db  "Booting from Floppy...", 13, 10, 0
msg_boot_hd:       db  "Booting from Hard Disk...", 13, 10, 0
msg_boot_failed:   db  "Boot failed: ", 0
reason_read:       db  "could not read the boot sector", 0
reason_signature:  db  "not a bootable disk (no 55AA signature)", 0
msg_crlf:          db  13, 10, 0
msg_no_boot:       db  "No bootable device.", 13, 10, 0
msg_no_disks:      db  "no bootable disk: no floppy or hard disk is attached", 0
msg_reason_head:   db  "no bootable disk: ", 0
msg_reason_sep:    db  "; ", 0
msg_drive:         db  "drive ", 0
msg_drive_sep:     db  "h: ", 0
msg_newline:       db  0

; INT 1Eh: the diskette parameter table (1.44M values, as SeaBIOS has them).
diskette_params:
        db      0xAF                    ; step rate, head unload
        db      0x02                    ; head load, DMA mode
        db      0x25                    ; motor off delay (ticks)
        db      0x02                    ; 512 bytes per sector
        db      18                      ; sectors per track
        db      0x1B                    ; gap length
        db      0xFF                    ; data length
        db      0x6C                    ; format gap length
        db      0xF6                    ; format fill byte
        db      0x0F                    ; head settle (ms)
        db      0x08                    ; motor start (1/8 s)

; ---- the last 16 bytes: reset vector, date, model ----
        times   0xFFF0 - ($ - $$) db 0xFF
reset_vector:
        jmp     0xF000:post
        db      "01/01/25"
        db      0x00
        db      0xFC                    ; model byte: AT
        db      0x00
