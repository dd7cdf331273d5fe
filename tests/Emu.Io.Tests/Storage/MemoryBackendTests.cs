namespace Emu.Io.Tests.Storage;

public class MemoryBackendTests
{
    [Fact]
    public void Reads_writes_and_range_checks_like_a_file()
    {
        using var disk = new MemoryBackend(700);
        disk.SectorCount.Should().Be(2);
        var sector = Enumerable.Repeat((byte)9, 512).ToArray();
        disk.Write(512, sector).Should().Be(BlockStatus.Ok);
        disk.Data.AsSpan(512).ToArray().Should().OnlyContain(b => b == 9);
        var back = new byte[512];
        back.AsSpan().Fill(0xFF);
        disk.Read(512, back).Should().Be(BlockStatus.Ok);
        back.AsSpan(0, 188).ToArray().Should().OnlyContain(b => b == 9);
        back.AsSpan(188).ToArray().Should().OnlyContain(b => b == 0);
        disk.Read(1024, back).Should().Be(BlockStatus.OutOfRange);
        disk.Flush().Should().Be(BlockStatus.Ok);
        disk.FlushCount.Should().Be(1);
    }

    [Fact]
    public void Readonly_rejects_writes()
    {
        using var disk = new MemoryBackend(new byte[1024], readOnly: true);
        disk.Write(0, new byte[512]).Should().Be(BlockStatus.ReadOnly);
    }

    [Fact]
    public void The_observer_sees_every_operation_with_its_status()
    {
        var log = new List<string>();
        using var disk = new ObservedBackend(new MemoryBackend(1024), new Recorder(log));
        disk.Read(0, new byte[512]);
        disk.Write(512, new byte[512]);
        disk.Write(1024, new byte[512]);
        disk.Flush();
        disk.Observer = null;
        disk.Read(0, new byte[512]);
        log.Should().Equal("R 0+512 Ok", "W 512+512 Ok", "W 1024+512 OutOfRange", "F Ok");
    }

    [Fact]
    public void Host_time_is_measured_only_when_asked()
    {
        var log = new List<string>();
        var recorder = new Recorder(log);
        using var disk = new ObservedBackend(new MemoryBackend(1024), recorder);
        disk.Read(0, new byte[512]);
        disk.MeasureHostTime = true;
        disk.Read(0, new byte[512]);
        disk.Flush();
        recorder.Ticks[0].Should().Be(0, "0 means not measured");
        recorder.Ticks.Skip(1).Should().AllSatisfy(t => t.Should().BePositive());
    }

    private sealed class Recorder(List<string> log) : IBackendObserver
    {
        public List<long> Ticks { get; } = [];
        public void OnRead(long offset, int length, BlockStatus status, long hostTicks) => Add($"R {offset}+{length} {status}", hostTicks);
        public void OnWrite(long offset, int length, BlockStatus status, long hostTicks) => Add($"W {offset}+{length} {status}", hostTicks);
        public void OnFlush(BlockStatus status, long hostTicks) => Add($"F {status}", hostTicks);

        private void Add(string line, long hostTicks)
        {
            log.Add(line);
            Ticks.Add(hostTicks);
        }
    }
}
