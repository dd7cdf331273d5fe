using Emu.Io.Interrupts;

namespace Emu.Io.Pic;

/// <summary>
/// The PC/AT interrupt controller: a master 8259A (ports 0x20/0x21, IRQ 0-7) and a slave (ports
/// 0xA0/0xA1, IRQ 8-15) whose INT output drives the master's IR2. Devices get an <see cref="IrqLine"/>
/// per IRQ; the hypervisor watches <see cref="Intr"/> (or is told of each change) and, when the CPU
/// takes the interrupt, calls <see cref="Acknowledge"/> for the vector.
/// </summary>
public sealed class PicPair : IInterruptSink
{
    public const ushort MasterPort = 0x20;
    public const ushort SlavePort = 0xA0;
    public const int CascadeIrq = 2;

    private readonly IrqLine[] _lines = new IrqLine[16];

    private readonly Action<bool>? _intrChanged;

    /// <param name="intrChanged">Called with the new INTR level whenever it changes (the CPU's interrupt pin).</param>
    public PicPair(Action<bool>? intrChanged = null)
    {
        _intrChanged = intrChanged;
        Master = new Pic8259("pic-master", isMaster: true) { Changed = Update };
        Slave = new Pic8259("pic-slave", isMaster: false) { Changed = Update };
        for (int i = 0; i < _lines.Length; i++)
            _lines[i] = new IrqLine(i, this);
    }

    /// <summary>Register at 0x20, length 2.</summary>
    internal Pic8259 Master { get; }

    /// <summary>Register at 0xA0, length 2.</summary>
    internal Pic8259 Slave { get; }

    /// <summary>The level of the INTR pin of the CPU.</summary>
    public bool Intr { get; private set; }

    /// <summary>INTA cycles that found no request (answered with the IRQ7 or IRQ15 vector).</summary>
    public long SpuriousInterrupts { get; private set; }

    /// <summary>Machine reset: both chips to their power-on state (INTR drops).</summary>
    public void Reset()
    {
        Master.Reset();
        Slave.Reset();
    }

    /// <summary>
    /// The line for ISA IRQ <paramref name="irq"/> (0-15). IRQ 2 is the cascade; as on the AT bus a
    /// device wired to IRQ 2 really drives IRQ 9, so asking for 2 returns the IRQ 9 line.
    /// </summary>
    public IrqLine GetLine(int irq)
    {
        if ((uint)irq >= 16)
            throw new ArgumentOutOfRangeException(nameof(irq), irq, "ISA IRQs are 0-15");
        return _lines[irq == CascadeIrq ? 9 : irq];
    }

    /// <summary>Whether a request on ISA IRQ <paramref name="irq"/> could reach the CPU without the guest first
    /// reprogramming the pair (a slave IRQ also needs the master's cascade input, IRQ 2).</summary>
    public bool CouldDeliver(int irq) => irq >= 8
        ? Slave.CouldDeliver(irq - 8) && Master.CouldDeliver(CascadeIrq)
        : irq != CascadeIrq && Master.CouldDeliver(irq);

    /// <summary>Told when a device moves an IRQ line (for traces); null costs one test per change.</summary>
    public Action<int, bool>? LineChanged { get; set; }

    void IInterruptSink.SetIrqLevel(int irq, bool level)
    {
        LineChanged?.Invoke(irq, level);
        if (irq >= 8)
            Slave.SetInput(irq - 8, level);
        else if (irq != CascadeIrq)
            Master.SetInput(irq, level);
        Update();
    }

    /// <summary>
    /// The INTA cycle: returns the vector the CPU should take, marking it in service. A request that
    /// went away gives the chip's spurious vector (IRQ7 of the master, or IRQ15 of the slave, in which
    /// case the master's cascade input stays in service and wants its EOI, as on real hardware).
    /// Returns -1 only while the master is not initialised (there is no vector to give).
    /// </summary>
    public int Acknowledge()
    {
        if (!Master.IsInitialized)
            return -1;
        int vector;
        int irq = Master.PendingIrq();
        if (irq < 0)
        {
            SpuriousInterrupts++;
            vector = Master.VectorBase + 7;
        }
        else
        {
            Master.Acknowledge(irq);
            if (Master.IsCascadeInput(irq))
            {
                int slaveIrq = Slave.IsInitialized ? Slave.PendingIrq() : -1;
                if (slaveIrq < 0)
                {
                    SpuriousInterrupts++;
                    vector = Slave.VectorBase + 7;
                }
                else
                {
                    Slave.Acknowledge(slaveIrq);
                    vector = Slave.VectorBase + slaveIrq;
                }
            }
            else
            {
                vector = Master.VectorBase + irq;
            }
        }
        Update();
        return vector;
    }

    private void Update()
    {
        Master.SetInput(CascadeIrq, Slave.Output);
        bool intr = Master.Output;
        if (intr == Intr)
            return;
        Intr = intr;
        _intrChanged?.Invoke(intr);
    }
}
