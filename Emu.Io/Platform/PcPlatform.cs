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
    public PcPlatform(GuestMemory memory, VirtualClock clock, DateTime? rtcStart = null)
    {
        Clock = clock;
        Pit = new Pit8254(clock, Pic.GetLine(0));
        PortB = new SystemControlPortB(Pit, clock);
        Keyboard = new I8042Controller(memory, Pic.GetLine(I8042Controller.Irq));
        Com1 = new Uart16550("uart-com1", Pic.GetLine(Uart16550.Com1Irq));
        Cmos = new CmosRtc(clock, Pic.GetLine(CmosRtc.Irq), rtcStart);
        PortA = new SystemControlPortA(memory);

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

    public PicPair Pic { get; } = new();
    public Pit8254 Pit { get; }
    public SystemControlPortB PortB { get; }
    public I8042Controller Keyboard { get; }
    public Uart16550 Com1 { get; }
    public CmosRtc Cmos { get; }
    public SystemControlPortA PortA { get; }
    public DebugConsole DebugConsole { get; } = new();
    public DebugExit DebugExit { get; } = new();

    /// <summary>Hooks one reset callback to both reset sources (8042 pulse and port 0x92 bit 0).</summary>
    public Action? ResetRequested
    {
        set
        {
            Keyboard.ResetRequested = value;
            PortA.ResetRequested = value;
        }
    }
}
