namespace Emu.Io.Virtio;

/// <summary>Device status bits (virtio 1.x §2.1). The driver sets all but DEVICE_NEEDS_RESET.</summary>
internal static class VirtioStatus
{
    public const uint Acknowledge = 1;
    public const uint Driver = 2;
    public const uint DriverOk = 4;
    public const uint FeaturesOk = 8;
    /// <summary>Set by the device when it has given up on the driver (a broken ring).</summary>
    public const uint DeviceNeedsReset = 64;
    public const uint Failed = 128;
}

/// <summary>Transport-level feature bits (virtio 1.x §6), as bit numbers in the 64-bit feature word.</summary>
internal static class VirtioFeature
{
    public const int IndirectDesc = 28;
    public const int EventIdx = 29;
    public const int Version1 = 32;

    public static ulong Bit(int bit) => 1UL << bit;
}

/// <summary>Bits of the InterruptStatus / InterruptACK registers.</summary>
internal static class VirtioInterrupt
{
    public const uint UsedBuffer = 1;
    public const uint ConfigChange = 2;
}

/// <summary>Descriptor flags of a split virtqueue.</summary>
internal static class VirtqDescFlags
{
    public const ushort Next = 1;
    /// <summary>The device writes this buffer (otherwise the device only reads it).</summary>
    public const ushort Write = 2;
    /// <summary>The buffer is a table of descriptors.</summary>
    public const ushort Indirect = 4;
}

/// <summary>The flags words of the available and used rings.</summary>
internal static class VirtqRingFlags
{
    /// <summary>avail.flags: the driver asks not to be interrupted (advisory, ignored under EVENT_IDX).</summary>
    public const ushort NoInterrupt = 1;
    /// <summary>used.flags: the device asks not to be notified (advisory, ignored under EVENT_IDX).</summary>
    public const ushort NoNotify = 1;
}
