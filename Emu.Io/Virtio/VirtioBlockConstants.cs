namespace Emu.Io.Virtio;

/// <summary>virtio-blk request types (virtio 1.x §5.2.6).</summary>
internal static class VirtioBlockRequestType
{
    public const uint In = 0;
    public const uint Out = 1;
    public const uint Flush = 4;
    public const uint GetId = 8;

    public static string NameOf(uint type) => type switch
    {
        In => "IN",
        Out => "OUT",
        Flush => "FLUSH",
        GetId => "GET_ID",
        _ => $"type {type}",
    };
}

/// <summary>The status byte the device writes at the end of a request.</summary>
internal static class VirtioBlockStatus
{
    public const byte Ok = 0;
    public const byte IoErr = 1;
    public const byte Unsupp = 2;
}

/// <summary>virtio-blk feature bits.</summary>
internal static class VirtioBlockFeature
{
    public const int SegMax = 2;
    public const int ReadOnly = 5;
    public const int BlkSize = 6;
    public const int Flush = 9;
}
