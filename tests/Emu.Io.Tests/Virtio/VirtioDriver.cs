using System.Buffers.Binary;
using static Emu.Io.Virtio.VirtioMmioRegister;

namespace Emu.Io.Tests.Virtio;

/// <summary>
/// A virtio-blk device on an MMIO bus at 0xD0000 (the page mapped MMIO in guest memory) and a minimal
/// test-side driver that talks to it the way a guest would: 32-bit register accesses through the bus,
/// rings and buffers laid out in guest RAM, heads published in the available ring, QueueNotify.
/// </summary>
internal sealed class VirtioDriver
{
    public const uint Base = VirtioMmioTransport.DefaultBase;
    public const uint DescAddr = 0x1_0000, AvailAddr = 0x1_1000, UsedAddr = 0x1_2000;
    public const uint HeapStart = 0x2_0000, HeapEnd = 0x9_F000;
    public static readonly ulong DefaultFeatures =
        VirtioFeature.Bit(VirtioFeature.Version1) | VirtioFeature.Bit(VirtioBlockFeature.Flush);

    private uint _heap = HeapStart;
    private ushort _nextDesc;

    public VirtioDriver(IBlockBackend? disk = null, VirtioNotifyMode mode = VirtioNotifyMode.Exit)
    {
        Backend = disk ?? new MemoryBackend(Pattern(64));
        Device = new VirtioBlockDevice(Memory, Backend, "EMU-TEST-0001");
        Transport = new VirtioMmioTransport(Device, Memory, Irq, mode) { Events = Log };
        new DeviceManager(new PortBus(), Bus, Memory, new PciConfigPorts(), new TimedDeviceSet()).Add(Transport.Declaration);
    }

    public GuestMemory Memory { get; } = new();
    public MmioBus Bus { get; } = new();
    public IrqLine Irq { get; } = new(VirtioMmioTransport.DefaultIrq);
    public IBlockBackend Backend { get; }
    public MemoryBackend Disk => (MemoryBackend)Backend;
    public VirtioBlockDevice Device { get; }
    public VirtioMmioTransport Transport { get; }
    public EventLog Log { get; } = new();
    public ushort QueueSize { get; private set; }
    /// <summary>The driver's copy of avail.idx.</summary>
    public ushort AvailIdx { get; set; }

    public static byte[] Pattern(int sectors)
    {
        var bytes = new byte[sectors * 512];
        for (int i = 0; i < bytes.Length; i++)
            bytes[i] = (byte)(i / 512 * 31 + i);
        return bytes;
    }

    // ---- registers ----

    public uint Reg(uint offset) => Bus.Read(Base + offset, 4);
    public void Reg(uint offset, uint value) => Bus.Write(Base + offset, 4, value);
    public uint Status => Reg(VirtioMmioRegister.Status);

    /// <summary>Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; true when FEATURES_OK stuck.</summary>
    public bool Negotiate(ulong features)
    {
        Reg(VirtioMmioRegister.Status, 0);
        Reg(VirtioMmioRegister.Status, VirtioStatus.Acknowledge);
        Reg(VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver);
        Reg(DriverFeaturesSel, 0);
        Reg(DriverFeatures, (uint)features);
        Reg(DriverFeaturesSel, 1);
        Reg(DriverFeatures, (uint)(features >> 32));
        Reg(VirtioMmioRegister.Status, VirtioStatus.Acknowledge | VirtioStatus.Driver | VirtioStatus.FeaturesOk);
        return (Status & VirtioStatus.FeaturesOk) != 0;
    }

    /// <summary>Programs queue 0 and writes QueueReady = 1; true when the device accepted it.</summary>
    public bool SetupQueue(uint size, ulong desc = DescAddr, ulong avail = AvailAddr, ulong used = UsedAddr, uint queue = 0)
    {
        Memory.Bytes.Slice((int)DescAddr, 0x3000).Clear();
        Reg(QueueSel, queue);
        Reg(VirtioMmioRegister.QueueSize, size);
        Reg(QueueDescLow, (uint)desc);
        Reg(QueueDescHigh, (uint)(desc >> 32));
        Reg(QueueDriverLow, (uint)avail);
        Reg(QueueDriverHigh, (uint)(avail >> 32));
        Reg(QueueDeviceLow, (uint)used);
        Reg(QueueDeviceHigh, (uint)(used >> 32));
        Reg(QueueReady, 1);
        QueueSize = (ushort)size;
        AvailIdx = 0;
        _nextDesc = 0;
        return Reg(QueueReady) == 1;
    }

    public void DriverOk() => Reg(VirtioMmioRegister.Status, Status | VirtioStatus.DriverOk);

    /// <summary>The whole start-up sequence with a queue of <paramref name="size"/> entries.</summary>
    public VirtioDriver Start(ulong? features = null, uint size = 16)
    {
        Negotiate(features ?? DefaultFeatures).Should().BeTrue();
        SetupQueue(size).Should().BeTrue();
        DriverOk();
        return this;
    }

    public void Notify(uint queue = 0) => Reg(QueueNotify, queue);
    public void Ack() => Reg(InterruptAck, Reg(VirtioMmioRegister.InterruptStatus));

    // ---- guest memory ----

    public void W8(ulong a, byte v) => Memory.Bytes[(int)a] = v;
    public void W16(ulong a, ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Memory.Bytes[(int)a..], v);
    public void W32(ulong a, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Memory.Bytes[(int)a..], v);
    public void W64(ulong a, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Memory.Bytes[(int)a..], v);
    public byte R8(ulong a) => Memory.Bytes[(int)a];
    public ushort R16(ulong a) => BinaryPrimitives.ReadUInt16LittleEndian(Memory.Bytes[(int)a..]);
    public uint R32(ulong a) => BinaryPrimitives.ReadUInt32LittleEndian(Memory.Bytes[(int)a..]);
    public Span<byte> Ram(ulong a, int length) => Memory.Bytes.Slice((int)a, length);

    /// <summary>Guest RAM from a bump allocator (16-aligned); tests are short, so it is never freed.</summary>
    public uint Alloc(int bytes)
    {
        uint a = _heap;
        _heap = (uint)((_heap + bytes + 15) & ~15);
        if (_heap > HeapEnd)
            throw new InvalidOperationException("test heap exhausted");
        Ram(a, bytes).Clear();
        return a;
    }

    // ---- rings ----

    public void WriteDesc(ulong table, int index, ulong addr, uint len, ushort flags, ushort next = 0)
    {
        ulong d = table + (ulong)index * 16;
        W64(d, addr);
        W32(d + 8, len);
        W16(d + 12, flags);
        W16(d + 14, next);
    }

    public void WriteDesc(int index, ulong addr, uint len, ushort flags, ushort next = 0) =>
        WriteDesc(DescAddr, index, addr, len, flags, next);

    /// <summary>Puts <paramref name="head"/> in the next available slot and publishes avail.idx.</summary>
    public void Publish(ushort head)
    {
        W16(AvailAddr + 4 + 2u * (uint)(AvailIdx % QueueSize), head);
        AvailIdx++;
        W16(AvailAddr + 2, AvailIdx);
    }

    public ushort UsedIdx => R16(UsedAddr + 2);
    public ushort UsedFlags => R16(UsedAddr);
    public (uint Id, uint Len) Used(int i) => (R32(UsedAddr + 4 + 8u * (uint)(i % QueueSize)), R32(UsedAddr + 8 + 8u * (uint)(i % QueueSize)));
    public ushort AvailEvent => R16(UsedAddr + 4 + 8u * QueueSize);
    public void SetUsedEvent(ushort v) => W16(AvailAddr + 4 + 2u * QueueSize, v);
    public void SetAvailFlags(ushort v) => W16(AvailAddr, v);

    /// <summary>Takes <paramref name="count"/> consecutive descriptor slots (wrapping in the table).</summary>
    public ushort[] TakeDescriptors(int count)
    {
        var slots = new ushort[count];
        for (int i = 0; i < count; i++)
            slots[i] = (ushort)(_nextDesc++ % QueueSize);
        return slots;
    }

    /// <summary>Writes a chain of buffers (address, length, device-writable) into free descriptor slots.</summary>
    public ushort WriteChain(params (ulong Addr, uint Len, bool Write)[] buffers)
    {
        var slots = TakeDescriptors(buffers.Length);
        for (int i = 0; i < buffers.Length; i++)
        {
            var (addr, len, write) = buffers[i];
            ushort flags = (ushort)((write ? VirtqDescFlags.Write : 0) | (i + 1 < buffers.Length ? VirtqDescFlags.Next : 0));
            WriteDesc(slots[i], addr, len, flags, i + 1 < buffers.Length ? slots[i + 1] : (ushort)0);
        }
        return slots[0];
    }

    /// <summary>A block request header in fresh guest RAM.</summary>
    public uint Header(uint type, ulong sector)
    {
        uint h = Alloc(16);
        W32(h, type);
        W64(h + 8, sector);
        return h;
    }

    /// <summary>
    /// Builds a standard request (header, one data buffer unless <paramref name="dataLen"/> is 0, one status
    /// byte preset to 0xFF) and publishes it. Does not notify.
    /// </summary>
    public BlockRequestInMemory Submit(uint type, ulong sector, uint dataLen = 0, bool? deviceWrites = null)
    {
        uint header = Header(type, sector);
        uint data = dataLen == 0 ? 0 : Alloc((int)dataLen);
        uint status = Alloc(1);
        W8(status, 0xFF);
        bool write = deviceWrites ?? type is VirtioBlockRequestType.In or VirtioBlockRequestType.GetId;
        ushort head = dataLen == 0
            ? WriteChain((header, 16, false), (status, 1, true))
            : WriteChain((header, 16, false), (data, dataLen, write), (status, 1, true));
        Publish(head);
        return new BlockRequestInMemory(this, head, data, dataLen, status);
    }

    internal sealed record BlockRequestInMemory(VirtioDriver Driver, ushort Head, uint Data, uint DataLen, uint StatusAddr)
    {
        public byte Status => Driver.R8(StatusAddr);
        public byte[] DataBytes => Driver.Ram(Data, (int)DataLen).ToArray();
    }

    internal sealed class EventLog : IDeviceEventSink
    {
        public List<string> Lines { get; } = [];
        public void Note(string device, string what) => Lines.Add($"{device} {what}");
    }
}
