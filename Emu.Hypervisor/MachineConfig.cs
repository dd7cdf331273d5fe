using Emu.Cpu;
using Emu.Hypervisor.Firmware;
using Emu.Io.Storage;
using Emu.Io.Virtio;

namespace Emu.Hypervisor;

/// <summary>Everything that decides what machine is built: the CLI fills it from options, tests directly.</summary>
public sealed class MachineConfig
{
    public CpuModel Cpu { get; init; } = CpuModel.I386;

    /// <summary>Conventional memory in KiB (at most 640; the rest up to 1 MiB is video memory and ROM).</summary>
    public int MemoryKiB { get; init; } = 640;

    /// <summary>Virtual time per retired instruction: 100 ns models a 10 MIPS machine, so the 18.2 Hz
    /// timer fires every 549,254 instructions. Changing it changes guest-visible timing, never results.</summary>
    public long NanosecondsPerInstruction { get; init; } = 100;

    /// <summary>Where bytes written to the debug console (port 0xE9) go; null discards them.</summary>
    public Stream? DebugConsoleOutput { get; init; }

    /// <summary>Where bytes the guest sends on COM1 go; null discards them.</summary>
    public Stream? SerialOutput { get; init; }

    /// <summary>Bytes the guest receives on COM1, as if typed on the other end of the line.</summary>
    public byte[]? SerialInput { get; init; }

    /// <summary>Text typed into the keyboard (\n is Enter), fed as the guest reads the keyboard.</summary>
    public string? Keys { get; init; }

    /// <summary>Whether the host waits in real time while the guest is halted until its next timer deadline.
    /// Virtual time moves to the deadline either way, so the guest sees the same run; only host time differs.</summary>
    public IdleWait IdleWait { get; init; } = IdleWait.Skip;

    /// <summary>The RTC's start date; null means the fixed 2000-01-01 00:00:00 (deterministic runs).</summary>
    public DateTime? RtcStart { get; init; }

    /// <summary>ATA hard disks (raw images): index 0 primary master, 1 primary slave, 2 secondary master,
    /// 3 secondary slave. The machine opens them and closes them when disposed.</summary>
    public IReadOnlyList<DiskSpec> HardDisks { get; init; } = [];

    /// <summary>The BIOS image (64 KiB, mapped as ROM at F0000; the CPU starts at FFFF:0000). Null: no
    /// firmware, the caller starts the guest itself (BareStart).</summary>
    public byte[]? Firmware { get; init; }

    /// <summary>The floppy disk in drive A: (BIOS drive 00h); its size gives its geometry. The caller owns it.</summary>
    public IBlockBackend? Floppy { get; init; }

    /// <summary>The driver the BIOS's INT 13h uses for the hard disks (BIOS drives 80h... = <see cref="HardDisks"/>):
    /// by default the BIOS's own ATA PIO code, as on a PC.</summary>
    public BiosDiskMode BiosDisk { get; init; } = BiosDiskMode.Pio;

    /// <summary>More VMCALL services (tools, tests), by number: each runs before the firmware's service of the same
    /// number, if there is one. The machine's table is fixed once it is built. Null for none: an empty dictionary keyed
    /// by ushort is generic code the runtime JIT-compiles at every start.</summary>
    public IReadOnlyDictionary<ushort, Action<VirtualMachine>>? Hypercalls { get; init; }

    // ---- the virtio disk (MachineDevices.VirtioDisk) ----

    /// <summary>A virtio-blk disk on the virtio-mmio window at D0000 (IRQ 11), opened by the machine; null for none.</summary>
    public DiskSpec? VirtioDisk { get; init; }

    /// <summary>An already opened backend for the virtio disk (tests, benchmarks); it wins over
    /// <see cref="VirtioDisk"/> and the machine does not dispose it.</summary>
    public IBlockBackend? VirtioDiskBackend { get; init; }

    /// <summary>How the virtio device learns of new requests: a QueueNotify exit, or polling by the VMM.</summary>
    public VirtioNotifyMode VirtioNotify { get; init; } = VirtioNotifyMode.Exit;

    /// <summary>Poll mode: retired instructions between two polls of the virtqueue.</summary>
    public int VirtioPollInterval { get; init; } = VirtioMmioTransport.DefaultPollInterval;

    // ---- a device model in a separate process (MachineDevices.DeviceProcess, docs/DEVICE-PROTOCOL.md) ----

    /// <summary>The Unix socket of an <c>emu device-server</c> whose device (the ATA controller or virtio-blk) this
    /// machine uses instead of its own; guest RAM then lives in a shared file mapping. Null: all devices in-process.</summary>
    public string? DeviceProcess { get; init; }

    /// <summary>Images the device process must be serving (<c>--disk FILE,process=PATH</c>, or the boot image);
    /// a mismatch is an error before the guest starts.</summary>
    public IReadOnlyList<string> DeviceProcessDisks { get; init; } = [];

    /// <summary>How long the VMM waits for the device process to answer one request before stopping the guest.</summary>
    public TimeSpan DeviceProcessTimeout { get; init; } = Remote.DeviceProcessClient.DefaultTimeout;
}

/// <summary>What a halted guest's wait for its next timer deadline costs the host (<see cref="MachineConfig.IdleWait"/>).</summary>
public enum IdleWait
{
    /// <summary>Nothing: virtual time jumps to the deadline at once (QEMU's -icount sleep=off). For tests, tools
    /// and the fuzzer: fast and deterministic, but a guest that waits for ever keeps a host core busy.</summary>
    Skip,
    /// <summary>The host sleeps until the deadline in real time, so an idle guest costs nothing (QEMU's default).</summary>
    Sleep,
    /// <summary>Skip while scripted input (keys, serial bytes) is still on its way to the guest, so scripted runs
    /// stay fast; sleep once the guest has read it all and can only be waiting for time or for input that will
    /// not come.</summary>
    SkipWhileInputWaits,
}
