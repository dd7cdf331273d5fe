using System.Buffers.Binary;
using Emu.Io.Bus;

namespace Emu.Io.Debug;

/// <summary>
/// QEMU's isa-debug-exit (iobase 0xF4): a write of value v asks the VMM to stop with process exit
/// status (v &lt;&lt; 1) | 1, so a guest test can report pass/fail and no status is ever 0. Register
/// it with the width of QEMU's iosize (4 covers 1-, 2- and 4-byte writes at 0xF4); like QEMU it
/// answers any write inside its window. Reads float (0xFF).
/// </summary>
public sealed class DebugExit : IIoDevice
{
    public const ushort DefaultPort = 0xF4;
    public const uint DefaultSize = 4;

    public string Name => "debug-exit";

    /// <summary>Called with the exit status; the hypervisor stops the machine.</summary>
    public Action<int>? ExitRequested { get; set; }

    /// <summary>The last requested status, if any (for hypervisors that poll rather than subscribe).</summary>
    public int? Status { get; private set; }

    public void Read(uint offset, Span<byte> data) => data.Fill(0xFF);

    public void Write(uint offset, ReadOnlySpan<byte> data)
    {
        uint value = data.Length switch
        {
            1 => data[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(data),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(data),
            _ => 0,
        };
        int status = unchecked((int)((value << 1) | 1));
        Status = status;
        ExitRequested?.Invoke(status);
    }

    public string RegisterName(uint offset, bool write) => "exit";
}
