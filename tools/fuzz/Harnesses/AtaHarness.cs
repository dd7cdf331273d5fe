using Emu.Io.Ata;
using Emu.Io.Bus;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Pci;
using Emu.Io.Storage;
using Emu.Io.Timing;
using Emu.Memory;

namespace Emu.Fuzz;

/// <summary>
/// The <c>ata</c> target: the input is a program of port reads and writes (byte, word, dword) to both
/// channels' command and control blocks and to the bus master, interleaved with PRD tables and data that
/// it places in guest memory, run against a PIIX controller with four kinds of drive (a pattern disk, a
/// disk whose last sector is partial, a read-only disk, and an absent device) over MemoryBackends.
///
/// Checked after every step: no host exception; each channel's IRQ line equals its selected device's
/// pending interrupt gated by nIEN and SRST; buffer indices within the buffer; a drive whose status is idle (BSY
/// and DRQ clear) with ERR set has a non-zero Error register, as a driver that reads Error after ERR relies on.
/// A command has ended in a step when its drive is idle after it and was busy before, or was given a command in
/// it (the counts of commands ended, failed and DMA completed come from there). After the run:
/// the ROM, MMIO and unmapped pages next to the DMA window are unchanged and the read-only disk unwritten.
/// Every step is bounded (at most 1,024 data-port accesses), so the run is bounded by the input length.
/// </summary>
public sealed class AtaHarness
{
    public const ushort Bm = AtaController.DefaultBusMasterBase;
    /// <summary>RAM where the input puts PRD tables and buffers; the non-RAM pages sit right after it,
    /// so that a region running past the window's end hits them.</summary>
    public const uint Window = 0x1_0000, WindowEnd = 0x3_0000;
    public const uint RomPage = WindowEnd, MmioPage = WindowEnd + 0x1000, HolePage = WindowEnd + 0x2000;

    private static readonly ushort[] Ports =
    [
        0x1F0, 0x1F1, 0x1F2, 0x1F3, 0x1F4, 0x1F5, 0x1F6, 0x1F7, 0x3F6,
        0x170, 0x171, 0x172, 0x173, 0x174, 0x175, 0x176, 0x177, 0x376,
        Bm, Bm + 1, Bm + 2, Bm + 3, Bm + 4, Bm + 5, Bm + 6, Bm + 7,
        Bm + 8, Bm + 9, Bm + 10, Bm + 11, Bm + 12, Bm + 13, Bm + 14, Bm + 15,
    ];

    private static readonly byte[] Commands =
    [
        AtaCommand.ReadSectors, AtaCommand.ReadSectorsExt, AtaCommand.ReadMultiple, AtaCommand.ReadMultipleExt,
        AtaCommand.WriteSectors, AtaCommand.WriteSectorsExt, AtaCommand.WriteMultiple, AtaCommand.WriteMultipleExt,
        AtaCommand.ReadDma, AtaCommand.ReadDmaExt, AtaCommand.WriteDma, AtaCommand.WriteDmaExt,
        AtaCommand.ReadVerify, AtaCommand.ReadVerifyExt, AtaCommand.IdentifyDevice, AtaCommand.SetFeatures,
        AtaCommand.SetMultiple, AtaCommand.FlushCache, AtaCommand.FlushCacheExt, AtaCommand.InitializeDeviceParameters,
        AtaCommand.Recalibrate, AtaCommand.CheckPowerMode, AtaCommand.StandbyImmediate, AtaCommand.IdleImmediate,
        AtaCommand.ExecuteDiagnostic, AtaCommand.Nop, 0xA0, 0xA1,
    ];

    private static readonly int[] Widths = [1, 2, 4, 1];

    /// <summary>How far the runs got, summed over all inputs (the deterministic tests check depth with it).</summary>
    public long Steps, CommandsEnded, CommandsFailed, DataAccesses, DmaStarts, DmaCompleted;

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        var memory = new GuestMemory();
        NonRamGuard.Place(memory, RomPage, PageKind.Rom, 0x11);
        NonRamGuard.Place(memory, MmioPage, PageKind.Mmio, 0x22);
        NonRamGuard.Place(memory, HolePage, PageKind.Unmapped, 0x33);
        var guard = new NonRamGuard(memory);

        var master = new MemoryBackend(Pattern(256, 0));
        var partial = new MemoryBackend(Pattern(41, 100)[..(40 * 512 + 100)]);
        byte[] roImage = Pattern(64, 200);
        var readOnly = new MemoryBackend((byte[])roImage.Clone(), readOnly: true);
        var irq14 = new IrqLine(14);
        var irq15 = new IrqLine(15);
        var controller = new AtaController(memory, irq14, irq15,
            new AtaDrive(master), new AtaDrive(partial), new AtaDrive(readOnly), secondarySlave: null);
        var bus = new PortBus();
        new DeviceManager(bus, new MmioBus(), memory, new PciConfigPorts(), new TimedDeviceSet()).Add(controller.Declaration);
        var drives = new[] { controller.Primary.Master, controller.Primary.Slave, controller.Secondary.Master, controller.Secondary.Slave };
        var busyBefore = new bool[drives.Length];

        while (!input.AtEnd)
        {
            for (int i = 0; i < drives.Length; i++)
                busyBefore[i] = drives[i] is { } d && Busy(d);
            _commandWritten = null;
            Step(ref input, bus, memory, controller, master);
            Steps++;
            CheckChannel(controller.Primary);
            CheckChannel(controller.Secondary);
            for (int i = 0; i < drives.Length; i++)
            {
                var channel = i < 2 ? controller.Primary : controller.Secondary;
                bool given = _commandWritten == channel && channel.SelectedDevice == i % 2;
                if (drives[i] is { } d && !Busy(d) && (busyBefore[i] || given))
                    CommandEnded(channel, d);
            }
        }
        guard.Check("after the run");
        if (!readOnly.Data.AsSpan().SequenceEqual(roImage))
            throw new FuzzPropertyException("the read-only disk was written");
    }

    private void Step(ref FuzzInput input, PortBus bus, GuestMemory memory, AtaController controller, MemoryBackend master)
    {
        byte op = input.U8();
        bool secondary = (op & 0x80) != 0;
        var channel = secondary ? controller.Secondary : controller.Primary;
        ushort cmdBase = secondary ? AtaController.SecondaryCommandBase : AtaController.PrimaryCommandBase;
        ushort ctl = secondary ? AtaController.SecondaryControlPort : AtaController.PrimaryControlPort;
        switch (op & 0x0F)
        {
            case 0 or 1: // a port write of any width
            {
                ushort port = input.Pick<ushort>(Ports);
                bus.Write(port, Widths[(op >> 4) & 3], input.U32());
                if (port == cmdBase + 7)
                    _commandWritten = channel;
                break;
            }
            case 2: // a port read of any width
                bus.Read(input.Pick<ushort>(Ports), Widths[(op >> 4) & 3]);
                break;
            case 3 or 4: // a whole task file and a command, LBA48-style (HOB bytes first) when bit 4 is set;
                         // bit 5: a small request (LBA mode, address < 256, count < 20), which a disk can serve
            {
                bool small = (op & 0x20) != 0;
                byte device = input.U8();
                bus.Write((uint)cmdBase + 6, 1, small ? (byte)(0xE0 | (device & 0x10)) : device);
                if ((op & 0x10) != 0)
                {
                    for (uint r = 2; r <= 5; r++)
                        bus.Write(cmdBase + r, 1, small ? (byte)0 : input.U8());
                }
                bus.Write((uint)cmdBase + 1, 1, input.U8());
                byte count = input.U8();
                bus.Write((uint)cmdBase + 2, 1, small ? (byte)(count % 20) : count);
                bus.Write((uint)cmdBase + 3, 1, input.U8());
                bus.Write((uint)cmdBase + 4, 1, small ? (byte)0 : input.U8());
                bus.Write((uint)cmdBase + 5, 1, small ? (byte)0 : input.U8());
                byte pick = input.U8();
                byte command = pick < 0xE0 ? Commands[pick % Commands.Length] : input.U8();
                bus.Write((uint)cmdBase + 7, 1, command);
                _commandWritten = channel;
                break;
            }
            case 5 or 6: // a burst on the data port: up to 1,024 reads or writes of 2 or 4 bytes
            {
                int count = 1 + input.U8() * 4;
                int width = (op & 0x10) != 0 ? 4 : 2;
                bool write = (op & 0x20) != 0;
                uint value = input.U32();
                for (int i = 0; i < count; i++)
                {
                    if (write)
                        bus.Write(cmdBase, width, value + (uint)i * 0x0101_0101);
                    else
                        bus.Read(cmdBase, width);
                }
                DataAccesses += count;
                break;
            }
            case 7: // bytes into the DMA window (buffers, or PRD tables written raw)
            {
                uint at = Window + (input.U16() * 2u) % (WindowEnd - Window);
                GuestBytes.Fill(memory, at, input.Bytes(input.U8()));
                break;
            }
            case 8 or 9: // one PRD entry
            {
                uint table = Window + input.U8() * 8u;
                uint address = (input.U8() % 6) switch
                {
                    0 => input.U32(),
                    1 => WindowEnd - input.U16() % 0x400u,            // runs into the ROM / MMIO pages
                    2 => (Window + 0x1_0000) - input.U8() * 2u,       // crosses a 64 KiB boundary
                    3 => GuestMemory.Size - input.U16() % 0x1000u,   // off the end of guest memory
                    _ => Window + 0x1000u + input.U16(),
                };
                ushort bytes = input.U16();
                bool eot = (op & 0x10) != 0;
                GuestBytes.W32(memory, table, address);
                GuestBytes.W32(memory, table + 4, bytes | (eot ? 0x8000_0000u : 0));
                break;
            }
            case 10: // program the bus master: PRD table address, then the command (start, direction)
            {
                uint bmBase = (uint)Bm + (secondary ? 8u : 0u);
                uint table = (op & 0x10) != 0 ? input.U32() : Window + input.U8() * 8u;
                bus.Write(bmBase + 4, 4, table);
                bus.Write(bmBase + 2, 1, input.U8()); // clear error / interrupt bits
                byte command = input.U8();
                bus.Write(bmBase, 1, command);
                if ((command & 1) != 0)
                    DmaStarts++;
                break;
            }
            case 11: // Device Control (SRST, nIEN, HOB)
                bus.Write(ctl, 1, input.U8());
                break;
            case 12: // Status (acknowledges) or Alternate Status
                bus.Read((op & 0x10) != 0 ? ctl : (uint)cmdBase + 7, 1);
                break;
            case 13: // what PCI command bits 0 and 2 do, and a failing host disk
            {
                byte b = input.U8();
                controller.BusMaster.IoEnabled = (b & 1) == 0;
                channel.BusMaster.MasterEnabled = (b & 2) == 0;
                master.FailIo = (b & 0xF0) == 0xF0;
                break;
            }
            case 14: // machine reset
                if ((op & 0x70) == 0x70)
                    controller.Reset();
                break;
            default: // select a device
                bus.Write((uint)cmdBase + 6, 1, input.U8());
                break;
        }
    }

    private static bool Busy(AtaDrive d) => (d.Status & (AtaStatus.Bsy | AtaStatus.Drq)) != 0;

    private void CommandEnded(AtaChannel channel, AtaDrive d)
    {
        CommandsEnded++;
        bool err = (d.Status & AtaStatus.Err) != 0;
        if (err)
            CommandsFailed++;
        else if (d.Command is AtaCommand.ReadDma or AtaCommand.ReadDmaExt or AtaCommand.WriteDma or AtaCommand.WriteDmaExt)
            DmaCompleted++;
        if (err && d.Error == 0)
            throw new FuzzPropertyException($"{channel.Name}: command {d.Command:X2} ended with status {d.Status:X2} (ERR) but error 00");
    }

    // The channel whose command register the current step wrote, if any.
    private AtaChannel? _commandWritten;

    private static void CheckChannel(AtaChannel channel)
    {
        var selected = channel.SelectedDevice == 0 ? channel.Master : channel.Slave;
        bool expected = selected is { IntrqPending: true }
            && (channel.DeviceControl & (AtaControl.NIen | AtaControl.Srst)) == 0;
        if (channel.Irq.Level != expected)
            throw new FuzzPropertyException($"{channel.Name}: IRQ line {channel.Irq.Level}, expected {expected}");
        foreach (var d in new[] { channel.Master, channel.Slave })
        {
            if (d is null)
                continue;
            if (d.BufferIndex < 0 || d.BufferIndex > d.Buffer.Length || d.BufferLength < 0 || d.BufferLength > d.Buffer.Length)
                throw new FuzzPropertyException($"{channel.Name}: buffer index {d.BufferIndex} / length {d.BufferLength} outside the buffer");
        }
    }

    private static int Cmd(byte command) => Array.IndexOf(Commands, command);

    /// <summary>Well-formed programs (what a driver does), the starting corpus for AFL and the material the
    /// deterministic tests splice with random bytes: IDENTIFY, PIO reads and writes, READ/WRITE MULTIPLE,
    /// FLUSH, DMA in both directions (LBA28 and LBA48), a write to the read-only disk, a soft reset.</summary>
    public static byte[][] Seeds() =>
    [
        [0x23, 0x00, 0, 1, 0, (byte)Cmd(AtaCommand.IdentifyDevice), 0x05, 64, 0, 0, 0, 0, 0x0C],
        [0x23, 0x00, 0, 3, 5, (byte)Cmd(AtaCommand.ReadSectors), 0x0C, 0x05, 64, 0, 0, 0, 0, 0x0C, 0x15, 32, 0, 0, 0, 0, 0x05, 64, 0, 0, 0, 0],
        [0x23, 0x10, 0, 2, 10, (byte)Cmd(AtaCommand.WriteSectors), 0x25, 128, 1, 2, 3, 4, 0x0C, 0x23, 0, 0, 0, 0, (byte)Cmd(AtaCommand.FlushCache), 0x0C],
        [0x23, 0x00, 0, 4, 0, (byte)Cmd(AtaCommand.SetMultiple), 0x23, 0, 0, 8, 0, (byte)Cmd(AtaCommand.ReadMultiple), 0x05, 255, 0, 0, 0, 0, 0x05, 255, 0, 0, 0, 0, 0x05, 3, 0, 0, 0, 0],
        [0x18, 0, 4, 0x00, 0x00, 0x00, 0x10, 0x23, 0x00, 0, 8, 2, (byte)Cmd(AtaCommand.ReadDma), 0x0A, 0, 0x06, 0x09, 0x0C],
        [0x08, 0, 4, 0x00, 0x00, 0x00, 0x08, 0x18, 1, 4, 0x00, 0x08, 0x00, 0x08, 0x0A, 0, 0x06, 0x01, 0x33, 0x00, 0, 8, 20, (byte)Cmd(AtaCommand.WriteDmaExt), 0x0C],
        [0xA3, 0x00, 0, 1, 0, (byte)Cmd(AtaCommand.WriteSectors), 0xA5, 64, 9, 9, 9, 9, 0x8C, 0xA3, 0, 0, 1, 0, (byte)Cmd(AtaCommand.ReadSectors), 0x85, 64, 0, 0, 0, 0],
        [0x0B, 0x04, 0x0B, 0x00, 0x0C, 0x23, 0x00, 3, 0x10, 0, (byte)Cmd(AtaCommand.SetFeatures), 0x23, 0, 0x82, 0, 0, (byte)Cmd(AtaCommand.SetFeatures), 0x13, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ];

    /// <summary><paramref name="sectors"/> sectors in which every byte says where it is.</summary>
    public static byte[] Pattern(int sectors, int seed)
    {
        var bytes = new byte[sectors * 512];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(seed + i / 512 * 31 + i);
        return bytes;
    }
}
