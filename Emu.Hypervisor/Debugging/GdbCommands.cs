using System.Globalization;
using System.Text;

namespace Emu.Hypervisor.Debugging;

/// <summary>What the server does after a packet.</summary>
public enum GdbAction
{
    /// <summary>Keep serving packets; the guest stays stopped.</summary>
    None,
    Continue,
    Step,
    ReverseStep,
    ReverseContinue,
    Detach,
    Kill,
    /// <summary>The OK to QStartNoAckMode went out: no more acknowledgements.</summary>
    NoAck,
}

/// <summary>
/// The handlers of gdb's packets while the guest is stopped: the queries gdb makes on connecting, registers
/// (g/G/p/P), memory at linear addresses (m/M/X), breakpoints and watchpoints (Z/z 0-4), resuming (c/s/vCont),
/// detach and kill, and monitor commands (qRcmd, <see cref="MonitorCommands"/>).
/// </summary>
public sealed class GdbCommands(VirtualMachine vm, MachineDebugger debugger)
{
    private const string Features = "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;vContSupported+;ReverseStep+;ReverseContinue+";
    private const string Error = "E01";
    private readonly MonitorCommands _monitor = new(vm, debugger);

    /// <summary>Handles one packet; replies through <paramref name="send"/> (a resume's reply is the stop reply,
    /// sent when the guest stops again).</summary>
    public GdbAction Handle(string packet, DebugStop lastStop, Action<string> send)
    {
        if (packet.Length == 0)
        {
            send("");
            return GdbAction.None;
        }
        switch (packet[0])
        {
            case GdbPacketStream.Interrupt:
                return GdbAction.None; // Ctrl-C while stopped: nothing to do
            case '?':
                send(StopReply(lastStop));
                return GdbAction.None;
            case 'g':
                send(GdbRegisters.ReadAll(vm.Cpu));
                return GdbAction.None;
            case 'G':
                send(GdbRegisters.WriteAll(vm.Cpu, packet[1..]) ? "OK" : Error);
                return GdbAction.None;
            case 'p':
                send(TryHex(packet[1..], out uint number) && GdbRegisters.Read(vm.Cpu, (int)Math.Min(number, int.MaxValue)) is { } value ? value : Error);
                return GdbAction.None;
            case 'P':
                send(WriteRegister(packet[1..]) ? "OK" : Error);
                return GdbAction.None;
            case 'm':
                send(ReadMemory(packet[1..]) ?? Error);
                return GdbAction.None;
            case 'M':
                send(WriteMemory(packet[1..], binary: false) ? "OK" : Error);
                return GdbAction.None;
            case 'X':
                send(WriteMemory(packet[1..], binary: true) ? "OK" : Error);
                return GdbAction.None;
            case 'Z' or 'z':
                send(SetPoint(packet[0] == 'Z', packet[1..]));
                return GdbAction.None;
            case 'c' or 'C':
                return Resume(packet, GdbAction.Continue);
            case 's' or 'S':
                return Resume(packet, GdbAction.Step);
            case 'b' when packet is "bs" or "bc":
                return packet == "bs" ? GdbAction.ReverseStep : GdbAction.ReverseContinue;
            case 'D':
                debugger.ClearAll();
                send("OK");
                return GdbAction.Detach;
            case 'k':
                return GdbAction.Kill;
            case 'H' or 'T':
                send("OK"); // one thread, always alive
                return GdbAction.None;
            case 'v':
                return HandleV(packet, send);
            case 'q' or 'Q':
                return Query(packet, send);
            default:
                send(""); // not supported
                return GdbAction.None;
        }
    }

    private GdbAction HandleV(string packet, Action<string> send)
    {
        if (packet == "vCont?")
        {
            send("vCont;c;C;s;S");
            return GdbAction.None;
        }
        if (packet.StartsWith("vCont;", StringComparison.Ordinal))
        {
            // One thread: the first action is the one for it.
            char action = packet["vCont;".Length];
            return action is 's' or 'S' ? GdbAction.Step : GdbAction.Continue;
        }
        if (packet.StartsWith("vKill", StringComparison.Ordinal))
        {
            send("OK");
            return GdbAction.Kill;
        }
        send("");
        return GdbAction.None;
    }

    private GdbAction Query(string packet, Action<string> send)
    {
        if (packet.StartsWith("qSupported", StringComparison.Ordinal))
            send(Features);
        else if (packet == "QStartNoAckMode")
        {
            send("OK");
            return GdbAction.NoAck;
        }
        else if (packet.StartsWith("qXfer:features:read:target.xml:", StringComparison.Ordinal))
            send(ReadTargetDescription(packet["qXfer:features:read:target.xml:".Length..]));
        else if (packet == "qAttached")
            send("1");
        else if (packet == "qC")
            send("QC1");
        else if (packet == "qfThreadInfo")
            send("m1");
        else if (packet == "qsThreadInfo")
            send("l");
        else if (packet.StartsWith("qSymbol", StringComparison.Ordinal))
            send("OK");
        else if (packet.StartsWith("qRcmd,", StringComparison.Ordinal))
            RunMonitor(packet["qRcmd,".Length..], send);
        else
            send("");
        return GdbAction.None;
    }

    private void RunMonitor(string hex, Action<string> send)
    {
        string command;
        try
        {
            command = Encoding.Latin1.GetString(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            send(Error);
            return;
        }
        string output = _monitor.Run(command);
        // The output goes as console text (O packets, in pieces that fit the packet size), then OK.
        for (int i = 0; i < output.Length; i += 1000)
            send("O" + ToHex(output.Substring(i, Math.Min(1000, output.Length - i))));
        send("OK");
    }

    private static string ReadTargetDescription(string range)
    {
        var parts = range.Split(',');
        if (parts.Length != 2 || !TryHex(parts[0], out uint offset) || !TryHex(parts[1], out uint length))
            return Error;
        string xml = TargetDescription.Xml;
        if (offset >= xml.Length)
            return "l";
        int take = (int)Math.Min(length, (uint)(xml.Length - (int)offset));
        return (offset + take >= xml.Length ? "l" : "m") + xml.Substring((int)offset, take);
    }

    private GdbAction Resume(string packet, GdbAction action)
    {
        // c[ADDR], s[ADDR], C SIG[;ADDR], S SIG[;ADDR]: the signal is ignored (a real-mode CPU has none to deliver).
        string rest = packet[1..];
        if (packet[0] is 'C' or 'S')
            rest = rest.Contains(';') ? rest[(rest.IndexOf(';') + 1)..] : "";
        if (rest.Length > 0 && TryHex(rest, out uint address))
            GdbRegisters.SetLinearPc(vm.Cpu, address);
        return action;
    }

    private bool WriteRegister(string text)
    {
        int eq = text.IndexOf('=');
        return eq > 0 && TryHex(text[..eq], out uint number) && number < TargetDescription.Count
            && GdbRegisters.Write(vm.Cpu, (int)number, text[(eq + 1)..]);
    }

    // Guest memory as the CPU addresses it (linear, the A20 gate applied), read without side effects: device
    // registers and unmapped addresses read as FF.
    private string? ReadMemory(string text)
    {
        if (!TryRange(text, out uint address, out uint length))
            return null;
        var hex = new StringBuilder((int)length * 2);
        for (uint i = 0; i < length; i++)
            hex.Append(vm.Memory.Peek8(address + i).ToString("x2"));
        return hex.ToString();
    }

    private bool WriteMemory(string text, bool binary)
    {
        int colon = text.IndexOf(':');
        if (colon < 0 || !TryRange(text[..colon], out uint address, out uint length))
            return false;
        byte[] data;
        try
        {
            data = binary ? GdbPacketStream.Unescape(text.AsSpan(colon + 1)) : Convert.FromHexString(text[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return false;
        }
        if (data.Length != length)
            return false;
        // Byte by byte, so that each lands where the A20 gate sends it; ROM is written too (gdb patches code).
        for (int i = 0; i < data.Length; i++)
            vm.Memory.Load((address + (uint)i) & vm.Memory.AddressMask, data.AsSpan(i, 1));
        return true;
    }

    private static bool TryRange(string text, out uint address, out uint length)
    {
        length = 0;
        var parts = text.Split(',');
        return parts.Length == 2 & TryHex(parts[0], out address) && TryHex(parts[1], out length)
            && (ulong)address + length <= Emu.Memory.GuestMemory.Size;
    }

    // Z/z TYPE,ADDR,KIND: 0 software breakpoint, 1 hardware breakpoint, 2 write, 3 read, 4 access watchpoint.
    private string SetPoint(bool insert, string text)
    {
        var parts = text.Split(',', ';');
        if (parts.Length < 3 || !TryHex(parts[1], out uint address) || !TryHex(parts[2], out uint kind))
            return Error;
        bool ok = parts[0] switch
        {
            "0" or "1" => Break(insert, address, hardware: parts[0] == "1"),
            "2" or "3" or "4" => Watch(insert, address, kind, parts[0] == "2" ? WatchKind.Write : parts[0] == "3" ? WatchKind.Read : WatchKind.Access),
            _ => false,
        };
        return parts[0] is "0" or "1" or "2" or "3" or "4" ? ok ? "OK" : Error : "";
    }

    // Inserting one that is there already, or removing one that is not, is not an error: gdb does both after a reconnect.
    private bool Break(bool insert, uint address, bool hardware)
    {
        if (insert)
            debugger.Breakpoints.Add(address, hardware);
        else
            debugger.Breakpoints.Remove(address, hardware);
        return true;
    }

    private bool Watch(bool insert, uint address, uint length, WatchKind kind) =>
        insert ? debugger.Watchpoints.Add(address, length, kind) : debugger.Watchpoints.Remove(address, length, kind) | true;

    /// <summary>The stop reply for a stop: the signal (SIGINT for Ctrl-C, else SIGTRAP) and what gdb needs to know
    /// about it (swbreak/hwbreak, so that it does not move the PC back; the watched address).</summary>
    public static string StopReply(DebugStop stop) => stop.Kind switch
    {
        DebugStopKind.Interrupted => "T02",
        DebugStopKind.Breakpoint => "T05swbreak:;",
        DebugStopKind.HardwareBreakpoint => "T05hwbreak:;",
        DebugStopKind.HistoryBegin => "T05replaylog:begin;",
        DebugStopKind.Watchpoint => $"T05{stop.Watch switch { WatchKind.Write => "watch", WatchKind.Read => "rwatch", _ => "awatch" }}:{stop.WatchAddress:x};",
        _ => "T05",
    };

    /// <summary>The reply for the end of the run: W and the exit status, or X and a signal when the machine broke
    /// down (a triple fault, a state it cannot emulate: SIGSEGV and SIGILL as gdb numbers them).</summary>
    public static string ExitReply(RunOutcome outcome) => outcome.End switch
    {
        RunEnd.Shutdown => "X0b",
        RunEnd.InvalidState => "X04",
        _ => $"W{outcome.ExitCode & 0xFF:x2}",
    };

    private static bool TryHex(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);

    private static string ToHex(string text) => Convert.ToHexString(Encoding.Latin1.GetBytes(text)).ToLowerInvariant();
}
