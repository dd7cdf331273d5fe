namespace Emu.Io.Tests.Remote;

/// <summary>
/// A hostile VMM, seeded: 300 connections each that send messages of random types with random payloads, and accesses
/// with random fields, in random order. The device process must answer each session with completions or one Error,
/// never die (no device model may throw either), and serve a well-behaved VMM afterwards.
/// </summary>
public sealed class DeviceServerFuzzTests : IDisposable
{
    private readonly MemoryBackend _disk = new(64 * 512, readOnly: true);
    private readonly ServedAtaDisk _served;

    public DeviceServerFuzzTests() => _served = new ServedAtaDisk(_disk);

    public void Dispose() => _served.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Random_conversations_never_kill_the_device_process(int seed)
    {
        var random = new Random(seed);
        int errors = 0, completions = 0;
        for (int session = 0; session < 300; session++)
        {
            using var c = _served.Connect();
            bool setUp = random.Next(4) != 0;
            if (setUp)
            {
                _served.Hello(c);
                if (random.Next(3) != 0)
                {
                    var kinds = new PageKind[GuestMemory.PageCount];
                    c.Send(MessageType.MemoryMap, MemoryMapMessage.Encode(c.Payload, kinds));
                    while (c.Receive(out _) != MessageType.Completion)
                    {
                    }
                }
            }
            bool ended = false;
            for (int step = 0; step < 40 && !ended; step++)
            {
                SendSomething(c, random);
                // Read until the request completes or the session ends with an Error.
                while (true)
                {
                    MessageType type;
                    try
                    {
                        type = c.Receive(out _);
                    }
                    catch (DeviceProtocolException)
                    {
                        ended = true; // closed after its Error
                        break;
                    }
                    if (type == MessageType.Completion)
                    {
                        completions++;
                        break;
                    }
                    if (type == MessageType.Error)
                    {
                        errors++;
                        ended = true;
                        break;
                    }
                    type.Should().BeOneOf(MessageType.Irq, MessageType.RegionMoved, MessageType.MemoryWritten, MessageType.Event, MessageType.RegisterNames);
                }
            }
        }
        errors.Should().BeGreaterThan(150, "many random conversations break the protocol somewhere");
        completions.Should().BeGreaterThan(1000, "and many requests in them were well-formed");
        _served.Serving.Should().BeTrue();
        _served.Log.Should().NotContain("device model failed", "no random access made a device model throw");

        using var good = _served.Connect();
        good.Send(MessageType.Hello, new HelloMessage(HelloFlags.None, _served.Ram.Path).Encode(good.Payload));
        good.Receive(out var welcome).Should().Be(MessageType.Welcome, "the process still serves a well-behaved VMM");
        WelcomeMessage.Decode(welcome).Kind.Should().Be(RemoteDeviceKind.Ata);
    }

    private static void SendSomething(MessageChannel c, Random random)
    {
        var payload = c.Payload;
        int dice = random.Next(100);
        if (dice < 3)
        {
            // A random type with random bytes (bad headers are MessageChannelTests' business).
            int length = random.Next(0, 40);
            random.NextBytes(payload[..length]);
            c.Send((MessageType)random.Next(0, 20), length);
            return;
        }
        bool wild = dice < 8; // a well-formed message with fields out of range
        byte region = (byte)(wild ? random.Next(256) : random.Next(6));
        int[] lengths = [8, 1, 8, 1, 16, 256]; // the ATA device's regions (Welcome)
        byte size = (byte)(wild ? random.Next(8) : region < lengths.Length && lengths[region] == 1 ? 1 : new[] { 1, 2, 4 }[random.Next(3)]);
        bool write = random.Next(2) == 0;
        uint offset = (uint)(wild ? random.Next() : random.Next(lengths[region] - size + 1));
        uint value = write ? (uint)random.Next(1 << (8 * Math.Min((int)size, 3))) : 0;
        if (region == 0 && offset == 7 && write)
            value = new uint[] { 0xEC, 0x20, 0x30, 0xC8, 0xCA, 0xE7, 0x91, 0x00 }[random.Next(8)]; // real commands
        int n = new AccessMessage(region, size, write, offset, value).Encode(payload);
        c.Send(MessageType.Access, n);
    }
}
