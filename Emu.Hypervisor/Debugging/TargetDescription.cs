namespace Emu.Hypervisor.Debugging;

/// <summary>
/// What gdb reads with qXfer:features:read:target.xml: an i8086 with the i386 core register set (gdb requires
/// the x87 registers in it; this CPU has none, so they read as unavailable) and, in a feature of Emu's own, the
/// 16-bit IP. In the core set, eip is the linear address of the next instruction (CS*16+IP): gdb knows nothing
/// of segments, and with eip linear its breakpoints, x/i $pc and stepping name the bytes the CPU runs.
/// </summary>
public static class TargetDescription
{
    /// <summary>The register numbers of the description (the order of the g packet).</summary>
    public const int Eip = 8, Eflags = 9, FirstSegment = 10, FirstX87 = 16, X87Count = 16, Ip = 32, Count = 33;

    /// <summary>Size in bytes of register <paramref name="number"/>.</summary>
    public static int SizeOf(int number) => number switch
    {
        < FirstX87 => 4,
        < FirstX87 + 8 => 10,
        < Ip => 4,
        Ip => 2,
        _ => 0,
    };

    public const string Xml = """
        <?xml version="1.0"?>
        <!DOCTYPE target SYSTEM "gdb-target.dtd">
        <target version="1.0">
          <architecture>i8086</architecture>
          <feature name="org.gnu.gdb.i386.core">
            <flags id="i386_eflags" size="4">
              <field name="CF" start="0" end="0"/>
              <field name="" start="1" end="1"/>
              <field name="PF" start="2" end="2"/>
              <field name="AF" start="4" end="4"/>
              <field name="ZF" start="6" end="6"/>
              <field name="SF" start="7" end="7"/>
              <field name="TF" start="8" end="8"/>
              <field name="IF" start="9" end="9"/>
              <field name="DF" start="10" end="10"/>
              <field name="OF" start="11" end="11"/>
              <field name="NT" start="14" end="14"/>
              <field name="RF" start="16" end="16"/>
              <field name="VM" start="17" end="17"/>
              <field name="AC" start="18" end="18"/>
              <field name="ID" start="21" end="21"/>
            </flags>
            <reg name="eax" bitsize="32" type="int32" regnum="0"/>
            <reg name="ecx" bitsize="32" type="int32"/>
            <reg name="edx" bitsize="32" type="int32"/>
            <reg name="ebx" bitsize="32" type="int32"/>
            <reg name="esp" bitsize="32" type="data_ptr"/>
            <reg name="ebp" bitsize="32" type="data_ptr"/>
            <reg name="esi" bitsize="32" type="int32"/>
            <reg name="edi" bitsize="32" type="int32"/>
            <reg name="eip" bitsize="32" type="code_ptr"/>
            <reg name="eflags" bitsize="32" type="i386_eflags"/>
            <reg name="cs" bitsize="32" type="int32"/>
            <reg name="ss" bitsize="32" type="int32"/>
            <reg name="ds" bitsize="32" type="int32"/>
            <reg name="es" bitsize="32" type="int32"/>
            <reg name="fs" bitsize="32" type="int32"/>
            <reg name="gs" bitsize="32" type="int32"/>
            <reg name="st0" bitsize="80" type="i387_ext"/>
            <reg name="st1" bitsize="80" type="i387_ext"/>
            <reg name="st2" bitsize="80" type="i387_ext"/>
            <reg name="st3" bitsize="80" type="i387_ext"/>
            <reg name="st4" bitsize="80" type="i387_ext"/>
            <reg name="st5" bitsize="80" type="i387_ext"/>
            <reg name="st6" bitsize="80" type="i387_ext"/>
            <reg name="st7" bitsize="80" type="i387_ext"/>
            <reg name="fctrl" bitsize="32" type="int" group="float"/>
            <reg name="fstat" bitsize="32" type="int" group="float"/>
            <reg name="ftag" bitsize="32" type="int" group="float"/>
            <reg name="fiseg" bitsize="32" type="int" group="float"/>
            <reg name="fioff" bitsize="32" type="int" group="float"/>
            <reg name="foseg" bitsize="32" type="int" group="float"/>
            <reg name="fooff" bitsize="32" type="int" group="float"/>
            <reg name="fop" bitsize="32" type="int" group="float"/>
          </feature>
          <feature name="org.emu.realmode">
            <reg name="ip" bitsize="16" type="uint16" group="general"/>
          </feature>
        </target>
        """;
}
