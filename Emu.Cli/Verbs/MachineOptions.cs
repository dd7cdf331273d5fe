using CommandLine;

namespace Emu.Cli.Verbs;

/// <summary>Options shared by the verbs that build and run a machine (run, boot).</summary>
public abstract partial class MachineOptions
{
    [Option("cpu", Default = "386", HelpText = "CPU model: 8086, 186, 286 or 386.")]
    public string Cpu { get; set; } = "386";

    [Option("memory", Default = 640, HelpText = "Conventional memory in KiB (16-640).")]
    public int MemoryKiB { get; set; } = 640;

    [Option("debugcon", Default = "stdio", HelpText = "Debug console (port 0xE9) output: stdio, FILE or none.")]
    public string DebugCon { get; set; } = "stdio";

    [Option("serial", Default = "none", HelpText = "COM1 output: stdio, FILE or none.")]
    public string Serial { get; set; } = "none";

    [Option("serial-input", HelpText = "Text the guest receives on COM1; escapes \\n \\r \\t \\b \\e \\\\ and \\xHH (a byte).")]
    public string? SerialInput { get; set; }

    [Option("keys", HelpText = "Text typed on the US keyboard as the guest reads it: printable ASCII, \\n (Enter), \\t, \\b (Backspace), \\e (Esc), \\\\ and \\xHH; anything it cannot type is refused.")]
    public string? Keys { get; set; }

    [Option("max-instructions", HelpText = "Stop after N instructions (exit status 124).")]
    public long? MaxInstructions { get; set; }

    [Option("timeout", HelpText = "Stop after this many seconds of host time (exit status 124).")]
    public double? Timeout { get; set; }

    [Option("trace", HelpText = "Write an instruction-to-exit trace to FILE.")]
    public string? Trace { get; set; }

    [Option("trace-format", Default = "text", HelpText = "Trace format: text, jsonl or chrome.")]
    public string TraceFormat { get; set; } = "text";

    [Option("trace-events", Default = "exits,interrupts,devices", HelpText = "What to trace: exits, interrupts, devices, instructions (comma separated) or all.")]
    public string TraceEvents { get; set; } = "exits,interrupts,devices";

    [Option("trace-registers", HelpText = "Instruction events carry the registers as they are before the instruction (needs --trace-events instructions or all).")]
    public bool TraceRegisters { get; set; }

    [Option("trace-host-time", HelpText = "Measure host time per exit and put it in the trace and the statistics.")]
    public bool TraceHostTime { get; set; }

    [Option("stats", HelpText = "Print exit statistics to stderr when the run ends.")]
    public bool Stats { get; set; }

    [Option("layers", HelpText = "Print to stderr when the run ends where its instructions, VM exits and host time went, by the guest OS's layers (application, system call, filesystem, block layer, driver, firmware) and below them the VMM, device emulation, host IO and idle time (docs/GUEST-OS.md).")]
    public bool Layers { get; set; }

    [Option("screen", HelpText = "Print the 80x25 text screen when the run ends.")]
    public bool Screen { get; set; }

    [Option("console", HelpText = "Live console in this terminal while the guest runs: screen (the text screen drawn here, keys typed to the PC keyboard) or serial (COM1 on this terminal). Ctrl-A h lists its commands; Ctrl-A x quits, Ctrl-A r resets the machine.")]
    public string? Console { get; set; }

    [Option("progress", HelpText = "While the guest runs, show time, instructions, MIPS and exits on one line of stderr (only when stderr is a terminal).")]
    public bool Progress { get; set; }

    [Option("screenshot", HelpText = "Write the screen to FILE.png when the run ends: a text mode with its font, colours and cursor, or mode 13h.")]
    public string? Screenshot { get; set; }

    [Option("rtc", Default = "fixed", HelpText = "Real-time clock start: fixed (2000-01-01 00:00:00, deterministic), host, or a date like 2026-11-24T12:00:00.")]
    public string Rtc { get; set; } = "fixed";

    [Option("floppy", HelpText = "Floppy image for drive A: (BIOS drive 00h): " + Emu.Io.Storage.DiskSpec.Syntax + "; 160K to 2.88M.")]
    public string? Floppy { get; set; }

    [Option("bios-disk", Default = "pio", HelpText = "Driver the BIOS uses for hard disks: pio (its own ATA PIO code, the default), dma (ATA bus-master DMA), virtio (its virtio-blk code: the --virtio-disk is drive 80h; needs a 386, else hypercall) or hypercall (the VMM reads the image).")]
    public string BiosDisk { get; set; } = "pio";

    [Option("bios", HelpText = "Firmware image to use instead of the shipped firmware/bios.bin (64 KiB).")]
    public string? Bios { get; set; }

    /// <summary>False when the verb starts its program on a bare machine (run --no-firmware).</summary>
    internal virtual bool UseFirmware => true;

    [Option("ns-per-instruction", Default = 100, HelpText = "Virtual time per retired instruction (ns); sets how fast guest timers run.")]
    public long NanosecondsPerInstruction { get; set; } = 100;

    // ---- storage (ATA disks) ----

    [Option("disk", HelpText = "Attach a raw disk image as an ATA hard disk: FILE[,readonly][,cache=writeback|writethrough]. "
        + "Repeat for up to 4 disks: primary master, primary slave, secondary master, secondary slave.")]
    public IEnumerable<string> Disks { get; set; } = [];

    // ---- the virtio disk (VirtioOptions.cs turns these into the machine's configuration) ----

    [Option("virtio-disk", HelpText = "A virtio-blk disk on the virtio-mmio window at D0000 (IRQ 11): FILE[,readonly][,cache=writeback|writethrough].")]
    public string? VirtioDisk { get; set; }

    [Option("virtio-notify", Default = "exit", HelpText = "How the virtio disk learns of requests: exit (a QueueNotify MMIO exit) or poll (the VMM polls the queue, no exit).")]
    public string VirtioNotify { get; set; } = "exit";

    [Option("virtio-poll-interval", Default = 1000, HelpText = "With --virtio-notify poll: retired instructions between two polls (1-100000000).")]
    public int VirtioPollInterval { get; set; } = 1000;

    // ---- a device model in a separate process (emu device-server; docs/DEVICE-PROTOCOL.md) ----

    [Option("device-process", HelpText = "Use the device (ATA controller or virtio-blk) of the emu device-server listening on this Unix socket "
        + "instead of an in-process one; guest RAM is shared with it. Also: --disk FILE,process=SOCKET.")]
    public string? DeviceProcess { get; set; }

    [Option("device-timeout", Default = 10.0, HelpText = "Seconds to wait for the device process to answer one access before stopping the guest.")]
    public double DeviceTimeout { get; set; } = 10;
}
