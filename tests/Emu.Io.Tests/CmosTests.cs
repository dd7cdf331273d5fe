using Emu.Io.Cmos;

namespace Emu.Io.Tests;

public class CmosTests
{
    private const long Second = 1_000_000_000;
    private readonly VirtualClock _clock = new();
    private readonly IrqLine _irq8 = new(8);
    private CmosRtc _rtc;

    public CmosTests()
    {
        _rtc = Attach(null);
    }

    private CmosRtc Attach(DateTime? start)
    {
        _rtc = new CmosRtc(_clock, _irq8, start);
        return _rtc;
    }

    private byte Read(int index)
    {
        _rtc.Write(0, [(byte)index]);
        Span<byte> b = stackalloc byte[1];
        _rtc.Read(1, b);
        return b[0];
    }

    private void Write(int index, byte value)
    {
        _rtc.Write(0, [(byte)index]);
        _rtc.Write(1, [value]);
    }

    [Fact]
    public void Default_start_is_2000_01_01_midnight_in_bcd_24h()
    {
        Read(CmosRtc.Seconds).Should().Be(0x00);
        Read(CmosRtc.Minutes).Should().Be(0x00);
        Read(CmosRtc.Hours).Should().Be(0x00);
        Read(CmosRtc.DayOfMonth).Should().Be(0x01);
        Read(CmosRtc.Month).Should().Be(0x01);
        Read(CmosRtc.Year).Should().Be(0x00);
        Read(CmosRtc.Century).Should().Be(0x20);
        Read(CmosRtc.DayOfWeek).Should().Be(7); // a Saturday
        Read(CmosRtc.RegisterA).Should().Be(0x26);
        Read(CmosRtc.RegisterB).Should().Be(0x02);
        Read(CmosRtc.RegisterD).Should().Be(0x80);
    }

    [Fact]
    public void Time_advances_with_virtual_time_in_bcd()
    {
        _clock.NowNs = 59 * Second;
        Read(CmosRtc.Seconds).Should().Be(0x59);
        _clock.NowNs = 3725 * Second + Second / 2; // 01:02:05.5
        Read(CmosRtc.Hours).Should().Be(0x01);
        Read(CmosRtc.Minutes).Should().Be(0x02);
        Read(CmosRtc.Seconds).Should().Be(0x05);
    }

    [Fact]
    public void Binary_mode_gives_plain_numbers()
    {
        Write(CmosRtc.RegisterB, 0x06);
        _clock.NowNs = (23 * 3600 + 45 * 60 + 59) * Second;
        Read(CmosRtc.Hours).Should().Be(23);
        Read(CmosRtc.Minutes).Should().Be(45);
        Read(CmosRtc.Seconds).Should().Be(59);
        Read(CmosRtc.Century).Should().Be(20);
    }

    [Fact]
    public void Twelve_hour_mode_sets_the_pm_bit()
    {
        Write(CmosRtc.RegisterB, 0x00); // BCD, 12 hour
        _clock.NowNs = 13 * 3600 * Second;
        Read(CmosRtc.Hours).Should().Be(0x81);
        Attach(new DateTime(2024, 3, 1, 0, 30, 0));
        Write(CmosRtc.RegisterB, 0x00);
        Read(CmosRtc.Hours).Should().Be(0x12); // 12 AM
    }

    [Fact]
    public void Configured_start_date_rolls_over_the_century()
    {
        Attach(new DateTime(1999, 12, 31, 23, 59, 59));
        Read(CmosRtc.Year).Should().Be(0x99);
        Read(CmosRtc.Century).Should().Be(0x19);
        _clock.NowNs = Second;
        Read(CmosRtc.Year).Should().Be(0x00);
        Read(CmosRtc.Century).Should().Be(0x20);
        Read(CmosRtc.Month).Should().Be(0x01);
    }

    [Fact]
    public void Guest_sets_the_time_with_the_set_bit_and_the_clock_continues_from_it()
    {
        _clock.NowNs = 10 * Second;
        Write(CmosRtc.RegisterB, 0x82);
        Write(CmosRtc.Hours, 0x17);
        Write(CmosRtc.Minutes, 0x30);
        Write(CmosRtc.Seconds, 0x00);
        Write(CmosRtc.DayOfMonth, 0x15);
        Write(CmosRtc.Month, 0x06);
        Write(CmosRtc.Year, 0x24);
        _clock.NowNs = 20 * Second;
        Read(CmosRtc.Seconds).Should().Be(0x00); // held while SET
        Write(CmosRtc.RegisterB, 0x02);
        _clock.NowNs = 81 * Second;
        Read(CmosRtc.Hours).Should().Be(0x17);
        Read(CmosRtc.Minutes).Should().Be(0x31);
        Read(CmosRtc.Seconds).Should().Be(0x01);
        _rtc.Now.Should().Be(new DateTime(2024, 6, 15, 17, 31, 1));
    }

    [Fact]
    public void Invalid_time_written_by_the_guest_is_ignored_without_throwing()
    {
        Write(CmosRtc.RegisterB, 0x82);
        Write(CmosRtc.Month, 0x13);
        Write(CmosRtc.DayOfMonth, 0xFF);
        Write(CmosRtc.RegisterB, 0x02);
        Read(CmosRtc.Month).Should().Be(0x01);
        Write(CmosRtc.Year, 0x99);
        Write(CmosRtc.Century, 0x99);
        _clock.NowNs = 400L * 24 * 3600 * Second;
        Read(CmosRtc.Year).Should().Be(0x99); // the clock stops at the end of 9999
    }

    [Fact]
    public void Uip_is_set_in_the_last_244_us_before_an_update()
    {
        _clock.NowNs = Second / 2;
        (Read(CmosRtc.RegisterA) & 0x80).Should().Be(0);
        _clock.NowNs = Second - 100_000;
        (Read(CmosRtc.RegisterA) & 0x80).Should().Be(0x80);
        _clock.NowNs = Second + 1;
        (Read(CmosRtc.RegisterA) & 0x80).Should().Be(0);
    }

    [Fact]
    public void Index_bit7_is_the_nmi_mask_and_shutdown_byte_is_ram()
    {
        _rtc.Write(0, [0x8F]);
        _rtc.NmiMasked.Should().BeTrue();
        _rtc.Write(1, [0x0A]);
        Read(CmosRtc.ShutdownStatus).Should().Be(0x0A);
        _rtc.NmiMasked.Should().BeFalse();
        Read(0x7F).Should().Be(0x00);
        Write(0x7F, 0x42);
        Read(0xFF).Should().Be(0x42); // index wraps at 128
    }

    [Fact]
    public void Memory_size_bytes_and_checksum_come_from_configuration()
    {
        _rtc.SetMemorySize(640, 15 * 1024);
        Read(0x15).Should().Be(0x80);
        Read(0x16).Should().Be(0x02);
        Read(0x17).Should().Be(0x00);
        Read(0x18).Should().Be(0x3C);
        Read(0x30).Should().Be(0x00);
        Read(0x31).Should().Be(0x3C);
        int sum = 0x80 + 0x02 + 0x3C;
        (Read(0x2E) << 8 | Read(0x2F)).Should().Be(sum);
    }

    [Fact]
    public void Periodic_interrupt_at_1024_hz_raises_irq8_until_c_is_read()
    {
        Write(CmosRtc.RegisterB, 0x42);
        _rtc.NextDeadlineNs.Should().Be(976_563);
        _clock.NowNs = 976_563;
        _rtc.AdvanceTo(_clock.NowNs);
        _irq8.Level.Should().BeTrue();
        _rtc.NextDeadlineNs.Should().Be(long.MaxValue);
        Read(CmosRtc.RegisterC).Should().Be(0xC0);
        _irq8.Level.Should().BeFalse();
        Read(CmosRtc.RegisterC).Should().Be(0x00);
    }

    [Fact]
    public void Flags_are_set_without_interrupt_enables_but_do_not_raise_irq()
    {
        _clock.NowNs = Second + 5;
        _rtc.AdvanceTo(_clock.NowNs);
        _irq8.Level.Should().BeFalse();
        Read(CmosRtc.RegisterC).Should().Be(0x50); // periodic and update-ended, no IRQF
    }

    [Fact]
    public void Update_and_alarm_interrupts()
    {
        Write(CmosRtc.RegisterA, 0x20); // no periodic rate
        Write(CmosRtc.SecondsAlarm, 0x02);
        Write(CmosRtc.MinutesAlarm, 0xC0); // don't care
        Write(CmosRtc.HoursAlarm, 0xFF);
        Write(CmosRtc.RegisterB, 0x22); // alarm interrupt only
        _rtc.NextDeadlineNs.Should().Be(Second);
        _rtc.AdvanceTo(Second);
        _irq8.Level.Should().BeFalse();
        Read(CmosRtc.RegisterC).Should().Be(0x10);
        _rtc.AdvanceTo(2 * Second);
        _irq8.Level.Should().BeTrue();
        Read(CmosRtc.RegisterC).Should().Be(0xB0);
    }
}
