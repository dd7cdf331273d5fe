using Emu.Io.Assigned;

namespace Emu.Io.Tests.Assigned;

/// <summary>A VF's IOMMU domain translates only what the VMM mapped, with the permission the direction needs; the
/// IommuMap message refuses a mapping that is not whole pages of the caller's guest memory.</summary>
public sealed class IommuTests
{
    [Fact]
    public void A_mapped_page_translates_with_its_offset_and_only_in_the_directions_it_allows()
    {
        var domain = new IommuDomain();
        domain.Map(0x2_0000, 0x22_0000, 0x2000, IommuAccess.ReadWrite);
        domain.Map(0xF_0000, 0x2F_0000, 0x1000, IommuAccess.Read);

        domain.Translate(0x2_0123, write: true, out ulong host).Should().BeTrue();
        host.Should().Be(0x22_0123);
        domain.Translate(0x2_1FFF, write: false, out host).Should().BeTrue();
        host.Should().Be(0x22_1FFF);
        domain.Translate(0xF_0010, write: false, out host).Should().BeTrue();
        host.Should().Be(0x2F_0010);
        domain.Translate(0xF_0010, write: true, out _).Should().BeFalse("a read-only page (ROM) takes no device write");
        domain.Translate(0x2_2000, write: false, out _).Should().BeFalse("the page after the mapping is not mapped");
        domain.Translate(0x1_0000_0000, write: false, out _).Should().BeFalse("IOVAs are 32-bit");
        domain.MappedPages.Should().Be(3);

        domain.Clear();
        domain.Translate(0x2_0123, write: false, out _).Should().BeFalse("a detached VF reaches nothing");
    }

    [Fact]
    public void IommuMap_round_trips_and_refuses_what_is_not_whole_pages_of_guest_memory()
    {
        var buffer = new byte[DeviceProtocol.MaxPayload];
        var map = new IommuMapMessage(0x1000, 0x1000, 0x9F000, IommuAccess.ReadWrite);
        IommuMapMessage.Decode(buffer.AsSpan(0, map.Encode(buffer))).Should().Be(map);

        foreach (var bad in new[]
        {
            new IommuMapMessage(0x1001, 0x1000, 0x1000, IommuAccess.Read),        // not page aligned
            new IommuMapMessage(0x1000, 0x10F000, 0x2000, IommuAccess.Read),      // past guest memory (the VMM's private page)
            new IommuMapMessage(0x1000, 0x1000, 0, IommuAccess.Read),             // empty
            new IommuMapMessage(0x1000, 0x1000, 0x1000, IommuAccess.None),        // no access
            new IommuMapMessage(0x1000, 0x1000, 0x1000, (IommuAccess)4),          // unknown access
        })
        {
            int length = bad.Encode(buffer);
            FluentActions.Invoking(() => IommuMapMessage.Decode(buffer.AsSpan(0, length)))
                .Should().Throw<DeviceProtocolException>().Which.Fault.Should().Be(ProtocolFault.BadField);
        }
    }
}
