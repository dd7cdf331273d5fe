namespace Emu.Cli.Tests;

/// <summary>
/// gdb's reverse-stepi and reverse-continue against emu (docs/DEBUGGING.md): the machine goes back by running again
/// from a snapshot, so a reverse step lands where the guest was one instruction earlier, with the registers it had
/// there, and reverse-continue stops at the last breakpoint before the current position, or at the start of the
/// history. The hello image's loop: 7C0C lodsb, 7C0D test al,al, 7C0F jz, 7C11 out dx,al, 7C12 jmp 7C0Ch.
/// </summary>
public class GdbReverseTests
{
    [Fact]
    public void Reverse_stepi_and_reverse_continue_go_back_to_the_previous_instruction_and_breakpoint()
    {
        var r = GdbSession.Run(["run", "guest-images/demos/hello.bin"],
            "break *0x7c11",
            "continue",
            "continue",
            "printf \"second stop al=%c\\n\", $eax & 0xff",
            "reverse-continue",
            "printf \"reverse-continue al=%c esi=%x\\n\", $eax & 0xff, $esi",
            "stepi",
            "stepi",
            "stepi",
            "printf \"after 3 stepi eip=%x esi=%x\\n\", $eip, $esi",
            "reverse-stepi",
            "printf \"after reverse-stepi eip=%x esi=%x\\n\", $eip, $esi",
            "reverse-stepi",
            "printf \"after reverse-stepi eip=%x\\n\", $eip",
            "reverse-continue",
            "printf \"back at the breakpoint eip=%x al=%c\\n\", $eip, $eax & 0xff",
            "reverse-continue",
            "printf \"history start eip=%x\\n\", $eip",
            "delete",
            "continue");

        r.Gdb.Should().Contain("second stop al=e");
        r.Gdb.Should().Contain("reverse-continue al=H esi=7c18", "the breakpoint's previous hit wrote the 'H'");
        r.Gdb.Should().Contain("after 3 stepi eip=7c0d esi=7c19", "out, jmp, lodsb");
        r.Gdb.Should().Contain("after reverse-stepi eip=7c0c esi=7c18", "before the lodsb, SI as it was");
        r.Gdb.Should().Contain("after reverse-stepi eip=7c12");
        r.Gdb.Should().Contain("back at the breakpoint eip=7c11 al=H");
        r.Gdb.Should().Contain("No more reverse-execution history.");
        r.Gdb.Should().Contain("history start eip=ffff0", "the history starts where --gdb-wait held the guest");
        r.Gdb.Should().Contain("exited normally");
        r.Emu.Stdout.Should().Be("HHHello from Emu!\n",
            "output is not repeated while replaying, but running forward again prints again: the first 'H', the stepi over the OUT, then all of it from the start");
        r.Emu.ExitCode.Should().Be(0);
    }

    [Fact]
    public void A_snapshot_saved_from_gdb_resumes_where_the_guest_stood()
    {
        using var snapshot = Emu.Tests.Shared.TempFile.Named(".snap");
        var r = GdbSession.Run(["run", "guest-images/demos/hello.bin"],
            "break *0x7c11",
            "continue",
            "continue",
            $"monitor save-snapshot {snapshot.Path}",
            "kill");

        r.Gdb.Should().Contain("saved the machine at 0000:7C11");
        r.Emu.Stdout.Should().Be("H", "killed before the second OUT");
        var resumed = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--load-snapshot", snapshot.Path);
        resumed.Stdout.Should().Be("ello from Emu!\n", "the resumed guest goes on with the OUT of the 'e'");
        resumed.ExitCode.Should().Be(0, resumed.Stderr);
    }
}
