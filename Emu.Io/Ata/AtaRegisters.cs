namespace Emu.Io.Ata;

/// <summary>Status register bits (1F7 / 3F6).</summary>
internal static class AtaStatus
{
    public const byte Bsy = 0x80;
    public const byte Drdy = 0x40;
    public const byte Df = 0x20;
    public const byte Dsc = 0x10;
    public const byte Drq = 0x08;
    public const byte Corr = 0x04;
    public const byte Idx = 0x02;
    public const byte Err = 0x01;

    /// <summary>A ready device with no command in progress (DRDY DSC).</summary>
    public const byte Ready = Drdy | Dsc;
    /// <summary>A data block is ready for the host (DRDY DSC DRQ).</summary>
    public const byte DataReady = Drdy | Dsc | Drq;
    /// <summary>A command ended with an error (DRDY ERR), as QEMU and Bochs report it.</summary>
    public const byte Failed = Drdy | Err;
}

/// <summary>Error register bits (1F1 read).</summary>
internal static class AtaError
{
    public const byte Icrc = 0x80;
    public const byte Unc = 0x40;
    public const byte Mc = 0x20;
    public const byte Idnf = 0x10;
    public const byte Mcr = 0x08;
    public const byte Abrt = 0x04;
    public const byte Tk0nf = 0x02;
    public const byte Amnf = 0x01;

    /// <summary>Diagnostic code after reset or EXECUTE DEVICE DIAGNOSTIC: device passed.</summary>
    public const byte DiagnosticPassed = 0x01;
}

/// <summary>Device Control register bits (3F6 write).</summary>
internal static class AtaControl
{
    public const byte NIen = 0x02;
    public const byte Srst = 0x04;
    public const byte Hob = 0x80;
}

/// <summary>Command opcodes the controller implements.</summary>
internal static class AtaCommand
{
    public const byte Nop = 0x00;
    public const byte Recalibrate = 0x10; // 10-1F
    public const byte ReadSectors = 0x20;
    public const byte ReadSectorsNoRetry = 0x21;
    public const byte ReadSectorsExt = 0x24;
    public const byte ReadDmaExt = 0x25;
    public const byte ReadMultipleExt = 0x29;
    public const byte WriteSectors = 0x30;
    public const byte WriteSectorsNoRetry = 0x31;
    public const byte WriteSectorsExt = 0x34;
    public const byte WriteDmaExt = 0x35;
    public const byte WriteMultipleExt = 0x39;
    public const byte ReadVerify = 0x40;
    public const byte ReadVerifyNoRetry = 0x41;
    public const byte ReadVerifyExt = 0x42;
    public const byte ExecuteDiagnostic = 0x90;
    public const byte InitializeDeviceParameters = 0x91;
    public const byte ReadMultiple = 0xC4;
    public const byte WriteMultiple = 0xC5;
    public const byte SetMultiple = 0xC6;
    public const byte ReadDma = 0xC8;
    public const byte ReadDmaNoRetry = 0xC9;
    public const byte WriteDma = 0xCA;
    public const byte WriteDmaNoRetry = 0xCB;
    public const byte StandbyImmediate = 0xE0;
    public const byte IdleImmediate = 0xE1;
    public const byte Standby = 0xE2;
    public const byte Idle = 0xE3;
    public const byte CheckPowerMode = 0xE5;
    public const byte FlushCache = 0xE7;
    public const byte FlushCacheExt = 0xEA;
    public const byte IdentifyDevice = 0xEC;
    public const byte SetFeatures = 0xEF;

    /// <summary>The command's name as the ATA standard spells it (for traces), or null for an opcode not implemented.</summary>
    public static string? Name(byte command) => command switch
    {
        Nop => "NOP",
        >= Recalibrate and <= 0x1F => "RECALIBRATE",
        ReadSectors or ReadSectorsNoRetry => "READ SECTORS",
        ReadSectorsExt => "READ SECTORS EXT",
        ReadDmaExt => "READ DMA EXT",
        ReadMultipleExt => "READ MULTIPLE EXT",
        WriteSectors or WriteSectorsNoRetry => "WRITE SECTORS",
        WriteSectorsExt => "WRITE SECTORS EXT",
        WriteDmaExt => "WRITE DMA EXT",
        WriteMultipleExt => "WRITE MULTIPLE EXT",
        ReadVerify or ReadVerifyNoRetry => "READ VERIFY SECTORS",
        ReadVerifyExt => "READ VERIFY SECTORS EXT",
        ExecuteDiagnostic => "EXECUTE DEVICE DIAGNOSTIC",
        InitializeDeviceParameters => "INITIALIZE DEVICE PARAMETERS",
        ReadMultiple => "READ MULTIPLE",
        WriteMultiple => "WRITE MULTIPLE",
        SetMultiple => "SET MULTIPLE MODE",
        ReadDma or ReadDmaNoRetry => "READ DMA",
        WriteDma or WriteDmaNoRetry => "WRITE DMA",
        StandbyImmediate => "STANDBY IMMEDIATE",
        IdleImmediate => "IDLE IMMEDIATE",
        Standby => "STANDBY",
        Idle => "IDLE",
        CheckPowerMode => "CHECK POWER MODE",
        FlushCache => "FLUSH CACHE",
        FlushCacheExt => "FLUSH CACHE EXT",
        IdentifyDevice => "IDENTIFY DEVICE",
        SetFeatures => "SET FEATURES",
        _ => null,
    };

    /// <summary>True for the commands that address sectors (their trace shows lba= and count=).</summary>
    internal static bool AddressesSectors(byte command) => command is ReadSectors or ReadSectorsNoRetry or ReadSectorsExt
        or ReadDmaExt or ReadMultipleExt or WriteSectors or WriteSectorsNoRetry or WriteSectorsExt or WriteDmaExt
        or WriteMultipleExt or ReadVerify or ReadVerifyNoRetry or ReadVerifyExt or ReadMultiple or WriteMultiple
        or ReadDma or ReadDmaNoRetry or WriteDma or WriteDmaNoRetry;

    /// <summary>True for the LBA48 (EXT) forms.</summary>
    internal static bool IsExt(byte command) => command is ReadSectorsExt or ReadDmaExt or ReadMultipleExt
        or WriteSectorsExt or WriteDmaExt or WriteMultipleExt or ReadVerifyExt;
}

/// <summary>Offsets inside the 8-port command block (1F0-1F7).</summary>
internal static class AtaRegister
{
    public const uint Data = 0;
    public const uint ErrorFeatures = 1;
    public const uint SectorCount = 2;
    public const uint LbaLow = 3;
    public const uint LbaMid = 4;
    public const uint LbaHigh = 5;
    public const uint Device = 6;
    public const uint StatusCommand = 7;
}
