using System.Runtime.CompilerServices;
using Emu.Io.Bus;
using Emu.Io.Common;
using Emu.Io.Interrupts;
using Emu.Memory;

namespace Emu.Io.Ata;

/// <summary>
/// One ATA channel (cable): a master and a slave sharing the task-file registers, the Device Control
/// register, one INTRQ wire and one bus-master DMA engine. The guest sees it through two windows:
/// <see cref="CommandBlock"/> (8 ports, 1F0-1F7) and <see cref="ControlBlock"/> (1 port, 3F6).
///
/// Timing: a command's device work is instantaneous in virtual time. Writing the command register
/// runs it to its next host-visible point (a DRQ block ready, or completion) before the OUT returns,
/// so the guest never observes BSY except while SRST is held. This is deterministic and costs no
/// timer; every status and interrupt sequence of ATA.md is kept, only the BSY windows collapse.
/// </summary>
internal sealed partial class AtaChannel
{
    private readonly AtaDrive?[] _drives = new AtaDrive?[2];
    private readonly IrqLine _irq;
    private readonly GuestMemory _memory;
    private int _selected;
    private byte _control;

    public AtaChannel(string name, IrqLine irq, GuestMemory memory, AtaDrive? master = null, AtaDrive? slave = null)
    {
        Name = name;
        _irq = irq;
        _memory = memory;
        _drives[0] = master;
        _drives[1] = slave;
        CommandBlock = new CommandBlockDevice(this);
        ControlBlock = new ControlBlockDevice(this);
        BusMaster = new BusMasterChannel(this);
    }

    public string Name { get; }
    public AtaDrive? Master => _drives[0];
    public AtaDrive? Slave => _drives[1];
    public IrqLine Irq => _irq;
    /// <summary>The 8-port command block (1F0-1F7 / 170-177).</summary>
    public IIoDevice CommandBlock { get; }
    /// <summary>The 1-port control block (3F6 / 376): Alternate Status / Device Control.</summary>
    public IIoDevice ControlBlock { get; }
    /// <summary>This channel's half of the PIIX bus-master registers.</summary>
    public BusMasterChannel BusMaster { get; }
    /// <summary>Told about commands, state changes, interrupts and backend IO; null costs nothing.</summary>
    public IDeviceEventSink? Events { get; set; }

    /// <summary>0 = master, 1 = slave (the DEV bit last written).</summary>
    public int SelectedDevice => _selected;
    public byte DeviceControl => _control;

    private AtaDrive? Selected => _drives[_selected];
    private bool Hob => (_control & AtaControl.Hob) != 0;

    // ---- command block ----

    internal void ReadCommandBlock(uint offset, Span<byte> data)
    {
        if (offset == AtaRegister.Data && data.Length > 1)
        {
            ReadData(data);
            return;
        }
        // Byte accesses (and a wide access starting above the data port) are byte cycles at successive ports.
        for (int i = 0; i < data.Length; i++)
            data[i] = offset + (uint)i == AtaRegister.Data ? ReadDataByte() : ReadRegister(offset + (uint)i);
    }

    internal void WriteCommandBlock(uint offset, ReadOnlySpan<byte> data)
    {
        if (offset == AtaRegister.Data && data.Length > 1)
        {
            WriteData(data);
            return;
        }
        for (int i = 0; i < data.Length; i++)
        {
            if (offset + (uint)i == AtaRegister.Data)
                WriteData(data.Slice(i, 1));
            else
                WriteRegister(offset + (uint)i, data[i]);
        }
    }

    private byte ReadDataByte()
    {
        Span<byte> one = stackalloc byte[1];
        ReadData(one);
        return one[0];
    }

    private byte ReadRegister(uint reg)
    {
        var d = Selected;
        if (d is null)
            return 0; // absent device: every register reads 0 (status 0: not busy, so probes end)
        if (IsInReset)
            return reg == AtaRegister.StatusCommand ? AtaStatus.Bsy : (byte)0;
        bool hob = Hob;
        switch (reg)
        {
            case AtaRegister.ErrorFeatures: return hob ? d.HobFeature : d.Error;
            case AtaRegister.SectorCount: return hob ? d.HobCount : d.Count;
            case AtaRegister.LbaLow: return hob ? d.HobLbaLow : d.LbaLow;
            case AtaRegister.LbaMid: return hob ? d.HobLbaMid : d.LbaMid;
            case AtaRegister.LbaHigh: return hob ? d.HobLbaHigh : d.LbaHigh;
            case AtaRegister.Device: return (byte)(d.DeviceReg | 0xA0); // bits 7 and 5 are obsolete and read 1
            case AtaRegister.StatusCommand:
                // Reading Status acknowledges the interrupt; Alternate Status does not.
                if (d.IntrqPending)
                {
                    d.IntrqPending = false;
                    UpdateIrq();
                }
                return d.Status;
            default: return 0;
        }
    }

    private void WriteRegister(uint reg, byte value)
    {
        if (reg == AtaRegister.StatusCommand)
        {
            ExecuteCommand(value);
            return;
        }
        // Any command-block write clears HOB, so the next read shows the current values.
        _control &= unchecked((byte)~AtaControl.Hob);
        if (reg == AtaRegister.Device)
        {
            int previous = _selected;
            _selected = (value >> 4) & 1;
            foreach (var d in _drives)
            {
                if (d is not null)
                    d.DeviceReg = (byte)(value & 0x5F); // LBA, DEV and head bits; 7 and 5 read as 1
            }
            if (previous != _selected)
            {
                Note("select", _selected == 0 ? "master" : "slave");
                UpdateIrq(); // only the selected device drives INTRQ
            }
            return;
        }
        // Task-file writes land in both devices' copies, pushing the old value into the HOB copy.
        foreach (var d in _drives)
        {
            if (d is null)
                continue;
            switch (reg)
            {
                case AtaRegister.ErrorFeatures: d.HobFeature = d.Feature; d.Feature = value; break;
                case AtaRegister.SectorCount: d.HobCount = d.Count; d.Count = value; break;
                case AtaRegister.LbaLow: d.HobLbaLow = d.LbaLow; d.LbaLow = value; break;
                case AtaRegister.LbaMid: d.HobLbaMid = d.LbaMid; d.LbaMid = value; break;
                case AtaRegister.LbaHigh: d.HobLbaHigh = d.LbaHigh; d.LbaHigh = value; break;
            }
        }
    }

    // ---- control block ----

    internal void ReadControlBlock(Span<byte> data)
    {
        // Alternate Status: the selected device's status without acknowledging its interrupt.
        var d = Selected;
        byte status = d is null ? (byte)0 : IsInReset ? AtaStatus.Bsy : d.Status;
        data.Fill(status);
    }

    internal void WriteControlBlock(ReadOnlySpan<byte> data)
    {
        byte value = data[0];
        byte old = _control;
        _control = (byte)(value & (AtaControl.Hob | AtaControl.Srst | AtaControl.NIen));
        bool wasReset = (old & AtaControl.Srst) != 0, isReset = (_control & AtaControl.Srst) != 0;
        if (!wasReset && isReset)
            BeginSoftReset();
        else if (wasReset && !isReset)
            EndSoftReset();
        if (((old ^ _control) & AtaControl.NIen) != 0)
            Note("nIEN", (_control & AtaControl.NIen) != 0 ? "1" : "0");
        UpdateIrq();
    }

    private bool IsInReset => (_control & AtaControl.Srst) != 0;

    /// <summary>SRST 0→1: both devices go busy, transfers in progress are dropped, interrupts cleared.</summary>
    private void BeginSoftReset()
    {
        foreach (var d in _drives)
        {
            if (d is null)
                continue;
            d.CancelTransfer();
            d.IntrqPending = false;
            d.Status = AtaStatus.Bsy;
        }
        Note("reset", "SRST asserted");
    }

    /// <summary>SRST 1→0: the signature is loaded, DEV returns to 0, status 50, no interrupt.</summary>
    private void EndSoftReset()
    {
        LoadSignatures();
        Note("reset", "SRST released: signature loaded");
    }

    /// <summary>What a software reset and EXECUTE DEVICE DIAGNOSTIC both end with: every present device has
    /// loaded its signature and is ready and awake, and DEV is 0.</summary>
    private void LoadSignatures()
    {
        foreach (var d in _drives)
        {
            if (d is null)
                continue;
            d.LoadSignature();
            d.Status = AtaStatus.Ready;
            d.Standby = false;
        }
        _selected = 0;
    }

    /// <summary>Power-on / hardware reset of the whole channel (RESET- on the cable).</summary>
    public void HardwareReset()
    {
        _control = 0;
        _selected = 0;
        foreach (var d in _drives)
            d?.PowerOnReset();
        BusMaster.Reset();
        UpdateIrq();
    }

    // ---- interrupts ----

    private void RaiseInterrupt(AtaDrive d)
    {
        d.IntrqPending = true;
        UpdateIrq();
    }

    /// <summary>INTRQ = the selected device's pending interrupt, gated by nIEN.</summary>
    private void UpdateIrq()
    {
        var d = Selected;
        bool level = d is not null && d.IntrqPending && (_control & AtaControl.NIen) == 0 && !IsInReset;
        if (level == _irq.Level)
            return;
        if (level)
            BusMaster.OnInterruptRisingEdge(); // the PIIX latches the IDE interrupt in BM status bit 2
        _irq.Set(level);
        Note("irq", level ? "raised" : "lowered");
    }

    // ---- tracing ----

    private void Note(string what, string detail)
    {
        if (Events is { } sink)
            sink.Note(Name, $"{what}: {detail}");
    }

    /// <summary>Interpolated details are formatted only when a sink is attached (see <see cref="NoteText"/>).</summary>
    private void Note(string what, [InterpolatedStringHandlerArgument("")] ref NoteText detail)
    {
        if (Events is { } sink)
            sink.Note(Name, $"{what}: {detail.ToStringAndClear()}");
    }

    /// <summary>Builds a trace detail only when the channel has an event sink, so that
    /// <c>Note("dma", $"... {x} ...")</c> neither formats nor allocates in an untraced machine.</summary>
    [InterpolatedStringHandler]
    internal ref struct NoteText
    {
        private DefaultInterpolatedStringHandler _inner;

        public NoteText(int literalLength, int formattedCount, AtaChannel channel, out bool enabled)
        {
            enabled = channel.Events is not null;
            _inner = enabled ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
        }

        public void AppendLiteral(string text) => _inner.AppendLiteral(text);
        public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);
        public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);
        public string ToStringAndClear() => _inner.ToStringAndClear();
    }

    /// <summary>"READ SECTORS lba=0 count=100" (the request as the task file states it), or the opcode for
    /// one that is not implemented. The host IO itself is reported by the backend's observer.</summary>
    private void NoteCommand(AtaDrive? d, byte command)
    {
        if (Events is not { } sink)
            return;
        string name = AtaCommand.Name(command) ?? $"command {command:X2}";
        string device = _selected == 0 ? "" : " (slave)";
        if (d is null || !AtaCommand.AddressesSectors(command))
        {
            sink.Note(Name, $"{name}{device}");
            return;
        }
        string where;
        long count;
        if (AtaCommand.IsExt(command))
        {
            count = d.Count | (d.HobCount << 8);
            count = count == 0 ? 65536 : count;
            long lba = d.LbaLow | ((long)d.LbaMid << 8) | ((long)d.LbaHigh << 16)
                | ((long)d.HobLbaLow << 24) | ((long)d.HobLbaMid << 32) | ((long)d.HobLbaHigh << 40);
            where = $"lba={lba}";
        }
        else
        {
            count = d.Count == 0 ? 256 : d.Count;
            where = (d.DeviceReg & 0x40) != 0
                ? $"lba={d.LbaLow | (d.LbaMid << 8) | (d.LbaHigh << 16) | ((d.DeviceReg & 0x0F) << 24)}"
                : $"chs={d.LbaMid | (d.LbaHigh << 8)}/{d.DeviceReg & 0x0F}/{d.LbaLow}";
        }
        sink.Note(Name, $"{name}{device} {where} count={count}");
    }

    // ---- the two bus windows ----

    private static readonly string[] ReadNames = ["data", "error", "count", "lba-lo", "lba-mid", "lba-hi", "device", "status"];
    private static readonly string[] WriteNames = ["data", "features", "count", "lba-lo", "lba-mid", "lba-hi", "device", "command"];

    private sealed class CommandBlockDevice(AtaChannel channel) : IIoDevice
    {
        public string Name => channel.Name;
        public void Read(uint offset, Span<byte> data) => channel.ReadCommandBlock(offset, data);
        public void Write(uint offset, ReadOnlySpan<byte> data) => channel.WriteCommandBlock(offset, data);
        public string RegisterName(uint offset, bool write) => offset < 8 ? (write ? WriteNames : ReadNames)[offset] : $"+{offset:X2}";
    }

    private sealed class ControlBlockDevice(AtaChannel channel) : IIoDevice
    {
        public string Name => channel.Name + "-ctl";
        public void Read(uint offset, Span<byte> data) => channel.ReadControlBlock(data);
        public void Write(uint offset, ReadOnlySpan<byte> data) => channel.WriteControlBlock(data);
        public string RegisterName(uint offset, bool write) => write ? "device-control" : "alt-status";
    }
}
