using System.Net.Sockets;
using Emu.Hypervisor.Remote;
using Emu.Io.Devices;
using Emu.Io.Remote;

namespace Emu.Hypervisor.Tests.Remote;

/// <summary>
/// A device process that dies, hangs or breaks the protocol must stop the guest promptly with
/// <see cref="RunEnd.DeviceFailure"/>, exit status 1 and one line naming the process, the access and the problem,
/// never hang the VMM or let a bad report reach the machine. The device here is a scripted fake that sets up
/// correctly (so the machine starts) and misbehaves at the first guest access.
/// </summary>
public sealed class DeviceProcessFailureTests : IDisposable
{
    private readonly string _socket = Path.Combine(Path.GetTempPath(), $"emu-fake-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_socket);

    private static readonly RegionInfo[] AtaRegions =
    [
        new(RegionSpace.Port, 0x1F0, 8, "ata0"),
        new(RegionSpace.Port, 0x3F6, 1, "ata0-ctl"),
    ];

    /// <summary>Serves Hello and MemoryMap properly, then calls <paramref name="misbehave"/> at the first access.</summary>
    private Thread FakeDevice(Action<MessageChannel> misbehave)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socket));
        listener.Listen(1);
        var thread = new Thread(() =>
        {
            using (listener)
            using (var c = new MessageChannel(listener.Accept()))
            {
                try
                {
                    c.Receive(out _);
                    var welcome = new WelcomeMessage(RemoteDeviceKind.Ata, 4242, AtaRegions, [14], [new DiskInfo("ata0-master", "/x.img", 512 * 64, false)]);
                    c.Send(MessageType.Welcome, welcome.Encode(c.Payload));
                    c.Receive(out _); // MemoryMap
                    c.Send(MessageType.Completion, new CompletionMessage(0, 0).Encode(c.Payload));
                    c.Receive(out _); // the first access
                    misbehave(c);
                }
                catch (DeviceProtocolException)
                {
                    // the VMM hung up on us: expected
                }
            }
        }) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private RunOutcome RunIdentify(TimeSpan? timeout = null) => RunIdentify(out _, timeout);

    /// <summary>Runs identify.bin against the fake device; <paramref name="failure"/> is why the connection failed, if it did.</summary>
    private RunOutcome RunIdentify(out DeviceFailure? failure, TimeSpan? timeout = null)
    {
        using var vm = new VirtualMachine(new MachineConfig
        {
            DeviceProcess = _socket,
            DeviceProcessTimeout = timeout ?? TimeSpan.FromSeconds(10),
            MemoryKiB = 512, // 80000-9FFFF unmapped
        });
        FlatBinaryLoader.Load(vm.Memory, File.ReadAllBytes(Path.Combine(RepoPaths.GuestImages, "tests/ata/identify.bin")), SegmentedAddress.BootSector);
        BareStart.Prepare(vm, SegmentedAddress.BootSector);
        var outcome = vm.Run(new RunLimits { MaxInstructions = 10_000_000, Timeout = TimeSpan.FromSeconds(30) });
        failure = vm.DeviceProcess?.Failure;
        return outcome;
    }

    private static void Send(MessageChannel c, MessageType type, int length) => c.Send(type, length);

    public static TheoryData<string, Action<MessageChannel>, ProtocolFault> Misbehaviours => new()
    {
        { "dies", c => c.Dispose(), ProtocolFault.ConnectionLost },
        { "sends a bad header", c => Send(c, (MessageType)77, 0), ProtocolFault.Malformed },
        { "raises an IRQ line it does not have", c => Send(c, MessageType.Irq, new IrqMessage(3, true).Encode(c.Payload)), ProtocolFault.ImpossibleIrq },
        { "claims to have written unmapped memory", c => Send(c, MessageType.MemoryWritten, new MemoryWrittenMessage(0x9_0000, 16).Encode(c.Payload)), ProtocolFault.ImpossibleDma },
        { "moves a region out of the port space", c => Send(c, MessageType.RegionMoved, new RegionMovedMessage(0, 0xFFFC).Encode(c.Payload)), ProtocolFault.ImpossibleRegion },
        { "answers with a request", c => Send(c, MessageType.Access, new AccessMessage(0, 1, false, 0, 0).Encode(c.Payload)), ProtocolFault.UnexpectedMessage },
        { "gives up", c => Send(c, MessageType.Error, new ErrorMessage("disk on fire").Encode(c.Payload)), ProtocolFault.PeerGaveUp },
        { "floods events", Flood, ProtocolFault.Flooded },
    };

    private static void Flood(MessageChannel c)
    {
        for (int i = 0; i <= DeviceProtocol.MaxMessagesPerRequest + 1; i++)
            c.Send(MessageType.Event, new EventMessage(0, "x", "y").Encode(c.Payload));
    }

    [Theory]
    [MemberData(nameof(Misbehaviours))]
    public void A_misbehaving_device_process_stops_the_guest_with_one_line(string what, Action<MessageChannel> misbehave, ProtocolFault fault)
    {
        var device = FakeDevice(misbehave);
        var outcome = RunIdentify(out var failure);
        outcome.End.Should().Be(RunEnd.DeviceFailure, what);
        outcome.ExitCode.Should().Be(1);
        failure.Should().NotBeNull();
        failure!.Fault.Should().Be(fault, what);
        failure.ProcessId.Should().Be(4242);
        failure.During.Should().Contain("of ata0", "it names the access the device failed during");
        outcome.Message.Should().StartWith($"{failure}; guest stopped at ").And.StartWith($"device process at '{_socket}' (pid 4242) failed during ")
            .And.MatchRegex("guest stopped at [0-9A-F]{4}:[0-9A-F]{4}$").And.NotContain("\n");
        device.Join(5000).Should().BeTrue();
    }

    [Fact]
    public void A_hung_device_process_stops_the_guest_at_the_timeout()
    {
        var release = new ManualResetEventSlim();
        var device = FakeDevice(_ => release.Wait(10_000));
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var outcome = RunIdentify(out var failure, TimeSpan.FromMilliseconds(300));
        watch.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5));
        outcome.End.Should().Be(RunEnd.DeviceFailure);
        failure!.Fault.Should().Be(ProtocolFault.TimedOut);
        outcome.Message.Should().Contain("no message within 0.3 s", "the line says how long it waited");
        release.Set();
        device.Join(5000).Should().BeTrue();
    }

    [Fact]
    public void Nothing_listening_is_one_line_before_the_guest_starts()
    {
        var act = () => new VirtualMachine(new MachineConfig { DeviceProcess = _socket });
        act.Should().Throw<DeviceProcessException>().Which.Error.Should().Be(new DeviceProcessError(DeviceProcessFault.NoProcess, _socket));
    }

    [Fact]
    public void A_device_process_serving_another_image_is_refused()
    {
        var device = FakeDevice(_ => { });
        var act = () => new VirtualMachine(new MachineConfig { DeviceProcess = _socket, DeviceProcessDisks = ["/other.img"] });
        act.Should().Throw<DeviceProcessException>().Which.Error.Should().Be(
            new DeviceProcessError(DeviceProcessFault.WrongDisk, _socket, Served: "/x.img", Detail: "/other.img"));
        device.Join(5000);
    }

    [Fact]
    public void A_remote_ATA_controller_beside_a_BIOS_reading_disks_in_the_VMM_is_refused()
    {
        var device = FakeDevice(_ => { });
        var act = () => new VirtualMachine(new MachineConfig
        {
            DeviceProcess = _socket, Firmware = new byte[Emu.Hypervisor.Firmware.FirmwareServices.RomSize],
            BiosDisk = Emu.Hypervisor.Firmware.BiosDiskMode.Hypercall,
        });
        act.Should().Throw<DeviceProcessException>().Which.Error.Fault.Should().Be(DeviceProcessFault.HypercallBiosDisk);
        device.Join(5000);
    }

    [Fact]
    public void A_device_process_that_never_answers_Hello_is_one_line_at_the_timeout()
    {
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socket));
        listener.Listen(1);
        var act = () => new VirtualMachine(new MachineConfig { DeviceProcess = _socket, DeviceProcessTimeout = TimeSpan.FromMilliseconds(300) });
        var error = act.Should().Throw<DeviceProcessException>().Which.Error;
        (error.Fault, error.Protocol).Should().Be((DeviceProcessFault.Handshake, ProtocolFault.TimedOut));
        error.ToString().Should().Be($"device process at '{_socket}': no message within 0.3 s", "the line says how long it waited");
    }

    [Fact]
    public void A_device_process_answering_at_random_never_crashes_or_hangs_the_VMM()
    {
        // 60 machines, each against a fake device that answers every access with 0-3 random messages (valid
        // reports with random fields, or random types and bytes) and then usually a Completion.
        var ends = new Dictionary<RunEnd, int>();
        for (int seed = 0; seed < 60; seed++)
        {
            var random = new Random(seed);
            File.Delete(_socket);
            var device = FakeDevice(c =>
            {
                for (int access = 0; access < 2000; access++)
                {
                    int extra = random.Next(4);
                    for (int i = 0; i < extra; i++)
                        SendRandom(c, random);
                    if (random.Next(50) != 0)
                        c.Send(MessageType.Completion, new CompletionMessage((uint)random.Next(256), 0).Encode(c.Payload));
                    c.Receive(out _);
                }
            });
            var outcome = RunIdentify(TimeSpan.FromMilliseconds(250));
            outcome.Message.Should().NotContain("\n");
            ends[outcome.End] = ends.GetValueOrDefault(outcome.End) + 1;
            device.Join(5000).Should().BeTrue();
        }
        ends.GetValueOrDefault(RunEnd.DeviceFailure).Should().BeGreaterThan(30, "most random devices break the protocol soon");
    }

    private static void SendRandom(MessageChannel c, Random random)
    {
        switch (random.Next(5))
        {
            case 0:
                c.Send(MessageType.Irq, new IrqMessage((byte)random.Next(3), random.Next(2) == 0).Encode(c.Payload));
                break;
            case 1:
                c.Send(MessageType.MemoryWritten, new MemoryWrittenMessage((uint)random.Next(0x11_0000), (uint)random.Next(1, 0x2000)).Encode(c.Payload));
                break;
            case 2:
                c.Send(MessageType.Event, new EventMessage(random.Next(), "ata0", "noise").Encode(c.Payload));
                break;
            case 3:
                c.Send(MessageType.RegionMoved, new RegionMovedMessage((byte)random.Next(3), (uint)random.Next(0x1_0000)).Encode(c.Payload));
                break;
            default:
                int length = random.Next(0, 32);
                random.NextBytes(c.Payload[..length]);
                c.Send((MessageType)random.Next(0, 20), length);
                break;
        }
    }
}
