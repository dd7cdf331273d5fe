namespace Emu.Cli.Tests;

/// <summary>
/// Debian's gdb against `emu ... --gdb 0 --gdb-wait` (docs/DEBUGGING.md). The hello image's code, for the addresses:
/// 7C00 cli, 7C06 mov si,7C17h (the message), 7C0C lodsb, 7C0D test al,al, 7C11 out dx,al (the debug console),
/// 7C12 jmp 7C0Ch, 7C14 hlt.
/// </summary>
public partial class GdbStubTests
{
    private static readonly string[] Hello = ["run", "guest-images/demos/hello.bin"];

    [Fact]
    public void Gdb_waits_before_the_first_instruction_breaks_steps_and_reads_registers()
    {
        var r = GdbSession.Run(Hello,
            "info registers eip cs ip",
            "break *0x7c00",
            "continue",
            "stepi",
            "stepi",
            "info registers eip eflags",
            "monitor where",
            "x/2i $pc",
            "continue");

        r.Gdb.Should().MatchRegex(@"eip\s+0xffff0", "the reset vector FFFF:0000 is linear FFFF0, where --gdb-wait holds the CPU");
        r.Gdb.Should().MatchRegex(@"cs\s+0xffff").And.MatchRegex(@"ip\s+0x0\s");
        r.Gdb.Should().Contain("Breakpoint 1, 0x00007c00 in ?? ()");
        r.Gdb.Should().MatchRegex(@"eip\s+0x7c02\s", "two stepi from 7C00 run cli and cld");
        r.Gdb.Should().MatchRegex(@"eflags\s+0x46\s+\[ PF ZF \]", "cli cleared IF; the BIOS left PF and ZF");
        r.Gdb.Should().Contain("0000:7C02 (linear 07C02) xor ax, ax");
        r.Gdb.Should().Contain("0x7c02:\txor    %ax,%ax", "gdb disassembles the 16-bit code at the linear PC");
        r.Gdb.Should().Contain("exited normally", "the guest's HLT with interrupts off is reported as exit status 0");
        r.Emu.Stdout.Should().Be("Hello from Emu!\n");
        r.Emu.ExitCode.Should().Be(0);
    }

    [Fact]
    public void Memory_and_register_edits_from_gdb_change_what_the_guest_prints()
    {
        var r = GdbSession.Run(Hello,
            "break *0x7c11",
            "continue",
            "set var *(char*)0x7c18 = 'a'",   // the message's second byte, read by the next lodsb
            "x/2c 0x7c17",
            "set $eax = 0x4a",                 // 'J' instead of the 'H' about to be written
            "delete",
            "continue");

        r.Gdb.Should().Contain("72 'H'\t97 'a'", "gdb reads back the byte it wrote");
        r.Emu.Stdout.Should().Be("Jallo from Emu!\n");
        r.Emu.ExitCode.Should().Be(0);
    }

    [Fact]
    public void Hardware_breakpoints_and_a_read_watchpoint_stop_where_they_should()
    {
        var r = GdbSession.Run(Hello,
            "hbreak *0x7c0c",
            "continue",
            "delete",
            "rwatch *(char*)0x7c19",          // the first 'l' of "Hello"
            "continue",
            "info registers esi eax",
            "monitor where");

        r.Gdb.Should().Contain("Hardware assisted breakpoint 1 at 0x7c0c").And.Contain("Breakpoint 1, 0x00007c0c");
        r.Gdb.Should().Contain("Hardware read watchpoint 2: *(char*)0x7c19").And.Contain("Value = 108 'l'");
        r.Gdb.Should().MatchRegex(@"esi\s+0x7c1a\s", "the stop comes after the lodsb that read the byte");
        r.Gdb.Should().Contain("0000:7C0D (linear 07C0D) test al, al");
    }

    [Fact]
    public void A_write_watchpoint_catches_the_bios_timer_tick_in_the_bda()
    {
        // bootdemo waits for a key; the BIOS's IRQ 0 handler counts ticks at 0040:006C meanwhile.
        var r = GdbSession.Run(["boot", "guest-images/demos/bootdemo.bin"],
            "watch *(unsigned short*)0x46c",
            "continue",
            "monitor where",
            "kill");

        r.Gdb.Should().Contain("Hardware watchpoint 1: *(unsigned short*)0x46c");
        r.Gdb.Should().MatchRegex(@"Old value = \d+\s+New value = \d+", "gdb saw the word change");
        r.Gdb.Should().MatchRegex(@"F000:[0-9A-F]{4} \(linear F[0-9A-F]{4}\)", "the writer is the BIOS");
        r.Emu.ExitCode.Should().Be(130, "gdb's kill ends the run as the user's stop");
        r.Emu.Stderr.Should().Contain("killed by the debugger");
    }

    [Fact]
    public void Break_exit_on_an_ata_port_stops_after_the_out_that_programs_the_drive()
    {
        var r = GdbSession.Run(["run", "guest-images/tests/ata/pio.bin", "--disk", "guest-images/tests/ata/disk.img,readonly"],
            "monitor break-exit port 0x1f0-0x1f7",
            "monitor break-exit",
            "continue",
            "monitor where",
            "monitor delete-exit all",
            "monitor break-exit device ata0",
            "continue",
            "info registers edx",
            "kill");

        r.Gdb.Should().Contain("1: break-exit port 0x1f0-0x1f7");
        r.Gdb.Should().MatchRegex(@"emu: break-exit port 0x1f0-0x1f7 matched exit io (in|out) 01F[0-7]h/\d = [0-9A-F]+h \(ata0\.\w+\) by F000:[0-9A-F]{4}");
        r.Gdb.Should().Contain("Program received signal SIGTRAP");
        r.Gdb.Should().MatchRegex(@"emu: break-exit device ata0 matched exit io");
        r.Gdb.Should().MatchRegex(@"edx\s+0x1f[0-7]\s", "the stop is right after the instruction that used the port in DX");
        r.Emu.ExitCode.Should().Be(130);
    }

    [Fact]
    public void Ctrl_c_stops_a_running_guest()
    {
        // bootdemo waits for a key for ever; gdb gets SIGINT while it waits in continue, as when the user presses
        // Ctrl-C, and sends 0x03.
        var r = GdbSession.Run(["boot", "guest-images/demos/bootdemo.bin"],
            "shell (sleep 1; kill -INT $PPID) &",
            "continue",
            "monitor screen",
            "kill");

        r.Gdb.Should().Contain("Program received signal SIGINT");
        r.Gdb.Should().Contain("Your name?", "monitor screen shows the text screen");
        r.Emu.ExitCode.Should().Be(130);
    }

    [Fact]
    public void Detach_lets_the_guest_run_on_to_its_end()
    {
        var r = GdbSession.Run(Hello,
            "break *0x7c11",
            "continue",
            "detach");

        r.Gdb.Should().Contain("[Inferior 1 (Remote target) detached]");
        r.Emu.Stdout.Should().Be("Hello from Emu!\n", "the breakpoint went with gdb: the guest ran to its end");
        r.Emu.ExitCode.Should().Be(0);
    }

    [Fact]
    public void The_guests_exit_status_reaches_gdb()
    {
        var r = GdbSession.Run(["run", "guest-images/demos/platform.bin"], "continue");

        r.Gdb.Should().Contain("exited with code 041", "the guest wrote 16 to the debug-exit port: status 33 (octal 41 in gdb's words)");
        r.Emu.ExitCode.Should().Be(33);
    }

    [Fact]
    public void Break_exit_without_gdb_prints_the_exit_and_the_registers_and_stops_with_status_6()
    {
        var r = EmuProcess.Run("run", "guest-images/tests/ata/pio.bin", "--disk", "guest-images/tests/ata/disk.img,readonly",
            "--break-exit", "port 0x1f6");

        r.ExitCode.Should().Be(6, "a stop the user asked for: neither a guest's status (odd, or 4 when the guest stopped the machine) nor a host error (1)");
        r.Stderr.Should().Contain("break-exit port 0x1f6 matched exit io out 01F6h/1 = A0h (ata0.device) by F000:");
        r.Stderr.Should().MatchRegex(@"emu: registers: EAX=000000A0 .*EDX=000001F6 .*CS=F000 IP=[0-9A-F]{4}");
        r.Stdout.Should().NotContain("pio: done", "the run stopped at the exit");
    }

    [Fact]
    public void Bad_debug_options_are_one_line_usage_errors()
    {
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--break-exit", "port 0x1f7-0x1f0")
            .ShouldBeOneLineError(2, "--break-exit: break-exit port '0x1f7-0x1f0'");
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--break-exit", "disk 3")
            .ShouldBeOneLineError(2, "--break-exit: break-exit 'disk 3' is not port N[-M]");
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--gdb-wait")
            .ShouldBeOneLineError(2, "--gdb-wait needs --gdb PORT");
        EmuProcess.Run("run", "guest-images/demos/hello.bin", "--gdb", "70000")
            .ShouldBeOneLineError(2, "--gdb 70000 is not a TCP port");
    }

    [Fact]
    public async Task Ctrl_c_on_emu_ends_a_run_that_waits_for_gdb()
    {
        using var emu = System.Diagnostics.Process.Start(EmuProcess.StartInfo(["run", "guest-images/demos/hello.bin", "--gdb", "0", "--gdb-wait"]))!;
        emu.StandardInput.Close();
        var stdout = emu.StandardOutput.ReadToEndAsync();
        emu.StandardError.ReadLine().Should().Contain("listening on 127.0.0.1:");
        var stderr = emu.StandardError.ReadToEndAsync();
        SendSignal(emu.Id, 2).Should().Be(0);

        emu.WaitForExit(30_000).Should().BeTrue("SIGINT ends a run whose guest waits for a debugger");
        emu.ExitCode.Should().Be(130);
        (await stderr).Should().Contain("interrupted at FFFF:0000 after 0 instructions");
        (await stdout).Should().BeEmpty();
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    [Fact]
    public void A_port_in_use_is_a_host_error()
    {
        var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        try
        {
            int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
            EmuProcess.Run("run", "guest-images/demos/hello.bin", "--gdb", port.ToString())
                .ShouldBeOneLineError(1, $"--gdb: cannot listen on 127.0.0.1:{port}");
        }
        finally
        {
            taken.Stop();
        }
    }
}
