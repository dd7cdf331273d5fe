using Emu.Io.Devices;
using Emu.Memory;

namespace Emu.Io.Remote;

// The payload of each message type (docs/DEVICE-PROTOCOL.md has the byte layouts). Decode checks every field
// against what this version allows, so both sides can rely on what they get; Encode writes the same layout.

/// <summary>VMM → device: who is calling and where guest RAM is.</summary>
public sealed record HelloMessage(HelloFlags Flags, string RamPath, ushort Version = DeviceProtocol.Version)
{
    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U32(DeviceProtocol.Magic);
        w.U16(Version);
        w.U16((ushort)Flags);
        w.U32((uint)GuestRamStore.Length);
        w.Text(RamPath, DeviceProtocol.MaxPathLength);
        return w.Length;
    }

    public static HelloMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Hello);
        Magic(r.U32(), MessageType.Hello);
        ushort version = r.U16();
        if (version != DeviceProtocol.Version)
            throw new DeviceProtocolException(ProtocolFault.WrongPeer, $"the VMM speaks device protocol version {version}; this device process speaks version {DeviceProtocol.Version}");
        var flags = (HelloFlags)r.U16();
        if ((flags & ~HelloFlags.All) != 0)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Hello message: unknown flags {(ushort)flags:X4}");
        uint ramLength = r.U32();
        if (ramLength != GuestRamStore.Length)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Hello message: guest RAM of {ramLength} bytes (this layout has {GuestRamStore.Length})");
        string path = r.Text(DeviceProtocol.MaxPathLength);
        r.End();
        if (path.Length == 0 || path.Contains('\0'))
            throw new DeviceProtocolException(ProtocolFault.BadField, "Hello message: no usable guest RAM path");
        return new HelloMessage(flags, path, version);
    }

    internal static void Magic(uint magic, MessageType type)
    {
        if (magic != DeviceProtocol.Magic)
            throw new DeviceProtocolException(ProtocolFault.WrongPeer, $"{type} message: magic {magic:X8} is not {DeviceProtocol.Magic:X8} (not an Emu device protocol peer)");
    }
}

/// <summary>A window of device registers: where the VMM should decode it and what it is called.</summary>
public sealed record RegionInfo(RegionSpace Space, uint Base, uint Length, string Name)
{
    /// <summary>Whether the region decodes at all now (a PCI BAR may be off).</summary>
    public bool Decoded => Base != DeviceProtocol.NoBase;

    /// <summary>The checks both sides apply to a region's placement; null when it is fine.</summary>
    public static string? Check(RegionSpace space, uint start, uint length)
    {
        switch (space)
        {
            case RegionSpace.Port:
                if (length is 0 or > 0x1_0000)
                    return $"a port region of {length} ports";
                if (start != DeviceProtocol.NoBase && (ulong)start + length > 0x1_0000)
                    return $"a port region at {start:X}+{length:X} outside the 64 Ki port space";
                return null;
            case RegionSpace.Mmio or RegionSpace.Assigned:
                if (start == DeviceProtocol.NoBase || length == 0 || start % GuestMemory.PageSize != 0
                    || (ulong)start + length > GuestMemory.Size)
                    return $"an {(space == RegionSpace.Mmio ? "MMIO" : "assigned")} region at {start:X}+{length:X} that is not whole pages inside guest memory";
                return null;
            case RegionSpace.PciConfig:
                if (start > 0xFF || length != 256)
                    return $"a PCI configuration region at {start:X} of {length} bytes (device<<3|function below 100h, 256 bytes)";
                return null;
            default:
                return $"a region in unknown space {(byte)space}";
        }
    }
}

/// <summary>A disk the device process serves: what the VMM's firmware needs to describe it.</summary>
/// <summary>A served disk: <see cref="CapacityBytes"/> of the image at <see cref="Path"/> starting at byte
/// <see cref="Offset"/> (0 unless the device server split one image into per-guest windows).</summary>
public sealed record DiskInfo(string Name, string Path, long CapacityBytes, bool ReadOnly, long Offset = 0)
{
    public long SectorCount => Storage.BlockRange.SectorsFor(CapacityBytes);
}

/// <summary>Device → VMM: what the device process serves.</summary>
public sealed record WelcomeMessage(RemoteDeviceKind Kind, int ProcessId, IReadOnlyList<RegionInfo> Regions,
    IReadOnlyList<byte> Irqs, IReadOnlyList<DiskInfo> Disks)
{
    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U32(DeviceProtocol.Magic);
        w.U16(DeviceProtocol.Version);
        w.U8((byte)Kind);
        w.U8((byte)Regions.Count);
        w.U8((byte)Irqs.Count);
        w.U8((byte)Disks.Count);
        w.U16(0);
        w.U32((uint)ProcessId);
        foreach (var region in Regions)
        {
            w.U8((byte)region.Space);
            w.Zero(3);
            w.U32(region.Base);
            w.U32(region.Length);
            w.Text(region.Name, DeviceProtocol.MaxNameLength);
        }
        foreach (byte irq in Irqs)
            w.U8(irq);
        foreach (var disk in Disks)
        {
            w.U64((ulong)disk.CapacityBytes);
            w.U64((ulong)disk.Offset);
            w.U8(disk.ReadOnly ? (byte)1 : (byte)0);
            w.Text(disk.Name, DeviceProtocol.MaxNameLength);
            w.Text(disk.Path, DeviceProtocol.MaxPathLength);
        }
        return w.Length;
    }

    public static WelcomeMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Welcome);
        HelloMessage.Magic(r.U32(), MessageType.Welcome);
        ushort version = r.U16();
        if (version != DeviceProtocol.Version)
            throw new DeviceProtocolException(ProtocolFault.WrongPeer, $"the device process speaks device protocol version {version}; this VMM speaks version {DeviceProtocol.Version}");
        var kind = (RemoteDeviceKind)r.U8();
        if (!Enum.IsDefined(kind))
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Welcome message: unknown device kind {(byte)kind}");
        int regions = r.U8(), irqs = r.U8(), disks = r.U8();
        r.Reserved(2);
        int pid = (int)r.U32();
        if (regions is 0 or > DeviceProtocol.MaxRegions || irqs > DeviceProtocol.MaxIrqLines || disks > DeviceProtocol.MaxDisks)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Welcome message: {regions} regions, {irqs} IRQ lines, {disks} disks (at most {DeviceProtocol.MaxRegions}, {DeviceProtocol.MaxIrqLines}, {DeviceProtocol.MaxDisks}; at least one region)");
        var regionList = new List<RegionInfo>();
        for (int i = 0; i < regions; i++)
        {
            var space = (RegionSpace)r.U8();
            r.Reserved(3);
            uint start = r.U32(), length = r.U32();
            string name = r.Text(DeviceProtocol.MaxNameLength);
            if (RegionInfo.Check(space, start, length) is { } problem)
                throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"Welcome message: region {i} ({name}) is {problem}");
            regionList.Add(new RegionInfo(space, start, length, name.Length > 0 ? name : $"remote-region{i}"));
        }
        var irqList = new List<byte>();
        for (int i = 0; i < irqs; i++)
        {
            byte irq = r.U8();
            if (irq > 15 || irq == 2)
                throw new DeviceProtocolException(ProtocolFault.ImpossibleIrq, $"Welcome message: IRQ line {i} is IRQ {irq} (0-15, not the cascade IRQ 2)");
            irqList.Add(irq);
        }
        var diskList = new List<DiskInfo>();
        for (int i = 0; i < disks; i++)
        {
            ulong capacity = r.U64();
            ulong offset = r.U64();
            byte readOnly = r.U8();
            if (capacity > long.MaxValue / 2 || offset > long.MaxValue / 2 || readOnly > 1)
                throw new DeviceProtocolException(ProtocolFault.ImpossibleDisk, $"Welcome message: disk {i} has capacity {capacity}, offset {offset} and read-only flag {readOnly}");
            string name = r.Text(DeviceProtocol.MaxNameLength);
            string path = r.Text(DeviceProtocol.MaxPathLength);
            diskList.Add(new DiskInfo(name, path, (long)capacity, readOnly == 1, (long)offset));
        }
        r.End();
        return new WelcomeMessage(kind, pid, regionList, irqList, diskList);
    }
}

/// <summary>VMM → device: the kind of every page of the address space, so the device's DMA checks match the VMM's.</summary>
public static class MemoryMapMessage
{
    public static int PageCount => GuestMemory.PageCount;

    public static int Encode(Span<byte> buffer, ReadOnlySpan<PageKind> kinds)
    {
        var w = new PayloadWriter(buffer);
        w.U16((ushort)kinds.Length);
        foreach (var kind in kinds)
            w.U8((byte)kind);
        return w.Length;
    }

    public static PageKind[] Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.MemoryMap);
        int count = r.U16();
        if (count != PageCount)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"MemoryMap message: {count} pages (this layout has {PageCount})");
        var kinds = new PageKind[count];
        var bytes = r.Bytes(count);
        for (int i = 0; i < count; i++)
        {
            kinds[i] = (PageKind)bytes[i];
            if (!Enum.IsDefined(kinds[i]))
                throw new DeviceProtocolException(ProtocolFault.BadField, $"MemoryMap message: page {i:X} has unknown kind {bytes[i]}");
        }
        r.End();
        return kinds;
    }
}

/// <summary>VMM → device: one guest access of 1, 2 or 4 bytes at an offset inside a region.</summary>
public readonly record struct AccessMessage(byte Region, byte Size, bool IsWrite, uint Offset, uint Value)
{
    public const int Length = 12;

    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U8(Region);
        w.U8(Size);
        w.U8(IsWrite ? (byte)1 : (byte)0);
        w.U8(0);
        w.U32(Offset);
        w.U32(Value);
        return w.Length;
    }

    /// <summary>Decodes and checks the access against the regions the device has.</summary>
    public static AccessMessage Decode(ReadOnlySpan<byte> payload, IReadOnlyList<RegionInfo> regions)
    {
        var r = new PayloadReader(payload, MessageType.Access);
        byte region = r.U8(), size = r.U8(), write = r.U8();
        r.Reserved(1);
        uint offset = r.U32(), value = r.U32();
        r.End();
        if (region >= regions.Count)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"Access message: region {region} (the device has {regions.Count})");
        if (size is not (1 or 2 or 4) || write > 1)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Access message: size {size}, direction {write} (sizes 1, 2, 4; direction 0 or 1)");
        if ((ulong)offset + size > regions[region].Length)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"Access message: {size} bytes at offset {offset:X} outside region {regions[region].Name} ({regions[region].Length} bytes)");
        if (size < 4 && write == 1 && value >> (8 * size) != 0)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Access message: a {size}-byte write of {value:X} (wider than the access)");
        return new AccessMessage(region, size, write == 1, offset, value);
    }
}

/// <summary>Device → VMM: a request is done. <see cref="DeviceNs"/> is the host time the device model took.</summary>
public readonly record struct CompletionMessage(uint Value, long DeviceNs)
{
    public const int Length = 16;

    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U32(Value);
        w.U32(0);
        w.U64((ulong)DeviceNs);
        return w.Length;
    }

    public static CompletionMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Completion);
        uint value = r.U32();
        r.Reserved(4);
        ulong ns = r.U64();
        r.End();
        if (ns > long.MaxValue)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Completion message: device time {ns} ns");
        return new CompletionMessage(value, (long)ns);
    }
}

/// <summary>Device → VMM: IRQ line <see cref="Line"/> (an index into Welcome's IRQ list) is now at <see cref="Level"/>.</summary>
public readonly record struct IrqMessage(byte Line, bool Level)
{
    public const int Length = 4;

    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U8(Line);
        w.U8(Level ? (byte)1 : (byte)0);
        w.U16(0);
        return w.Length;
    }

    public static IrqMessage Decode(ReadOnlySpan<byte> payload, int lines)
    {
        var r = new PayloadReader(payload, MessageType.Irq);
        byte line = r.U8(), level = r.U8();
        r.Reserved(2);
        r.End();
        if (line >= lines || level > 1)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleIrq, $"Irq message: line {line} level {level} (the device has {lines} lines; level 0 or 1)");
        return new IrqMessage(line, level == 1);
    }
}

/// <summary>Device → VMM: region <see cref="Region"/> now decodes at <see cref="Base"/> (or nowhere: <see cref="DeviceProtocol.NoBase"/>).</summary>
public readonly record struct RegionMovedMessage(byte Region, uint Base)
{
    public const int Length = 8;

    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U8(Region);
        w.Zero(3);
        w.U32(Base);
        return w.Length;
    }

    public static RegionMovedMessage Decode(ReadOnlySpan<byte> payload, IReadOnlyList<RegionInfo> regions)
    {
        var r = new PayloadReader(payload, MessageType.RegionMoved);
        byte region = r.U8();
        r.Reserved(3);
        uint start = r.U32();
        r.End();
        if (region >= regions.Count || regions[region].Space != RegionSpace.Port)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"RegionMoved message: region {region} is not a port region of the device");
        if (RegionInfo.Check(RegionSpace.Port, start, regions[region].Length) is { } problem)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"RegionMoved message: {regions[region].Name} moved to {problem}");
        return new RegionMovedMessage(region, start);
    }
}

/// <summary>Device → VMM: the device wrote guest RAM in [Address, Address+Length).</summary>
public readonly record struct MemoryWrittenMessage(uint Address, uint Length)
{
    public const int Size = 8;

    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U32(Address);
        w.U32(Length);
        return w.Length;
    }

    public static MemoryWrittenMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.MemoryWritten);
        uint address = r.U32(), length = r.U32();
        r.End();
        if (length == 0 || (ulong)address + length > GuestMemory.Size)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleDma, $"MemoryWritten message: {length} bytes at {address:X} (outside guest memory)");
        return new MemoryWrittenMessage(address, length);
    }
}

/// <summary>Device → VMM: a device event for the trace, with the host time it measured (0 when not measured).</summary>
public sealed record EventMessage(long HostNs, string Device, string Text)
{
    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U64((ulong)HostNs);
        w.Text(Device, DeviceProtocol.MaxNameLength);
        w.Text(Text, DeviceProtocol.MaxTextLength);
        return w.Length;
    }

    public static EventMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Event);
        ulong ns = r.U64();
        string device = r.Text(DeviceProtocol.MaxNameLength);
        string text = r.Text(DeviceProtocol.MaxTextLength);
        r.End();
        if (ns > long.MaxValue)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Event message: host time {ns} ns");
        return new EventMessage((long)ns, Clean(device), Clean(text));
    }

    // A trace line is one line: control characters from the peer become '?'.
    internal static string Clean(string s) => string.Create(s.Length, s, (dst, src) =>
    {
        for (int i = 0; i < src.Length; i++)
            dst[i] = char.IsControl(src[i]) ? '?' : src[i];
    });
}

/// <summary>Either way: why the sender gives up on the conversation.</summary>
public sealed record ErrorMessage(string Text)
{
    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.Text(Text, DeviceProtocol.MaxTextLength);
        return w.Length;
    }

    public static ErrorMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Error);
        string text = r.Text(DeviceProtocol.MaxTextLength);
        r.End();
        return new ErrorMessage(EventMessage.Clean(text));
    }
}

/// <summary>VMM → device: the flags of Hello again, changed (VirtioPoll is fixed at Hello and ignored here).</summary>
public static class ConfigureMessage
{
    public static int Encode(Span<byte> buffer, HelloFlags flags)
    {
        var w = new PayloadWriter(buffer);
        w.U16((ushort)flags);
        w.U16(0);
        return w.Length;
    }

    public static HelloFlags Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.Configure);
        var flags = (HelloFlags)r.U16();
        r.Reserved(2);
        r.End();
        if ((flags & ~HelloFlags.All) != 0)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"Configure message: unknown flags {(ushort)flags:X4}");
        return flags;
    }
}

/// <summary>Device → VMM: register names of one region (offset, name when read, name when written), as many
/// entries as fit in one message; a region may take several messages.</summary>
public sealed record RegisterNamesMessage(byte Region, IReadOnlyList<(ushort Offset, string Read, string Write)> Names)
{
    /// <summary>Encodes entries from <paramref name="start"/> on while they fit; returns the payload length and
    /// how many entries went in.</summary>
    public int Encode(Span<byte> buffer, int start, out int count)
    {
        var w = new PayloadWriter(buffer);
        w.U8(Region);
        w.U8(0);
        var countAt = buffer[2..4];
        w.U16(0);
        count = 0;
        for (int i = start; i < Names.Count; i++)
        {
            var (offset, read, write) = Names[i];
            int need = 2 + 2 + Math.Min(System.Text.Encoding.UTF8.GetByteCount(read), DeviceProtocol.MaxRegisterName)
                + 2 + Math.Min(System.Text.Encoding.UTF8.GetByteCount(write), DeviceProtocol.MaxRegisterName);
            if (w.Length + need > buffer.Length)
                break;
            w.U16(offset);
            w.Text(read, DeviceProtocol.MaxRegisterName);
            w.Text(write, DeviceProtocol.MaxRegisterName);
            count++;
        }
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(countAt, (ushort)count);
        return w.Length;
    }

    public static RegisterNamesMessage Decode(ReadOnlySpan<byte> payload, IReadOnlyList<RegionInfo> regions)
    {
        var r = new PayloadReader(payload, MessageType.RegisterNames);
        byte region = r.U8();
        r.Reserved(1);
        int count = r.U16();
        if (region >= regions.Count)
            throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"RegisterNames message: region {region} (the device has {regions.Count})");
        var names = new List<(ushort, string, string)>();
        for (int i = 0; i < count; i++)
        {
            ushort offset = r.U16();
            string read = EventMessage.Clean(r.Text(DeviceProtocol.MaxRegisterName));
            string write = EventMessage.Clean(r.Text(DeviceProtocol.MaxRegisterName));
            if (offset >= Math.Min(DeviceProtocol.NamedOffsets, regions[region].Length))
                throw new DeviceProtocolException(ProtocolFault.ImpossibleRegion, $"RegisterNames message: offset {offset:X} outside the named part of region {regions[region].Name}");
            names.Add((offset, read, write));
        }
        r.End();
        return new RegisterNamesMessage(region, names);
    }
}

/// <summary>Messages without payload (Reset, Poll, Goodbye) must have none.</summary>
internal static class EmptyMessage
{
    public static void Decode(ReadOnlySpan<byte> payload, MessageType type)
    {
        if (!payload.IsEmpty)
            throw new DeviceProtocolException(ProtocolFault.Malformed, $"{type} message has {payload.Length} payload bytes (it has none)");
    }
}

/// <summary>VMM → assigned device: u32 IOVA, u32 offset in the VMM's guest memory, u32 length, u8 access (1 read,
/// 2 write), 3 zero bytes. The target is always the calling VMM's own memory (as VFIO maps the caller's pages), all
/// page aligned and inside guest memory.</summary>
public readonly record struct IommuMapMessage(uint Iova, uint RamOffset, uint Length, Assigned.IommuAccess Access)
{
    public int Encode(Span<byte> buffer)
    {
        var w = new PayloadWriter(buffer);
        w.U32(Iova);
        w.U32(RamOffset);
        w.U32(Length);
        w.U8((byte)Access);
        w.Zero(3);
        return w.Length;
    }

    public static IommuMapMessage Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.IommuMap);
        uint iova = r.U32(), offset = r.U32(), length = r.U32();
        var access = (Assigned.IommuAccess)r.U8();
        r.Reserved(3);
        r.End();
        if ((iova | offset | length) % GuestMemory.PageSize != 0 || length == 0 || (ulong)offset + length > GuestMemory.Size
            || (ulong)iova + length > 1UL << 32 || access is Assigned.IommuAccess.None || (access & ~Assigned.IommuAccess.ReadWrite) != 0)
            throw new DeviceProtocolException(ProtocolFault.BadField, $"IommuMap message: IOVA {iova:X} to guest memory {offset:X}+{length:X}, access {(byte)access} (whole pages inside guest memory, access 1-3)");
        return new IommuMapMessage(iova, offset, length, access);
    }
}

/// <summary>VMM → assigned device: string, the name of the VMM's notification socket (abstract namespace).</summary>
public static class PostedInterruptsMessage
{
    public static int Encode(Span<byte> buffer, string socketName)
    {
        var w = new PayloadWriter(buffer);
        w.Text(socketName, DeviceProtocol.MaxNameLength);
        return w.Length;
    }

    public static string Decode(ReadOnlySpan<byte> payload)
    {
        var r = new PayloadReader(payload, MessageType.PostedInterrupts);
        string name = r.Text(DeviceProtocol.MaxNameLength);
        r.End();
        if (name.Length == 0 || name.Contains('\0'))
            throw new DeviceProtocolException(ProtocolFault.BadField, "PostedInterrupts message: no usable socket name");
        return name;
    }
}
