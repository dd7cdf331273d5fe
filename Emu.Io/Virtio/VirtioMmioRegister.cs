namespace Emu.Io.Virtio;

/// <summary>Offsets of the virtio-mmio version 2 register window (virtio 1.x §4.2.2).</summary>
internal static class VirtioMmioRegister
{
    public const uint MagicValue = 0x000;
    public const uint Version = 0x004;
    public const uint DeviceId = 0x008;
    public const uint VendorId = 0x00C;
    public const uint DeviceFeatures = 0x010;
    public const uint DeviceFeaturesSel = 0x014;
    public const uint DriverFeatures = 0x020;
    public const uint DriverFeaturesSel = 0x024;
    public const uint QueueSel = 0x030;
    public const uint QueueSizeMax = 0x034;
    public const uint QueueSize = 0x038;
    public const uint QueueReady = 0x044;
    public const uint QueueNotify = 0x050;
    public const uint InterruptStatus = 0x060;
    public const uint InterruptAck = 0x064;
    public const uint Status = 0x070;
    public const uint QueueDescLow = 0x080;
    public const uint QueueDescHigh = 0x084;
    public const uint QueueDriverLow = 0x090;
    public const uint QueueDriverHigh = 0x094;
    public const uint QueueDeviceLow = 0x0A0;
    public const uint QueueDeviceHigh = 0x0A4;
    public const uint ConfigGeneration = 0x0FC;
    public const uint Config = 0x100;

    /// <summary>"virt" in little-endian ASCII.</summary>
    public const uint Magic = 0x7472_6976;

    /// <summary>Names for traces; only called when tracing is on.</summary>
    public static string NameOf(uint offset) => offset switch
    {
        >= Config => $"config+{offset - Config:X2}",
        MagicValue => "magic",
        Version => "version",
        DeviceId => "device-id",
        VendorId => "vendor-id",
        DeviceFeatures => "device-features",
        DeviceFeaturesSel => "device-features-sel",
        DriverFeatures => "driver-features",
        DriverFeaturesSel => "driver-features-sel",
        QueueSel => "queue-sel",
        QueueSizeMax => "queue-size-max",
        QueueSize => "queue-size",
        QueueReady => "queue-ready",
        QueueNotify => "queue-notify",
        InterruptStatus => "interrupt-status",
        InterruptAck => "interrupt-ack",
        Status => "status",
        QueueDescLow => "queue-desc-lo",
        QueueDescHigh => "queue-desc-hi",
        QueueDriverLow => "queue-driver-lo",
        QueueDriverHigh => "queue-driver-hi",
        QueueDeviceLow => "queue-device-lo",
        QueueDeviceHigh => "queue-device-hi",
        ConfigGeneration => "config-generation",
        _ => $"+{offset:X3}",
    };
}
