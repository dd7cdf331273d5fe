using System.Collections;
using System.Reflection;
using CommandLine;

namespace Emu.Cli.Tests;

/// <summary>
/// emu reads everyday command lines without CommandLineParser (it costs a fifth of a start-up): whatever the plain
/// reader reads must be what CommandLineParser reads, option by option, and what it cannot read exactly it leaves to
/// CommandLineParser, which words the errors and the help.
/// </summary>
public class PlainCommandLineTests
{
    // Words are separated by spaces; '~' is a space inside one word.
    private static string[] Words(string line) => line.Split(' ').Select(w => w.Replace('~', ' ')).ToArray();

    public static TheoryData<string> Everyday => new()
    {
        "run guest-images/demos/hello.bin",
        "boot guest-images/demos/bootdemo.bin --screen --keys Emu\\n",
        "run --cpu 8086 p.bin --memory 256 --max-instructions 5000000 --timeout 2.5 --stats",
        "run p.bin --disk a.img --serial stdio --disk b.img,readonly --trace t.txt --trace-format jsonl --trace-events all",
        "run p.bin --no-firmware --load-address 1000:0100 --ns-per-instruction 50 --rtc host --bios-disk dma",
        "boot os.img --gdb 0 --gdb-wait --break-exit port~0x1F0 --break-exit reason~io --device-timeout 0.5",
        "boot os.img --virtio-disk v.img --virtio-notify poll --virtio-poll-interval 20 --layers --progress",
        "run p.bin --console screen --screenshot s.png --save-snapshot s.snap --trace-registers --trace-host-time",
        "disasm guest-images/demos/hello.bin --bits 16 --origin 0000:7C00",
        "cpus",
        "completion bash",
        "conformance vectors --failures 3 --only 00,01 --json",       // defaults declared only in [Option]
        "device-server --socket s.sock --disk d.img --guests 2 --once",
        "report data.img --file c:\\big.bin --output page.html --runs 1",
    };

    public static TheoryData<string> LeftToCommandLineParser => new()
    {
        "run --help",
        "run p.bin --help",
        "help run",
        "--version",
        "run",                              // the program is missing: CommandLineParser says so
        "run p.bin q.bin",                  // one value too many
        "run p.bin --memory lots",          // not a number
        "run p.bin --memory=256",           // the --name=value form
        "run p.bin --cpu 8086 --cpu 286",   // a scalar option twice
        "run p.bin --keys -a",              // a value that looks like an option
        "run --disk a.img b.img p.bin",     // a list option followed by more than one value
        "run p.bin --no-such-option",
        "device-server --disk d.img",       // a required option missing: CommandLineParser says so
        "report data.img --file c:\\big.bin",       // --output, a required option, missing
        "test guest-images/tests -j 2",     // a short option, and a list of values
        "bench cpu a.bin b.bin",
        "nonsense",
    };

    [Theory]
    [MemberData(nameof(Everyday))]
    public void An_everyday_command_line_is_read_as_CommandLineParser_reads_it(string line)
    {
        string[] args = Words(line);
        object? plain = PlainCommandLine.TryRead(args, Program.Verbs);
        plain.Should().NotBeNull("the plain reader reads the everyday forms (else start-up pays for CommandLineParser)");

        object? parsed = null;
        Program.NewParser().ParseArguments(args, Program.Verbs).WithParsed(o => parsed = o);
        parsed.Should().NotBeNull();
        plain!.GetType().Should().Be(parsed!.GetType());
        foreach (var property in plain.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            object? mine = property.GetValue(plain), theirs = property.GetValue(parsed);
            if (mine is IEnumerable list and not string)
                list.Cast<object>().Should().Equal(((IEnumerable)theirs!).Cast<object>(), property.Name);
            else
                mine.Should().Be(theirs, property.Name);
        }
    }

    [Theory]
    [MemberData(nameof(LeftToCommandLineParser))]
    public void Help_errors_and_unusual_forms_are_left_to_CommandLineParser(string line) =>
        PlainCommandLine.TryRead(Words(line), Program.Verbs).Should().BeNull();

    [Theory]
    [InlineData("--memory")]                    // last on the line
    [InlineData("--cpu", "--stats")]            // straight before another option
    [InlineData("--disk")]                      // a list option
    public void An_option_given_without_its_value_is_a_usage_error_not_ignored(params string[] options)
    {
        var r = EmuProcess.Run(["run", "guest-images/demos/hello.bin", .. options]);
        r.ExitCode.Should().Be(ExitCodes.Usage);
        r.Stdout.Should().BeEmpty("the guest must not run with a default the user did not mean");
        r.Stderr.Should().Be($"emu: option '{options[0]}' needs a value (try 'emu help')\n");
    }

    [Fact]
    public void A_bad_value_is_still_one_clear_line_from_the_usual_parser()
    {
        var r = EmuProcess.Run("run", "guest-images/demos/hello.bin", "--memory", "lots");
        r.ExitCode.Should().Be(ExitCodes.Usage);
        r.Stderr.Should().Be("emu: bad value for '--memory' (try 'emu help')\n");
    }
}
