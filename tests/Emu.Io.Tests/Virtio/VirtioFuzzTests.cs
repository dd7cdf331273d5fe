using System.Diagnostics;
using Emu.Tests.Shared;
using Xunit.Abstractions;
using static Emu.Io.Virtio.VirtioMmioRegister;

namespace Emu.Io.Tests.Virtio;

/// <summary>
/// Seeded random drivers: register writes of every width at every offset, and ring and buffer contents
/// that are mostly plausible (so the deep paths run) and sometimes absurd. Asserts no host exception, the
/// interrupt line always equal to (InterruptStatus != 0), and the device never publishing more used
/// entries than it consumed available ones.
/// </summary>
[Collection(AllocationCounting.Name)]
public class VirtioFuzzTests(ITestOutputHelper output)
{
    private const uint RingArea = VirtioDriver.DescAddr, RingAreaEnd = VirtioDriver.UsedAddr + 0x1000;
    private const uint Buffers = VirtioDriver.HeapStart, BuffersEnd = VirtioDriver.HeapStart + 0x8000;

    private static readonly uint[] Registers =
    [
        DeviceFeaturesSel, DriverFeatures, DriverFeaturesSel, QueueSel, VirtioMmioRegister.QueueSize, QueueReady,
        QueueNotify, InterruptAck, VirtioMmioRegister.Status, QueueDescLow, QueueDescHigh, QueueDriverLow,
        QueueDriverHigh, QueueDeviceLow, QueueDeviceHigh, Config, Config + 8,
    ];

    [Theory]
    [InlineData(1, VirtioNotifyMode.Exit)]
    [InlineData(2, VirtioNotifyMode.Poll)]
    [InlineData(3, VirtioNotifyMode.Exit)]
    public void Random_drivers_never_break_the_host(int seed, VirtioNotifyMode mode)
    {
        var rng = new Random(seed);
        var d = new VirtioDriver(new MemoryBackend(VirtioDriver.Pattern(64)), mode);
        d.Transport.Events = null;
        var clock = Stopwatch.StartNew();
        const int steps = 400_000;
        for (int step = 0; step < steps; step++)
        {
            switch (rng.Next(16))
            {
                case 0 or 1 or 2:
                    RegisterWrite(d, rng);
                    break;
                case 3:
                    d.Bus.Read(VirtioDriver.Base + (uint)rng.Next(0x1000), 1 << rng.Next(3));
                    break;
                case 4 or 5 or 6:
                    RandomDescriptor(d, rng);
                    break;
                case 7 or 8:
                    RandomAvail(d, rng);
                    break;
                case 9:
                    if (rng.Next(2) == 0)
                        RandomHeader(d, rng);
                    else
                        PlausibleRequest(d, rng);
                    break;
                case 10:
                    d.W8((ulong)rng.Next((int)RingArea, (int)RingAreaEnd), (byte)rng.Next(256));
                    break;
                case 11 or 12:
                    d.Notify(rng.Next(8) == 0 ? (uint)rng.Next() : 0);
                    break;
                case 13:
                    d.Transport.Poll();
                    break;
                case 14:
                    if (rng.Next(40) == 0)
                        GoodStart(d, rng);
                    break;
                default:
                    if (rng.Next(4) == 0)
                        d.Ack();
                    break;
            }
            CheckInvariants(d, step);
        }
        clock.Stop();
        var t = d.Transport.Counters;
        var b = d.Device.Counters;
        output.WriteLine($"{steps} steps in {clock.ElapsedMilliseconds} ms: notifies {t.Notifications}, polls {t.Polls} ({t.PollsWithWork} with work), " +
            $"used {t.BuffersUsed}, malformed {t.MalformedChains}, needs-reset {t.NeedsResetEvents}, interrupts {t.Interrupts}; " +
            $"requests {b.RequestsCompleted} ({b.RequestErrors} errors), read {b.BytesRead} B, written {b.BytesWritten} B");
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20));
        // The fuzz reached the interesting places (or it proves little).
        d.Transport.Counters.BuffersUsed.Should().BeGreaterThan(1000);
        d.Transport.Counters.MalformedChains.Should().BeGreaterThan(100);
        d.Device.Counters.RequestsCompleted.Should().BeGreaterThan(100);
        d.Device.Counters.BytesRead.Should().BeGreaterThan(0);
        d.Device.Counters.BytesWritten.Should().BeGreaterThan(0);
        d.Transport.Counters.NeedsResetEvents.Should().BeGreaterThan(10);
    }

    private static void CheckInvariants(VirtioDriver d, int step)
    {
        if (d.Irq.Level != (d.Transport.InterruptStatus != 0))
            Assert.Fail($"step {step}: IRQ level {d.Irq.Level} but InterruptStatus {d.Transport.InterruptStatus}");
        foreach (var q in d.Transport.Queues)
        {
            if (q.Ready && q.NextUsedIdx != q.LastAvailIdx)
                Assert.Fail($"step {step}: used idx {q.NextUsedIdx} vs consumed avail {q.LastAvailIdx}");
        }
    }

    private static void GoodStart(VirtioDriver d, Random rng)
    {
        ulong features = VirtioDriver.DefaultFeatures;
        if (rng.Next(2) == 0) features |= VirtioFeature.Bit(VirtioFeature.EventIdx);
        if (rng.Next(2) == 0) features |= VirtioFeature.Bit(VirtioFeature.IndirectDesc);
        d.Negotiate(features);
        d.SetupQueue(1u << rng.Next(9));
        d.DriverOk();
    }

    private static void RegisterWrite(VirtioDriver d, Random rng)
    {
        uint offset = rng.Next(5) == 0 ? (uint)rng.Next(0x1000) : Registers[rng.Next(Registers.Length)];
        int width = rng.Next(8) == 0 ? 1 << rng.Next(2) : 4;
        uint value = offset switch
        {
            VirtioMmioRegister.QueueSize => Pick(rng, 0, 1, 3, 4, 16, 256, 512, 0x10000, (uint)rng.Next()),
            QueueDescLow or QueueDriverLow or QueueDeviceLow =>
                Pick(rng, RingArea, RingArea + 0x1000, RingArea + 0x2000, RingArea + 8, 0xD_0000, 0xF_FFF0, (uint)rng.Next()),
            QueueDescHigh or QueueDriverHigh or QueueDeviceHigh => rng.Next(6) == 0 ? (uint)rng.Next() : 0,
            VirtioMmioRegister.Status => Pick(rng, 0, 1, 3, 11, 15, VirtioStatus.DeviceNeedsReset, (uint)rng.Next(256)),
            QueueSel or QueueNotify => rng.Next(4) == 0 ? (uint)rng.Next() : 0,
            QueueReady => (uint)rng.Next(3),
            _ => (uint)rng.NextInt64(uint.MaxValue + 1L),
        };
        d.Bus.Write(VirtioDriver.Base + offset, width, value);
    }

    private static void RandomDescriptor(VirtioDriver d, Random rng)
    {
        var q = d.Transport.Queues[0];
        ulong table = rng.Next(3) == 0 ? (ulong)rng.Next((int)Buffers, (int)BuffersEnd - 16) : q.DescTable;
        int entries = (int)Math.Clamp(q.Size, 1, 256);
        if (table + (ulong)entries * 16 > 0x9_F000)
            table = RingArea;
        int index = rng.Next(entries + 1) % entries;
        ulong addr = rng.Next(8) switch
        {
            0 => 0xD_0000,
            1 => (ulong)rng.NextInt64(),
            2 => 0xFFFF_FFF0,
            _ => (ulong)rng.Next((int)Buffers, (int)BuffersEnd),
        };
        uint len = Pick(rng, 0, 1, 16, 20, 48, 512, 1024, 4096, 0xFFFF_FFFF, (uint)rng.Next(0x2000));
        ushort flags = (ushort)rng.Next(8);
        ushort next = (ushort)(rng.Next(6) == 0 ? rng.Next(0x10000) : rng.Next(entries + 1));
        d.WriteDesc(table, index, addr, len, flags, next);
    }

    private static void RandomAvail(VirtioDriver d, Random rng)
    {
        var q = d.Transport.Queues[0];
        if (q.AvailRing + 6 + 2UL * 256 > 0x9_F000)
            return;
        ushort n = (ushort)Math.Clamp(q.Size, 1, 256);
        switch (rng.Next(4))
        {
            case 0: // publish one more entry, the way a driver does
                d.W16(q.AvailRing + 4 + 2UL * (ushort)(d.R16(q.AvailRing + 2) % n), (ushort)rng.Next(n + 1));
                d.W16(q.AvailRing + 2, (ushort)(d.R16(q.AvailRing + 2) + 1));
                break;
            case 1: // a batch, sometimes more than the ring holds
                d.W16(q.AvailRing + 2, (ushort)(q.LastAvailIdx + rng.Next(n + 3)));
                break;
            case 2: // anything at all
                d.W16(q.AvailRing + 2, (ushort)rng.Next(0x10000));
                break;
            default: // flags and used_event
                d.W16(q.AvailRing, (ushort)rng.Next(2));
                d.W16(q.AvailRing + 4 + 2UL * n, (ushort)rng.Next(0x10000));
                break;
        }
    }

    private static void RandomHeader(VirtioDriver d, Random rng)
    {
        ulong at = (ulong)rng.Next((int)Buffers, (int)BuffersEnd - 16);
        d.W32(at, Pick(rng, VirtioBlockRequestType.In, VirtioBlockRequestType.Out, VirtioBlockRequestType.Flush,
            VirtioBlockRequestType.GetId, (uint)rng.Next()));
        d.W64(at + 8, rng.Next(4) == 0 ? (ulong)rng.NextInt64() : (ulong)rng.Next(70));
    }

    /// <summary>A header / data / status chain that is right most of the time, published in the available ring.</summary>
    private static void PlausibleRequest(VirtioDriver d, Random rng)
    {
        var q = d.Transport.Queues[0];
        int n = (int)Math.Clamp(q.Size, 1, 256);
        if (q.DescTable + (ulong)n * 16 > 0x9_F000 || q.AvailRing + 6 + 2UL * 256 > 0x9_F000)
            return;
        ulong header = (ulong)rng.Next((int)Buffers, (int)Buffers + 0x100) & ~15UL;
        ulong data = (ulong)rng.Next((int)Buffers + 0x100, (int)BuffersEnd - 0x1000);
        ulong status = (ulong)rng.Next((int)BuffersEnd - 0x100, (int)BuffersEnd);
        uint type = Pick(rng, VirtioBlockRequestType.In, VirtioBlockRequestType.In, VirtioBlockRequestType.Out,
            VirtioBlockRequestType.Out, VirtioBlockRequestType.Flush, VirtioBlockRequestType.GetId, 11);
        d.W32(header, type);
        d.W64(header + 8, (ulong)rng.Next(rng.Next(8) == 0 ? 80 : 62));
        bool writes = type != VirtioBlockRequestType.Out ^ rng.Next(16) == 0;
        uint len = rng.Next(8) == 0 ? Pick(rng, 0, 20, 500, 0xFFFF_FFFF) : 512u * (uint)rng.Next(1, 5);
        int head = rng.Next(n);
        ushort Slot(int i) => (ushort)((head + i) % n);
        d.WriteDesc(q.DescTable, Slot(0), header, 16, VirtqDescFlags.Next, Slot(1));
        d.WriteDesc(q.DescTable, Slot(1), data, len, (ushort)(VirtqDescFlags.Next | (writes ? VirtqDescFlags.Write : 0)), Slot(2));
        d.WriteDesc(q.DescTable, Slot(2), status, 1, VirtqDescFlags.Write);
        ushort idx = d.R16(q.AvailRing + 2);
        d.W16(q.AvailRing + 4 + 2UL * (ushort)(idx % n), (ushort)head);
        d.W16(q.AvailRing + 2, (ushort)(idx + 1));
    }

    private static uint Pick(Random rng, params uint[] values) => values[rng.Next(values.Length)];

    [Fact]
    public void Steady_state_request_processing_allocates_nothing()
    {
        var d = new VirtioDriver().Start(size: 8);
        d.Transport.Events = null;
        uint header = d.Header(VirtioBlockRequestType.In, 1), data = d.Alloc(4096), status = d.Alloc(1);
        ushort head = d.WriteChain((header, 16, false), (data, 4096, true), (status, 1, true));
        void OneRequest()
        {
            d.Publish(head);
            d.Notify();
            d.Ack();
        }
        for (int i = 0; i < 100; i++)
            OneRequest();
        long allocated = AllocationCounting.SteadyStateBytes(() =>
        {
            for (int i = 0; i < 1000; i++)
                OneRequest();
        });
        allocated.Should().Be(0);
        (d.UsedIdx % 1000).Should().Be(100, "every request was completed");
    }
}
