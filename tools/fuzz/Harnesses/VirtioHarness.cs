using Emu.Io.Bus;
using Emu.Io.Devices;
using Emu.Io.Interrupts;
using Emu.Io.Pci;
using Emu.Io.Storage;
using Emu.Io.Timing;
using Emu.Io.Virtio;
using Emu.Memory;
using static Emu.Io.Virtio.VirtioMmioRegister;

namespace Emu.Fuzz;

/// <summary>
/// The <c>virtio</c> target: the input is a program of virtio-mmio register reads and writes (any width,
/// any offset) interleaved with descriptor, available-ring and request-header contents it places in guest
/// RAM, against a virtio-blk device over a MemoryBackend, in exit or poll notify mode (first byte).
///
/// Checked after every step: no host exception; the IRQ line equals (InterruptStatus ≠ 0); for every ready
/// queue the device's used index never passes the available entries it consumed (and equals it while the
/// device is not broken: every chain taken is returned). After the run: the MMIO window's page, a ROM page
/// and an unmapped page are unchanged. Every step is bounded (a notify drains at most queue-size chains).
/// </summary>
public sealed class VirtioHarness
{
    public const uint Base = VirtioMmioTransport.DefaultBase;
    /// <summary>Where rings and buffers go; a ROM and an unmapped page follow it.</summary>
    public const uint Area = 0x1_0000, AreaEnd = 0x2_0000;
    public const uint DescAddr = Area, AvailAddr = Area + 0x1000, UsedAddr = Area + 0x2000, Buffers = Area + 0x4000;
    public const uint RomPage = AreaEnd, HolePage = AreaEnd + 0x1000;

    private static readonly uint[] Registers =
    [
        MagicValue, VirtioMmioRegister.Version, DeviceId, DeviceFeatures, DeviceFeaturesSel, DriverFeatures, DriverFeaturesSel,
        QueueSel, QueueSizeMax, VirtioMmioRegister.QueueSize, QueueReady, QueueNotify, VirtioMmioRegister.InterruptStatus,
        InterruptAck, VirtioMmioRegister.Status, QueueDescLow, QueueDescHigh, QueueDriverLow, QueueDriverHigh,
        QueueDeviceLow, QueueDeviceHigh, ConfigGeneration, Config, Config + 8, Config + 20,
    ];

    private static readonly uint[] Addresses =
    [
        DescAddr, AvailAddr, UsedAddr, Buffers, DescAddr + 8, AvailAddr + 1, UsedAddr + 2, AreaEnd - 0x10,
        Base, 0xF_FFF0, GuestMemory.Size - 8, 0,
    ];

    private static readonly uint[] Lengths = [0, 1, 16, 20, 512, 1024, 4096, 0x1_0000, 0xFFFF_FFFF, 0x8000_0000];

    /// <summary>How far the runs got, summed over all inputs.</summary>
    public long Steps, Notifies, BuffersUsed, MalformedChains, NeedsReset, RequestsCompleted;

    public void Run(ReadOnlySpan<byte> data)
    {
        var input = new FuzzInput(data);
        var memory = new GuestMemory();
        NonRamGuard.Place(memory, RomPage, PageKind.Rom, 0x44);
        NonRamGuard.Place(memory, HolePage, PageKind.Unmapped, 0x55);
        NonRamGuard.Paint(memory, Base, 0x66);

        byte first = input.U8();
        var backend = new MemoryBackend(AtaHarness.Pattern(64, 7), readOnly: (first & 2) != 0);
        var device = new VirtioBlockDevice(memory, backend);
        var irq = new IrqLine(VirtioMmioTransport.DefaultIrq);
        var transport = new VirtioMmioTransport(device, memory, irq, (first & 1) != 0 ? VirtioNotifyMode.Poll : VirtioNotifyMode.Exit);
        var bus = new MmioBus();
        new DeviceManager(new PortBus(), bus, memory, new PciConfigPorts(), new TimedDeviceSet()).Add(transport.Declaration);
        var guard = new NonRamGuard(memory);

        try
        {
            while (!input.AtEnd)
            {
                Step(ref input, bus, memory, transport, backend);
                Steps++;
                Check(transport, irq);
            }
        }
        finally
        {
            Notifies += transport.Counters.Notifications;
            BuffersUsed += transport.Counters.BuffersUsed;
            MalformedChains += transport.Counters.MalformedChains;
            NeedsReset += transport.Counters.NeedsResetEvents;
            RequestsCompleted += device.Counters.RequestsCompleted;
        }
        guard.Check("after the run");
    }

    private static void Step(ref FuzzInput input, MmioBus bus, GuestMemory memory, VirtioMmioTransport transport, MemoryBackend backend)
    {
        byte op = input.U8();
        var q = transport.Queues[0];
        switch (op & 0x0F)
        {
            case 0 or 1: // a register write: the named registers with plausible values, or anything
            {
                uint offset = (op & 0x10) != 0 ? input.U16() % VirtioMmioTransport.WindowSize : input.Pick<uint>(Registers);
                int width = (op & 0x20) != 0 ? 1 << (input.U8() % 3) : 4;
                uint value = (op & 0x40) != 0 ? input.U32() : offset switch
                {
                    VirtioMmioRegister.QueueSize => 1u << (input.U8() % 10),
                    QueueDescLow or QueueDriverLow or QueueDeviceLow => input.Pick<uint>(Addresses) + (input.U8() & 0x0Fu),
                    QueueDescHigh or QueueDriverHigh or QueueDeviceHigh => 0,
                    _ => input.U8(),
                };
                bus.Write(Base + offset, width, value);
                break;
            }
            case 2: // a register read
                bus.Read(Base + input.U16() % VirtioMmioTransport.WindowSize, 1 << (input.U8() % 3));
                break;
            case 3 or 4: // a descriptor, in the queue's table or anywhere in the area (indirect tables)
            {
                uint table = (op & 0x10) != 0 ? Area + input.U16() % (AreaEnd - Area) : (uint)q.DescTable;
                uint index = input.U8();
                ulong address = (op & 0x20) != 0 ? input.U64() : input.Pick<uint>(Addresses) + input.U16();
                uint length = (op & 0x40) != 0 ? input.U32() : input.Pick<uint>(Lengths);
                ushort flags = (ushort)(input.U8() & 7);
                ushort next = (op & 0x80) != 0 ? input.U16() : input.U8();
                uint at = table + index * 16;
                GuestBytes.W64(memory, at, address);
                GuestBytes.W32(memory, at + 8, length);
                GuestBytes.W16(memory, at + 12, flags);
                GuestBytes.W16(memory, at + 14, next);
                break;
            }
            case 5: // publish a head the way a driver does: ring[idx % size] = head, then idx + 1
            {
                uint avail = (uint)q.AvailRing;
                ushort idx = GuestBytes.R16(memory, avail + 2);
                uint size = Math.Clamp(q.Size, 1, 256);
                GuestBytes.W16(memory, avail + 4 + 2 * (idx % size), input.U8());
                GuestBytes.W16(memory, avail + 2, (ushort)(idx + 1 + ((op & 0x10) != 0 ? input.U8() : 0)));
                break;
            }
            case 6: // avail flags, used_event, or avail.idx set outright
            {
                uint avail = (uint)q.AvailRing;
                uint size = Math.Clamp(q.Size, 1, 256);
                GuestBytes.W16(memory, (op & 0x30) switch { 0x00 => avail, 0x10 => avail + 4 + 2 * size, _ => avail + 2 }, input.U16());
                break;
            }
            case 7: // a block request header (type, sector) at a buffer, and a status byte
            {
                uint at = Buffers + input.U16() % 0x8000u;
                byte t = input.U8();
                GuestBytes.W32(memory, at, t < 0xF0 ? (uint)((t % 5) switch { 0 => 0, 1 => 1, 2 => 4, 3 => 8, _ => t }) : input.U32());
                GuestBytes.W64(memory, at + 8, (op & 0x10) != 0 ? input.U64() : input.U8());
                break;
            }
            case 8: // raw bytes anywhere in the area (used ring included: a driver can scribble on it)
            {
                uint at = Area + input.U16() % (AreaEnd - Area);
                GuestBytes.Fill(memory, at, input.Bytes(input.U8() % 64));
                break;
            }
            case 9 or 10:
                bus.Write(Base + QueueNotify, 4, (op & 0x10) != 0 ? input.U32() : 0);
                break;
            case 11:
                transport.Poll();
                break;
            case 12: // the whole start-up sequence, features and queue size from the input
            {
                byte f = input.U8();
                ulong features = VirtioFeature.Bit(VirtioFeature.Version1)
                    | ((f & 1) != 0 ? VirtioFeature.Bit(VirtioFeature.EventIdx) : 0)
                    | ((f & 2) != 0 ? VirtioFeature.Bit(VirtioFeature.IndirectDesc) : 0)
                    | ((f & 4) != 0 ? VirtioFeature.Bit(VirtioBlockFeature.Flush) : 0)
                    | ((f & 8) != 0 ? VirtioFeature.Bit(VirtioBlockFeature.ReadOnly) : 0);
                W(bus, VirtioMmioRegister.Status, 0);
                W(bus, VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver);
                W(bus, DriverFeaturesSel, 0);
                W(bus, DriverFeatures, (uint)features);
                W(bus, DriverFeaturesSel, 1);
                W(bus, DriverFeatures, (uint)(features >> 32));
                W(bus, VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk);
                W(bus, QueueSel, 0);
                W(bus, VirtioMmioRegister.QueueSize, 1u << ((f >> 4) % 9));
                W(bus, QueueDescLow, DescAddr);
                W(bus, QueueDriverLow, AvailAddr);
                W(bus, QueueDeviceLow, UsedAddr);
                W(bus, QueueReady, 1);
                W(bus, VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk | VirtioStatus.DriverOk);
                break;
            }
            case 13: // a well-formed three-descriptor request at a head, published
            {
                uint size = Math.Clamp(q.Size, 1, 256);
                uint head = input.U8() % size;
                uint header = Buffers + (input.U8() & 0xF0u), buffer = Buffers + 0x1000 + input.U8() * 16u, status = Buffers + 0x7F00;
                byte type = (byte)((input.U8() % 4) switch { 0 => 0, 1 => 1, 2 => 4, _ => 8 });
                GuestBytes.W32(memory, header, type);
                GuestBytes.W64(memory, header + 8, input.U8() % 70u);
                uint length = 512u * (1u + input.U8() % 4u);
                ushort writeFlag = type == 1 ? (ushort)0 : VirtqDescFlags.Write;
                WriteDesc(memory, (uint)q.DescTable, head, header, 16, VirtqDescFlags.Next, (head + 1) % size);
                WriteDesc(memory, (uint)q.DescTable, (head + 1) % size, buffer, length, (ushort)(VirtqDescFlags.Next | writeFlag), (head + 2) % size);
                WriteDesc(memory, (uint)q.DescTable, (head + 2) % size, status, 1, VirtqDescFlags.Write, 0);
                uint avail = (uint)q.AvailRing;
                ushort idx = GuestBytes.R16(memory, avail + 2);
                GuestBytes.W16(memory, avail + 4 + 2 * (idx % size), (ushort)head);
                GuestBytes.W16(memory, avail + 2, (ushort)(idx + 1));
                break;
            }
            case 14:
                W(bus, InterruptAck, input.U8() & 3u);
                break;
            default: // a failing host disk, or not
                backend.FailIo = (input.U8() & 0x0F) == 0x0F;
                break;
        }
    }

    /// <summary>Well-formed sessions (start-up, IN / OUT / FLUSH / GET_ID requests, notify or poll, ack), in
    /// exit and poll mode, with and without EVENT_IDX and indirect descriptors: AFL's starting corpus and the
    /// material of the deterministic tests.</summary>
    public static byte[][] Seeds() =>
    [
        [0x00, 0x0C, 0x34, 0x0D, 0, 0, 0, 0, 1, 0, 0x09, 0x0E, 1, 0x0D, 3, 0x10, 4, 1, 2, 1, 0x09, 0x02, 0x60, 0x00, 0x00],
        [0x01, 0x0C, 0x24, 0x0D, 1, 0, 8, 1, 5, 3, 0x0B, 0x0E, 3, 0x0D, 2, 0, 0, 2, 0, 0, 0x0B, 0x0D, 0, 0, 0, 3, 0, 0, 0x0B],
        [0x00, 0x0C, 0x37, 0x0D, 0, 0, 0, 0, 2, 0, 0x06, 0x00, 0x05, 0x0D, 4, 0, 0, 0, 3, 0, 0x0A, 0x0E, 3],
        [0x02, 0x0C, 0x45, 0x0D, 0, 0x10, 0, 1, 1, 0, 0x09, 0x0D, 3, 0x10, 4, 0, 9, 0, 0x09, 0x0F, 0x0F, 0x0D, 6, 0, 0, 0, 1, 0, 0x09],
    ];

    private static void W(MmioBus bus, uint register, uint value) => bus.Write(Base + register, 4, value);

    private static void WriteDesc(GuestMemory memory, uint table, uint index, ulong address, uint length, ushort flags, uint next)
    {
        uint at = table + index * 16;
        GuestBytes.W64(memory, at, address);
        GuestBytes.W32(memory, at + 8, length);
        GuestBytes.W16(memory, at + 12, flags);
        GuestBytes.W16(memory, at + 14, (ushort)next);
    }

    private static void Check(VirtioMmioTransport transport, IrqLine irq)
    {
        if (irq.Level != (transport.InterruptStatus != 0))
            throw new FuzzPropertyException($"IRQ line {irq.Level} but InterruptStatus {transport.InterruptStatus}");
        for (int i = 0; i < transport.Queues.Count; i++)
        {
            var q = transport.Queues[i];
            if (!q.Ready)
                continue;
            // Free-running 16-bit counters: the used index is at most the consumed count, never ahead of it.
            int behind = (ushort)(q.LastAvailIdx - q.NextUsedIdx);
            if (behind > q.Size)
                throw new FuzzPropertyException($"queue {i}: used idx {q.NextUsedIdx} passed the consumed avail idx {q.LastAvailIdx}");
            if (behind != 0 && (transport.Status & VirtioStatus.DeviceNeedsReset) == 0)
                throw new FuzzPropertyException($"queue {i}: {behind} chains taken (avail {q.LastAvailIdx}) but not returned (used {q.NextUsedIdx})");
        }
    }
}
