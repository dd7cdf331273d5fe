using Emu.Io.A20;
using Emu.Io.Bus;
using Emu.Io.Cmos;
using Emu.Io.Debug;
using Emu.Io.Keyboard;
using Emu.Io.Pic;
using Emu.Io.Pit;
using Emu.Io.Serial;
using Emu.Io.Timing;
using Emu.Memory;

namespace Emu.Io.Platform;

/// <summary>
/// The standard PC/AT devices, created, wired to their IRQs and placed at their usual ports: the
/// configuration a hypervisor would otherwise repeat. It owns no behaviour: callers reach each device
/// through its property (to hook sinks and callbacks) and may register more devices on <see cref="Ports"/>.
/// </summary>
public sealed class PcPlatform
{
    /// <param name="intrChanged">The CPU's interrupt pin: told each change of the 8259 pair's INTR output.</param>
    /// <param name="resetRequested">Both reset sources of the board (the 8042's pulse and port 92h bit 0).</param>
    public PcPlatform(GuestMemory memory, VirtualClock clock, DateTime? rtcStart = null, Action<bool>? intrChanged = null,
        Action? resetRequested = null)
    {
        Clock = clock;
        Pic = new PicPair(intrChanged);
        Pit = new Pit8254(clock, Pic.GetLine(0));
        PortB = new SystemControlPortB(Pit, clock);
        Keyboard = new I8042Controller(memory, Pic.GetLine(I8042Controller.Irq)) { ResetRequested = resetRequested };
        Com1 = new Uart16550("uart-com1", Pic.GetLine(Uart16550.Com1Irq));
        Cmos = new CmosRtc(clock, Pic.GetLine(CmosRtc.Irq), rtcStart);
        PortA = new SystemControlPortA(memory) { ResetRequested = resetRequested };

        Ports.Register(PicPair.MasterPort, 2, Pic.Master);
        Ports.Register(PicPair.SlavePort, 2, Pic.Slave);
        Ports.Register(Pit8254.DefaultPort, 4, Pit);
        Ports.Register(SystemControlPortB.DefaultPort, 1, PortB);
        Ports.Register(I8042Controller.DataPort, 1, Keyboard, I8042Controller.DataOffset);
        Ports.Register(I8042Controller.CommandPort, 1, Keyboard, I8042Controller.CommandOffset);
        Ports.Register(CmosRtc.DefaultPort, 2, Cmos);
        Ports.Register(SystemControlPortA.DefaultPort, 1, PortA);
        Ports.Register(DebugConsole.DefaultPort, 1, DebugConsole);
        Ports.Register(DebugExit.DefaultPort, DebugExit.DefaultSize, DebugExit);
        Ports.Register(Uart16550.Com1Port, 8, Com1);

        TimedDevices.Add(Pit);
        TimedDevices.Add(Cmos);
    }

    public PortBus Ports { get; } = new();
    public MmioBus Mmio { get; } = new();
    public VirtualClock Clock { get; }
    public TimedDeviceSet TimedDevices { get; } = new();

    public PicPair Pic { get; }
    public Pit8254 Pit { get; }
    internal SystemControlPortB PortB { get; }
    public I8042Controller Keyboard { get; }
    public Uart16550 Com1 { get; }
    public CmosRtc Cmos { get; }
    internal SystemControlPortA PortA { get; }
    public DebugConsole DebugConsole { get; } = new();
    public DebugExit DebugExit { get; } = new();

    /// <summary>
    /// Machine reset of the chips whose reset state a BIOS counts on: the 8259s forget their programming (POST sends
    /// the ICWs again) and the A20 gate closes. The PIT, the UART and the 8042 keep their registers, as POST
    /// programs them before use; the RTC and its CMOS RAM run on their battery.
    /// </summary>
    public void Reset()
    {
        Pic.Reset();
        PortA.Reset();
    }
}
