using static Emu.Io.Virtio.VirtioBlockRequestType;

namespace Emu.Io.Tests.Virtio;

public class VirtioNotificationTests
{
    private static readonly ulong EventIdxFeatures = VirtioDriver.DefaultFeatures | VirtioFeature.Bit(VirtioFeature.EventIdx);

    [Fact]
    public void Without_event_idx_the_no_interrupt_flag_is_honoured()
    {
        var d = new VirtioDriver().Start();
        d.SetAvailFlags(VirtqRingFlags.NoInterrupt);
        d.Submit(In, 0, 512);
        d.Notify();
        d.UsedIdx.Should().Be(1, "the request is still completed");
        d.Irq.Level.Should().BeFalse();
        d.Transport.Counters.Interrupts.Should().Be(0);

        d.SetAvailFlags(0);
        d.Submit(In, 1, 512);
        d.Notify();
        d.Irq.Level.Should().BeTrue();
    }

    [Fact]
    public void In_exit_mode_the_device_asks_for_notifications()
    {
        var d = new VirtioDriver().Start();
        d.W16(VirtioDriver.UsedAddr, 0xFFFF);
        d.Submit(Flush, 0);
        d.Notify();
        d.UsedFlags.Should().Be(0);
    }

    [Fact]
    public void With_event_idx_the_device_interrupts_only_when_used_idx_passes_used_event()
    {
        var d = new VirtioDriver().Start(EventIdxFeatures);
        d.SetUsedEvent(2); // "interrupt me when entry 2 (the third) is used"
        var edges = new List<bool>();
        for (int i = 0; i < 4; i++)
        {
            d.Submit(In, (ulong)i, 512);
            d.Notify();
            edges.Add(d.Irq.Level);
            d.Ack();
        }
        edges.Should().Equal(false, false, true, false);
        d.Transport.Counters.Interrupts.Should().Be(1);
    }

    [Fact]
    public void With_event_idx_a_batch_crossing_used_event_interrupts_once()
    {
        var d = new VirtioDriver().Start(EventIdxFeatures, size: 32);
        d.SetUsedEvent(4);
        for (int i = 0; i < 8; i++)
            d.Submit(Flush, 0);
        d.Notify();
        d.UsedIdx.Should().Be(8);
        d.Irq.RisingEdges.Should().Be(1);
    }

    [Fact]
    public void With_event_idx_the_no_interrupt_flag_is_ignored()
    {
        var d = new VirtioDriver().Start(EventIdxFeatures);
        d.SetAvailFlags(VirtqRingFlags.NoInterrupt);
        d.SetUsedEvent(0);
        d.Submit(Flush, 0);
        d.Notify();
        d.Irq.Level.Should().BeTrue();
    }

    [Fact]
    public void With_event_idx_the_device_publishes_avail_event_as_the_last_index_seen()
    {
        var d = new VirtioDriver().Start(EventIdxFeatures);
        for (int i = 0; i < 3; i++)
            d.Submit(Flush, 0);
        d.Notify();
        d.AvailEvent.Should().Be(3, "kick me when you publish entry 3");
    }

    [Fact]
    public void Poll_mode_ignores_notifies_and_finds_the_work_when_polled()
    {
        var d = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start();
        var r = d.Submit(In, 4, 512);
        d.Notify();
        d.UsedIdx.Should().Be(0, "a notify does nothing in poll mode");
        d.Transport.Counters.Notifications.Should().Be(1);

        d.Transport.Poll().Should().BeTrue();
        r.Status.Should().Be(VirtioBlockStatus.Ok);
        r.DataBytes.Should().Equal(d.Disk.Data.AsSpan(4 * 512, 512).ToArray());
        d.UsedIdx.Should().Be(1);
        d.Irq.Level.Should().BeTrue("a polled device still interrupts on completion");
        d.UsedFlags.Should().Be(VirtqRingFlags.NoNotify, "a polling device asks not to be kicked");

        d.Transport.Poll().Should().BeFalse();
        d.Transport.Counters.Polls.Should().Be(2);
        d.Transport.Counters.PollsWithWork.Should().Be(1);
    }

    [Fact]
    public void Poll_mode_without_any_notify_exit_completes_a_stream_of_requests()
    {
        var d = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start(size: 64);
        for (int i = 0; i < 20; i++)
        {
            d.Submit(In, (ulong)i, 512);
            if (i % 5 == 4)
                d.Transport.Poll();
        }
        d.UsedIdx.Should().Be(20);
        d.Transport.Counters.Notifications.Should().Be(0);
        d.Transport.Counters.PollsWithWork.Should().Be(4);
    }

    [Fact]
    public void Poll_mode_with_event_idx_sets_avail_event_so_the_driver_does_not_kick()
    {
        var d = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start(EventIdxFeatures);
        d.Submit(Flush, 0);
        d.Submit(Flush, 0);
        d.Transport.Poll();
        d.AvailEvent.Should().Be(1, "last seen (2) minus 1: a driver crosses it only after 65535 more buffers");
    }

    [Fact]
    public void Poll_mode_asks_for_no_kick_from_the_first_buffer_on()
    {
        // Before any poll ran: queue enable already wrote avail_event (event idx) or NO_NOTIFY.
        var withEventIdx = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start(EventIdxFeatures);
        withEventIdx.AvailEvent.Should().Be(0xFFFF, "last seen (0) minus 1: publishing entry 0 does not cross it");
        var plain = new VirtioDriver(mode: VirtioNotifyMode.Poll).Start();
        plain.UsedFlags.Should().Be(VirtqRingFlags.NoNotify);
        var exitMode = new VirtioDriver().Start(EventIdxFeatures);
        exitMode.AvailEvent.Should().Be(0, "exit mode leaves the driver's zeroed field alone until the first notify");
    }

    [Fact]
    public void Poll_does_nothing_before_driver_ok_or_without_a_ready_queue()
    {
        var d = new VirtioDriver(mode: VirtioNotifyMode.Poll);
        d.Transport.Poll().Should().BeFalse();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(16);
        d.Submit(Flush, 0);
        d.Transport.Poll().Should().BeFalse("DRIVER_OK not yet set");
        d.UsedIdx.Should().Be(0);
        d.DriverOk();
        d.Transport.Poll().Should().BeTrue();
        d.UsedIdx.Should().Be(1);
    }

    [Fact]
    public void Exit_mode_processes_nothing_before_driver_ok()
    {
        var d = new VirtioDriver();
        d.Negotiate(VirtioDriver.DefaultFeatures);
        d.SetupQueue(16);
        d.Submit(Flush, 0);
        d.Notify();
        d.UsedIdx.Should().Be(0);
        d.DriverOk();
        d.Notify();
        d.UsedIdx.Should().Be(1);
    }

    [Fact]
    public void The_mode_can_change_at_run_time()
    {
        var d = new VirtioDriver().Start();
        d.Transport.NotifyMode = VirtioNotifyMode.Poll;
        d.Submit(Flush, 0);
        d.Notify();
        d.UsedIdx.Should().Be(0);
        d.Transport.NotifyMode = VirtioNotifyMode.Exit;
        d.Notify();
        d.UsedIdx.Should().Be(1);
    }
}
