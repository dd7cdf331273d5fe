namespace Emu.Io.Ata;

/// <summary>
/// One channel's bus-master IDE registers (PIIX): Command (+0), Status (+2), PRD table address (+4..+7).
/// </summary>
internal sealed class BusMasterChannel
{
    public const byte CommandStart = 0x01;
    /// <summary>Command bit 3: 1 = the bus master writes memory (a READ DMA).</summary>
    public const byte CommandWriteToMemory = 0x08;
    public const byte StatusActive = 0x01;
    public const byte StatusError = 0x02;
    public const byte StatusInterrupt = 0x04;
    public const byte StatusDrive0Dma = 0x20;
    public const byte StatusDrive1Dma = 0x40;

    private readonly AtaChannel _channel;
    private byte _command;
    private byte _status;
    private uint _prdTable;

    internal BusMasterChannel(AtaChannel channel)
    {
        _channel = channel;
        Reset();
    }

    public byte Command => _command;
    public byte Status => _status;
    public uint PrdTableAddress => _prdTable;
    public bool Active => (_status & StatusActive) != 0;

    /// <summary>PCI command bit 2 (bus master enable): without it the engine cannot take the bus and a
    /// started transfer waits.</summary>
    public bool MasterEnabled { get; set; } = true;

    internal void Reset()
    {
        _command = 0;
        _prdTable = 0;
        // Drive-DMA-capable bits describe the drives present, as a BIOS would set them.
        _status = (byte)((_channel.Master is not null ? StatusDrive0Dma : 0) | (_channel.Slave is not null ? StatusDrive1Dma : 0));
    }

    internal byte ReadByte(uint reg) => reg switch
    {
        0 => _command,
        2 => _status,
        4 => (byte)_prdTable,
        5 => (byte)(_prdTable >> 8),
        6 => (byte)(_prdTable >> 16),
        7 => (byte)(_prdTable >> 24),
        _ => 0,
    };

    internal void WriteByte(uint reg, byte value)
    {
        switch (reg)
        {
            case 0:
                bool wasStarted = (_command & CommandStart) != 0, start = (value & CommandStart) != 0;
                // The direction bit is latched only while stopped (PIIX: it must not change while active).
                byte direction = wasStarted ? (byte)(_command & CommandWriteToMemory) : (byte)(value & CommandWriteToMemory);
                _command = (byte)(direction | (value & CommandStart));
                if (!wasStarted && start)
                {
                    _status |= StatusActive;
                    _channel.RunPendingDma();
                }
                else if (wasStarted && !start)
                {
                    _status &= unchecked((byte)~StatusActive); // stop: abandons whatever was in progress
                }
                break;
            case 2:
                // Error and interrupt are write-1-to-clear; the drive DMA-capable bits are plain storage.
                _status = (byte)((_status & ~(value & (StatusError | StatusInterrupt)) & ~(StatusDrive0Dma | StatusDrive1Dma))
                    | (value & (StatusDrive0Dma | StatusDrive1Dma)));
                break;
            case >= 4 and <= 7:
                int shift = (int)(reg - 4) * 8;
                _prdTable = (_prdTable & ~(0xFFu << shift)) | ((uint)value << shift);
                _prdTable &= ~3u; // dword aligned
                break;
        }
    }

    internal void OnInterruptRisingEdge() => _status |= StatusInterrupt;

    internal void EndTransfer(bool error, bool stayActive)
    {
        if (error)
            _status |= StatusError;
        if (!stayActive)
            _status &= unchecked((byte)~StatusActive);
    }
}
