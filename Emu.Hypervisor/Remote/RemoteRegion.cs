using System.Buffers.Binary;
using Emu.Io.Bus;
using Emu.Io.Storage;

namespace Emu.Hypervisor.Remote;

/// <summary>A device region served by a device process, as the VMM's port or MMIO bus (or its PCI configuration
/// ports) see it: each access is forwarded and the bus waits for the completion, as a KVM VMM forwards an exit to a
/// user-space device.</summary>
internal sealed class RemoteRegion(DeviceProcessClient client, int index, string name) : IIoDevice
{
    public string Name { get; } = name;

    public int Index => index;

    public void Read(uint offset, Span<byte> data)
    {
        uint value = client.Access(index, offset, data.Length, write: false, 0);
        Span<byte> four = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(four, value);
        four[..data.Length].CopyTo(data);
    }

    public void Write(uint offset, ReadOnlySpan<byte> data) =>
        client.Access(index, offset, data.Length, write: true, DeviceProcessClient.ValueOf(data));

    public string RegisterName(uint offset, bool write) => client.RegisterName(index, offset, write);
}

/// <summary>
/// What the VMM knows of a disk a device process serves: its size and whether it is read-only, which the BIOS's
/// drive tables need (INT 13h AH=08h/15h/48h). The data is in the other process: a read or write here fails, so
/// nothing in the VMM can touch the image behind the device's back.
/// </summary>
internal sealed class RemoteDiskStandIn(Emu.Io.Remote.DiskInfo info) : IBlockBackend
{
    public long CapacityBytes => info.CapacityBytes;
    public long SectorCount => info.SectorCount;
    public bool ReadOnly => info.ReadOnly;
    public string Path => info.Path;

    public BlockStatus Read(long offset, Span<byte> destination) => BlockStatus.IoError;
    public BlockStatus Write(long offset, ReadOnlySpan<byte> source) => BlockStatus.IoError;
    public BlockStatus Flush() => BlockStatus.Ok;
    public void Dispose()
    {
    }
}
