using Emu.Io.Debug;
using Emu.Tests.Shared;

namespace Emu.Io.Tests;

[Collection(AllocationCounting.Name)]
public class DebugTests
{
    [Fact]
    public void Debug_console_appends_bytes_and_reads_e9()
    {
        var sink = new List<byte>(64);
        var bus = new PortBus();
        bus.Register(0xE9, 1, new DebugConsole { Output = sink.Add });
        foreach (char c in "hi\n")
            bus.Write(0xE9, 1, c);
        sink.Should().Equal((byte)'h', (byte)'i', (byte)'\n');
        bus.Read(0xE9, 1).Should().Be(0xE9u);
    }

    [Fact]
    public void Debug_console_does_not_allocate_per_byte()
    {
        var sink = new List<byte>(2000);
        var bus = new PortBus();
        bus.Register(0xE9, 1, new DebugConsole { Output = sink.Add });
        bus.Write(0xE9, 1, 'x');
        AllocationCounting.SteadyStateBytes(() =>
        {
            for (int i = 0; i < 1000; i++)
                bus.Write(0xE9, 1, 'x');
        }).Should().Be(0);
    }

    [Theory]
    [InlineData(1, 0x00u, 1)]
    [InlineData(1, 0x10u, 0x21)]
    [InlineData(2, 0x1234u, 0x2469)]
    [InlineData(4, 0x0000_0031u, 0x63)]
    public void Debug_exit_reports_value_shifted_left_or_one(int width, uint value, int status)
    {
        var exit = new DebugExit();
        int? seen = null;
        exit.ExitRequested = s => seen = s;
        var bus = new PortBus();
        bus.Register(0xF4, DebugExit.DefaultSize, exit);
        bus.Write(0xF4, width, value);
        seen.Should().Be(status);
        exit.Status.Should().Be(status);
    }

    [Fact]
    public void Debug_exit_reads_float()
    {
        var bus = new PortBus();
        bus.Register(0xF4, 4, new DebugExit());
        bus.Read(0xF4, 1).Should().Be(0xFFu);
    }
}
