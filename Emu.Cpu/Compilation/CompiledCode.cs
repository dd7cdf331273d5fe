namespace Emu.Cpu.Compilation;

/// <summary>
/// What the block engine made of a run: <paramref name="Retired"/> instructions ran in compiled blocks, entered
/// <paramref name="Entries"/> times; <paramref name="Blocks"/> blocks were compiled to IL (dropped ones included),
/// holding <paramref name="Instructions"/> instructions, <paramref name="Handlers"/> of which call their handler as the
/// run loop does rather than run as inline operations.
/// </summary>
/// <remarks>A type of emu's own, not a tuple: a tuple of longs is JIT-compiled (not precompiled) at every start.</remarks>
public readonly record struct CompiledCode(long Retired, long Entries, long Blocks, long Instructions, long Handlers);
