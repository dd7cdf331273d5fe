namespace Emu.Cpu;

/// <summary>
/// A processor exception raised deep inside an instruction (a segment-limit violation in a memory
/// access). It unwinds to the run loop, which delivers the exception through the IVT. Guest
/// behaviour, not a host error: it never leaves <see cref="Processor.Run"/>. Instances are cached, one per
/// vector, so raising one allocates nothing new.
/// </summary>
internal sealed class CpuFault : Exception
{
    private static readonly CpuFault?[] Cache = new CpuFault?[256];

    private CpuFault(byte vector) : base($"CPU exception {vector:X2}h") => Vector = vector;

    public byte Vector { get; }

    public static CpuFault For(byte vector) => Cache[vector] ??= new CpuFault(vector);
}
