namespace Emu.Io.Tests.Ata;

/// <summary>A controller on a port bus with guest memory and IRQ lines, driven the way a guest driver would.</summary>
internal sealed class AtaRig
{
    public const ushort Data = 0x1F0, Error = 0x1F1, Features = 0x1F1, Count = 0x1F2, LbaLow = 0x1F3, LbaMid = 0x1F4,
        LbaHigh = 0x1F5, Device = 0x1F6, Status = 0x1F7, Command = 0x1F7, AltStatus = 0x3F6, Control = 0x3F6;
    public const ushort Bm = AtaController.DefaultBusMasterBase;

    public AtaRig(IBlockBackend? master = null, IBlockBackend? slave = null, bool noMaster = false)
    {
        if (!noMaster)
            MasterBackend = master ?? new MemoryBackend(Pattern(2048));
        Master = MasterBackend is null ? null : new AtaDrive(MasterBackend, new AtaDriveOptions { ImageName = "disk.img" });
        Slave = slave is null ? null : new AtaDrive(slave);
        Controller = new AtaController(Memory, Irq14, Irq15, Master, Slave);
        Pci = new PciConfigPorts(() => Resets++);
        var devices = new DeviceManager(Bus, new MmioBus(), Memory, Pci, new TimedDeviceSet());
        devices.Add(Pci.Declaration);
        devices.Add(Controller.Declaration);
        Controller.Events = Log;
    }

    public GuestMemory Memory { get; } = new();
    public PortBus Bus { get; } = new();
    public PciConfigPorts Pci { get; }

    /// <summary>Machine resets the guest asked for (port CF9h).</summary>
    public int Resets { get; private set; }
    public IrqLine Irq14 { get; } = new(14);
    public IrqLine Irq15 { get; } = new(15);
    public IBlockBackend? MasterBackend { get; }
    public AtaDrive? Master { get; }
    public AtaDrive? Slave { get; }
    public AtaController Controller { get; }
    public EventLog Log { get; } = new();

    public MemoryBackend Disk => (MemoryBackend)MasterBackend!;

    /// <summary>A disk of <paramref name="sectors"/> sectors where every byte says where it is.</summary>
    public static byte[] Pattern(int sectors)
    {
        var bytes = new byte[sectors * 512];
        for (int s = 0; s < sectors; s++)
        {
            for (int i = 0; i < 512; i++)
                bytes[s * 512 + i] = (byte)(s * 31 + i);
        }
        return bytes;
    }

    public void Out(ushort port, byte value) => Bus.Write(port, 1, value);
    public void Out16(ushort port, ushort value) => Bus.Write(port, 2, value);
    public void Out32(ushort port, uint value) => Bus.Write(port, 4, value);
    public byte In(ushort port) => (byte)Bus.Read(port, 1);
    public ushort In16(ushort port) => (ushort)Bus.Read(port, 2);
    public uint In32(ushort port) => Bus.Read(port, 4);

    /// <summary>Sets up an LBA28 request for the master and writes the command.</summary>
    public void Lba28(byte command, long lba, int count, int device = 0)
    {
        Out(Device, (byte)(0xE0 | (device << 4) | (int)((lba >> 24) & 0x0F)));
        Out(Count, (byte)count);
        Out(LbaLow, (byte)lba);
        Out(LbaMid, (byte)(lba >> 8));
        Out(LbaHigh, (byte)(lba >> 16));
        Out(Command, command);
    }

    /// <summary>An LBA48 request: each register written twice, high (HOB) byte first.</summary>
    public void Lba48(byte command, long lba, int count)
    {
        Out(Device, 0x40);
        Out(Count, (byte)(count >> 8));
        Out(LbaLow, (byte)(lba >> 24));
        Out(LbaMid, (byte)(lba >> 32));
        Out(LbaHigh, (byte)(lba >> 40));
        Out(Count, (byte)count);
        Out(LbaLow, (byte)lba);
        Out(LbaMid, (byte)(lba >> 8));
        Out(LbaHigh, (byte)(lba >> 16));
        Out(Command, command);
    }

    /// <summary>Reads one 512-byte block with 256 16-bit IN instructions.</summary>
    public byte[] ReadBlock(int bytes = 512)
    {
        var data = new byte[bytes];
        for (int i = 0; i < bytes; i += 2)
        {
            ushort w = In16(Data);
            data[i] = (byte)w;
            data[i + 1] = (byte)(w >> 8);
        }
        return data;
    }

    public void WriteBlock(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i += 2)
            Out16(Data, (ushort)(data[i] | (data[i + 1] << 8)));
    }

    public ushort[] Identify()
    {
        Out(Device, 0xA0);
        Out(Command, AtaCommand.IdentifyDevice);
        In(Status).Should().Be(0x58);
        var words = new ushort[256];
        for (int i = 0; i < 256; i++)
            words[i] = In16(Data);
        return words;
    }

    /// <summary>Writes PRD entries at <paramref name="table"/>: (address, byte count, end of table).</summary>
    public void WritePrds(uint table, params (uint Address, int Bytes, bool Eot)[] entries)
    {
        for (int i = 0; i < entries.Length; i++)
        {
            var (address, bytes, eot) = entries[i];
            uint control = (uint)(bytes & 0xFFFF) | (eot ? 0x8000_0000u : 0);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(Memory.Bytes[(int)(table + i * 8)..], address);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(Memory.Bytes[(int)(table + i * 8 + 4)..], control);
        }
    }

    internal sealed class EventLog : IDeviceEventSink
    {
        public List<string> Lines { get; } = [];
        public void Note(string device, string what) => Lines.Add($"{device} {what}");
    }
}
