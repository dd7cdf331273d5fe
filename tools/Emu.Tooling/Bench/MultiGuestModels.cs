using Emu.Io.Remote;

namespace Emu.Tooling.Bench;

/// <summary>
/// One way to virtualize IO that `emu bench io --guests N --models ...` compares under sharing: the device model
/// `emu device-server --device` serves to every guest, the guest program each guest runs
/// (guest-images/bench/multi/<see cref="Name"/>.asm, embedded as bench-multi/NAME.bin) and how many exits a request
/// may take at most in steady state (what the tests hold each model to). The server is asked for N guests with
/// `--guests N` whatever the model.
/// </summary>
public sealed record MultiGuestModel(string Name, string Device, RemoteDeviceKind Kind, string Shape, double MaxExitsPerRequest);

/// <summary>The models, in the order the bench reports them: the one place a model is added.</summary>
public static class MultiGuestModels
{
    /// <summary>The names of <see cref="All"/> for help texts, which need a constant (a test keeps it equal).</summary>
    public const string Names = "emulated, paravirtual, assigned";

    public static readonly MultiGuestModel[] All =
    [
        new("emulated", "ata", RemoteDeviceKind.Ata,
            "an ATA controller model per guest; every register access an exit forwarded to the device server; READ DMA, IRQ 14", 20),
        new("paravirtual", "virtio-blk", RemoteDeviceKind.VirtioBlock,
            "one virtio-blk backend for every guest's virtqueue; 16 requests per kick (one forwarded notify), the used ring polled", 1.0 / 16),
        new("assigned", "assigned", RemoteDeviceKind.Assigned,
            "a virtual function per guest: 16 requests per batch, each a doorbell store without a trap; DMA through the VF's IOMMU domain, posted interrupts", 0),
    ];

    public static MultiGuestModel? Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The guest program of <paramref name="model"/>, from the copy embedded at build time.</summary>
    public static byte[] Program(MultiGuestModel model)
    {
        string name = $"bench-multi/{model.Name}.bin";
        return EmbeddedGuest.Load(name) ?? throw new IoBenchException($"the bench guest {name} is not embedded in this build");
    }
}
