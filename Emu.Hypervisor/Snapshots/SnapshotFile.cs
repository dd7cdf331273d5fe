using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Emu.Hypervisor.Snapshots;

/// <summary>
/// A machine's whole state in a file (<c>--save-snapshot</c>, <c>--load-snapshot</c>, <c>monitor save-snapshot</c>):
/// the same objects a <see cref="MachineSnapshot"/> captures, written field by field, and read back into a machine
/// built from the same configuration.
/// </summary>
/// <remarks>
/// Layout (little-endian, strings length-prefixed UTF-8 as <see cref="BinaryWriter"/> writes them): the magic
/// <c>EMUSNAP\0</c>, the format version, the layout fingerprint (SHA-256 of every saved type's name and fields,
/// in order), the machine's description; the type table (name, fields); then every object the machine reaches, each
/// with its kind, type, path from the machine (the chain of field names that first reached it) and contents: fields
/// (references as object numbers), array elements (raw bytes for arrays without references), a string's text, a
/// delegate's method and target. What belongs to the host (<see cref="MachineSnapshot.IsHostSide"/>: streams, the
/// trace, the debugger...) is saved only as its path: loading keeps the loading machine's own. Loading puts each
/// saved object into the object at the same path of the new machine when there is one of the same type (so guest
/// RAM stays in its pinned store and whoever holds a device keeps it), or makes a new one.
/// The disks are not in the file: load it with the disk images as the saved run left them.
/// </remarks>
public static class SnapshotFile
{
    private static readonly byte[] Magic = "EMUSNAP\0"u8.ToArray();
    public const int FormatVersion = 2; // 2: structs without references are their bytes (inline arrays had one field)

    private enum Kind : byte { Object, Array, String, Delegate, Host, Boxed }

    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>Writes the state of <paramref name="vm"/> to <paramref name="output"/>.</summary>
    public static void Save(VirtualMachine vm, Stream output)
    {
        var graph = Walk(vm);
        var types = new List<Type>();
        var typeIndex = new Dictionary<Type, int>();
        int TypeOf(Type t)
        {
            if (!typeIndex.TryGetValue(t, out int i))
            {
                i = types.Count;
                types.Add(t);
                typeIndex[t] = i;
            }
            return i;
        }
        foreach (var (o, _) in graph.Objects)
        {
            TypeOf(o.GetType());
            if (KindOf(o) == Kind.Delegate)
            {
                foreach (var single in ((Delegate)o).GetInvocationList())
                    TypeOf(single.Method.DeclaringType!);
            }
        }

        using var w = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(FormatVersion);
        w.Write(Fingerprint(types));
        w.Write(Describe(vm));
        w.Write(types.Count);
        foreach (var t in types)
        {
            w.Write(t.AssemblyQualifiedName!);
            w.Write(Signature(t));
        }
        w.Write(graph.Objects.Count);
        foreach (var (o, path) in graph.Objects)
        {
            var kind = KindOf(o);
            w.Write((byte)kind);
            w.Write(typeIndex[o.GetType()]);
            w.Write(path);
            switch (kind)
            {
                case Kind.String:
                    w.Write((string)o);
                    break;
                case Kind.Array:
                    WriteArray(w, (Array)o, graph.Ids);
                    break;
                case Kind.Delegate:
                    var d = (Delegate)o;
                    var singles = d.GetInvocationList();
                    w.Write(singles.Length);
                    foreach (var single in singles)
                    {
                        w.Write(TypeOf(single.Method.DeclaringType!));
                        w.Write(single.Method.MetadataToken);
                        w.Write(single.Target is null ? -1 : graph.Ids[single.Target]);
                    }
                    break;
                case Kind.Object or Kind.Boxed:
                    WriteFields(w, o, o.GetType(), graph.Ids);
                    break;
            }
        }
        w.Write(Magic); // the end: a file cut short is told apart from one cut at an object boundary
    }

    /// <summary>Reads a state saved by <see cref="Save"/> into <paramref name="vm"/>, a machine built from the same
    /// configuration; a file that is not a snapshot of this build and this machine is refused (one line).</summary>
    public static void Load(VirtualMachine vm, Stream input, string name)
    {
        try
        {
            LoadChecked(vm, input, name);
        }
        catch (EndOfStreamException)
        {
            throw new SnapshotException($"snapshot '{name}' is truncated");
        }
        catch (Exception e) when (e is IOException or FormatException or ArgumentException or InvalidCastException or OverflowException
            or IndexOutOfRangeException or TypeLoadException or FileLoadException or OutOfMemoryException or NullReferenceException
            or InvalidOperationException or MemberAccessException or NotSupportedException or TargetException or MissingMethodException)
        {
            throw new SnapshotException($"snapshot '{name}' is damaged: {e.Message}");
        }
    }

    private static void LoadChecked(VirtualMachine vm, Stream input, string name)
    {
        using var r = new BinaryReader(input, Encoding.UTF8, leaveOpen: true);
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new SnapshotException($"'{name}' is not an emu snapshot");
        int version = r.ReadInt32();
        if (version != FormatVersion)
            throw new SnapshotException($"snapshot '{name}' has format version {version}; this emu reads version {FormatVersion}");
        byte[] fingerprint = r.ReadBytes(32);
        string description = r.ReadString();
        var types = new Type[CheckedCount(r.ReadInt32(), input)];
        for (int i = 0; i < types.Length; i++)
        {
            string typeName = r.ReadString();
            string signature = r.ReadString();
            types[i] = Type.GetType(typeName, throwOnError: false) is { } t && Signature(t) == signature
                ? t
                : throw new SnapshotException($"snapshot '{name}' was saved by another emu build (the state of {typeName.Split(',')[0]} differs)");
        }
        if (!Fingerprint(types).AsSpan().SequenceEqual(fingerprint))
            throw new SnapshotException($"snapshot '{name}' was saved by another emu build (its layout fingerprint differs)");
        if (Describe(vm) is var here && here != description)
            throw new SnapshotException($"snapshot '{name}' is of another machine ({description}; this one: {here})");

        var fresh = Walk(vm).ByPath;
        int count = CheckedCount(r.ReadInt32(), input);
        var objects = new object?[count];
        var reads = new List<Action<Func<int, object?>>>(count);
        var delegates = new (Type Type, (Type Declaring, int Token, int Target)[] Singles)?[count];
        for (int id = 0; id < count; id++)
        {
            var kind = (Kind)r.ReadByte();
            var type = types[r.ReadInt32()];
            string path = r.ReadString();
            fresh.TryGetValue(path, out var existing);
            if (existing is not null && existing.GetType() != type)
                existing = null;
            switch (kind)
            {
                case Kind.Host:
                    objects[id] = existing; // the loading machine's own
                    break;
                case Kind.String:
                    objects[id] = r.ReadString();
                    break;
                case Kind.Delegate:
                    var singles = new (Type, int, int)[CheckedCount(r.ReadInt32(), input)];
                    for (int i = 0; i < singles.Length; i++)
                        singles[i] = (types[r.ReadInt32()], r.ReadInt32(), r.ReadInt32());
                    delegates[id] = (type, singles);
                    break;
                case Kind.Array:
                    int length = CheckedCount(r.ReadInt32(), input);
                    var array = existing is Array a && a.Length == length ? a : Array.CreateInstance(type.GetElementType()!, length);
                    objects[id] = array;
                    reads.Add(ReadArray(r, array));
                    break;
                case Kind.Object or Kind.Boxed:
                    var target = existing ?? RuntimeHelpers.GetUninitializedObject(type);
                    objects[id] = target;
                    reads.Add(ReadFields(r, target, type, reused: existing is not null));
                    break;
                default:
                    throw new SnapshotException($"snapshot '{name}' is damaged: object {id} has kind {(int)kind}");
            }
        }
        if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
            throw new SnapshotException($"snapshot '{name}' is damaged: it does not end where its objects do");

        object? Resolve(int id)
        {
            if (id < 0)
                return null;
            if (objects[id] is null && delegates[id] is { } d)
            {
                Delegate? made = null;
                foreach (var (declaring, token, targetId) in d.Singles)
                {
                    var method = declaring.GetMethods(Instance | BindingFlags.Static).First(m => m.MetadataToken == token);
                    var single = method.IsStatic ? Delegate.CreateDelegate(d.Type, method) : Delegate.CreateDelegate(d.Type, Resolve(targetId), method);
                    made = Delegate.Combine(made, single);
                }
                objects[id] = made;
            }
            return objects[id];
        }
        foreach (var read in reads)
            read(Resolve);
    }

    private static int CheckedCount(int count, Stream input) =>
        count >= 0 && (!input.CanSeek || count <= input.Length) ? count : throw new FormatException($"a count of {count} does not fit the file");

    /// <summary>What a snapshot must be loaded into: the configuration's shape (CPU, RAM, disks and their sizes).</summary>
    private static string Describe(VirtualMachine vm)
    {
        var disks = Enumerable.Range(0, VirtualMachine.MaxHardDisks).Select(i => vm.Disk(i)?.CapacityBytes.ToString() ?? "-");
        return $"cpu {vm.Config.Cpu}, {vm.Config.MemoryKiB} KiB, disks {string.Join('/', disks)}, virtio {(vm.VirtioTransport is null ? "-" : "yes")}, "
            + $"floppy {vm.Config.Floppy?.CapacityBytes.ToString() ?? "-"}, firmware {(vm.Config.Firmware is { } f ? Convert.ToHexString(SHA256.HashData(f))[..16] : "none")}";
    }

    private sealed record Graph(List<(object Object, string Path)> Objects, Dictionary<object, int> Ids, Dictionary<string, object> ByPath);

    /// <summary>Every object the machine reaches, breadth first from it (so each path is a shortest one), host-side
    /// objects included but not entered.</summary>
    private static Graph Walk(VirtualMachine vm)
    {
        var objects = new List<(object, string)>();
        var ids = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var byPath = new Dictionary<string, object>(StringComparer.Ordinal);
        var pending = new Queue<(object, string)>();
        void Visit(object? o, string path)
        {
            if (o is null || ids.ContainsKey(o))
                return;
            ids[o] = objects.Count;
            objects.Add((o, path));
            byPath[path] = o;
            pending.Enqueue((o, path));
        }
        vm.Cpu.FlushDecodeCache(); // saved without decoded code, as a MachineSnapshot is
        Visit(vm, "");
        while (pending.TryDequeue(out var item))
        {
            var (o, path) = item;
            switch (KindOf(o))
            {
                case Kind.Array:
                    var array = (Array)o;
                    var element = array.GetType().GetElementType()!;
                    if (element.IsValueType && !HasReferences(element))
                        break;
                    for (int i = 0; i < array.Length; i++)
                        VisitValue(array.GetValue(i), element, $"{path}[{i}]", Visit);
                    break;
                case Kind.Delegate:
                    var singles = ((Delegate)o).GetInvocationList();
                    for (int i = 0; i < singles.Length; i++)
                        Visit(singles[i].Target, $"{path}<{i}>");
                    break;
                case Kind.Object or Kind.Boxed:
                    foreach (var f in Fields(o.GetType()).Where(f => !IsRaw(f.FieldType)))
                        VisitValue(f.GetValue(o), f.FieldType, $"{path}/{f.Name}", Visit);
                    break;
            }
        }
        return new Graph(objects, ids, byPath);
    }

    private static void VisitValue(object? value, Type declared, string path, Action<object?, string> visit)
    {
        if (value is null)
            return;
        if (Nullable.GetUnderlyingType(declared) is { } inner)
            declared = inner;
        if (declared.IsValueType && !declared.IsPrimitive && !declared.IsEnum && !declared.IsPointer)
        {
            if (HasReferences(declared))
            {
                foreach (var f in Fields(declared).Where(f => !IsRaw(f.FieldType)))
                    VisitValue(f.GetValue(value), f.FieldType, $"{path}.{f.Name}", visit);
            }
            return;
        }
        if (!declared.IsValueType)
            visit(value, path);
    }

    private static Kind KindOf(object o) => o switch
    {
        string => Kind.String,
        _ when MachineSnapshot.IsHostSide(o) || o is MemberInfo or Module or Assembly or SafeHandle or Pointer or Thread => Kind.Host,
        Delegate => Kind.Delegate,
        Array => Kind.Array,
        _ when o.GetType().IsValueType => Kind.Boxed,
        _ => Kind.Object,
    };

    private static IEnumerable<FieldInfo> Fields(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var f in t.GetFields(Instance))
                yield return f;
        }
    }

    private static string Signature(Type type) =>
        string.Join(';', Fields(type).Select(f => $"{f.Name}:{f.FieldType.FullName ?? f.FieldType.Name}"
            + (IsPlainStruct(f.FieldType) ? $"/{ElementSize(f.FieldType)}" : "")));

    private static byte[] Fingerprint(IEnumerable<Type> types) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', types.Select(t => $"{t.AssemblyQualifiedName}={Signature(t)}"))));

    private static bool HasReferences(Type type) =>
        (bool)typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!.MakeGenericMethod(type).Invoke(null, null)!;

    private static bool IsRaw(Type type) => type.IsPointer || type == typeof(IntPtr) || type == typeof(UIntPtr) || type.IsFunctionPointer;

    // ---- writing -------------------------------------------------------------------------------------------

    private static void WriteFields(BinaryWriter w, object o, Type type, Dictionary<object, int> ids)
    {
        foreach (var f in Fields(type))
            WriteValue(w, IsRaw(f.FieldType) ? null : f.GetValue(o), f.FieldType, ids);
    }

    private static void WriteValue(BinaryWriter w, object? value, Type declared, Dictionary<object, int> ids)
    {
        if (IsRaw(declared))
            return; // host addresses: the loading machine keeps its own
        if (!declared.IsValueType)
        {
            w.Write(value is null ? -1 : ids[value]);
            return;
        }
        if (Nullable.GetUnderlyingType(declared) is { } inner)
        {
            // A boxed T? is null or a boxed T.
            w.Write(value is not null);
            if (value is not null)
                WriteValue(w, value, inner, ids);
            return;
        }
        if (declared.IsEnum)
            declared = Enum.GetUnderlyingType(declared);
        if (declared.IsPrimitive)
        {
            WritePrimitive(w, value!);
            return;
        }
        if (IsPlainStruct(declared))
        {
            w.Write(StructBytes(value!, declared));
            return;
        }
        foreach (var f in Fields(declared))
            WriteValue(w, IsRaw(f.FieldType) ? null : f.GetValue(value), f.FieldType, ids);
    }

    // A struct field with neither references nor host addresses is saved as its bytes: reflection sees only the
    // first element of an [InlineArray] struct (the CPU's registers were three of them for a while, and a snapshot
    // file then kept EAX alone), and bytes see all of any such struct.
    private static bool IsPlainStruct(Type type) =>
        type.IsValueType && !type.IsPrimitive && !type.IsEnum && !HasReferences(type) && !HasRaw(type);

    private static byte[] StructBytes(object boxed, Type type) =>
        (byte[])typeof(SnapshotFile).GetMethod(nameof(BytesOf), BindingFlags.Static | BindingFlags.NonPublic)!
            .MakeGenericMethod(type).Invoke(null, [boxed])!;

    private static object StructFrom(byte[] bytes, Type type) =>
        typeof(SnapshotFile).GetMethod(nameof(ValueOf), BindingFlags.Static | BindingFlags.NonPublic)!
            .MakeGenericMethod(type).Invoke(null, [bytes])!;

    private static byte[] BytesOf<T>(object boxed) where T : struct
    {
        var value = (T)boxed;
        return MemoryMarshal.AsBytes(new Span<T>(ref value)).ToArray();
    }

    private static object ValueOf<T>(byte[] bytes) where T : struct => MemoryMarshal.Read<T>(bytes);

    private static void WritePrimitive(BinaryWriter w, object value)
    {
        switch (value)
        {
            case bool b: w.Write(b); break;
            case byte b: w.Write(b); break;
            case sbyte b: w.Write(b); break;
            case char c: w.Write((ushort)c); break;
            case short s: w.Write(s); break;
            case ushort s: w.Write(s); break;
            case int i: w.Write(i); break;
            case uint i: w.Write(i); break;
            case long l: w.Write(l); break;
            case ulong l: w.Write(l); break;
            case float f: w.Write(f); break;
            case double d: w.Write(d); break;
            default:
                // an enum boxed as its own type
                WritePrimitive(w, Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteArray(BinaryWriter w, Array array, Dictionary<object, int> ids)
    {
        if (array.Rank != 1)
            throw new SnapshotException($"cannot save a {array.GetType().Name}: only one-dimensional arrays are supported");
        var element = array.GetType().GetElementType()!;
        w.Write(array.Length);
        if (element.IsValueType && !HasReferences(element) && !HasRaw(element))
        {
            w.Write(Bytes(array));
            return;
        }
        for (int i = 0; i < array.Length; i++)
            WriteValue(w, array.GetValue(i), element, ids);
    }

    private static bool HasRaw(Type type) => IsRaw(type) || (type.IsValueType && !type.IsPrimitive && !type.IsEnum && Fields(type).Any(f => HasRaw(f.FieldType)));

    private static Span<byte> Bytes(Array array) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked(array.Length * ElementSize(array.GetType().GetElementType()!)));

    private static int ElementSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    // ---- reading -------------------------------------------------------------------------------------------

    // Values are read now (the file is sequential); references are resolved once every object exists.
    private static Action<Func<int, object?>> ReadFields(BinaryReader r, object target, Type type, bool reused)
    {
        var sets = new List<Action<Func<int, object?>>>();
        foreach (var f in Fields(type))
        {
            if (IsRaw(f.FieldType))
                continue;
            var value = ReadValue(r, f.FieldType);
            var field = f;
            sets.Add(resolve =>
            {
                // A reused object keeps what belongs to the loading host (its streams, its debugger...).
                if (reused && field.GetValue(target) is { } now && (KindOf(now) == Kind.Host))
                    return;
                field.SetValue(target, value(resolve));
            });
        }
        return resolve =>
        {
            foreach (var set in sets)
                set(resolve);
        };
    }

    private static Func<Func<int, object?>, object?> ReadValue(BinaryReader r, Type declared)
    {
        if (!declared.IsValueType)
        {
            int id = r.ReadInt32();
            return resolve => resolve(id);
        }
        if (Nullable.GetUnderlyingType(declared) is { } inner)
            return r.ReadBoolean() ? ReadValue(r, inner) : _ => null;
        var type = declared.IsEnum ? Enum.GetUnderlyingType(declared) : declared;
        if (type.IsPrimitive)
        {
            object primitive = ReadPrimitive(r, type);
            object value = declared.IsEnum ? Enum.ToObject(declared, primitive) : primitive;
            return _ => value;
        }
        if (IsPlainStruct(declared))
        {
            var bytes = new byte[ElementSize(declared)];
            r.BaseStream.ReadExactly(bytes); // a file cut short ends here as it does for any other value
            object plain = StructFrom(bytes, declared);
            return _ => plain;
        }
        var fields = Fields(declared).Where(f => !IsRaw(f.FieldType)).Select(f => (f, ReadValue(r, f.FieldType))).ToList();
        return resolve =>
        {
            object box = RuntimeHelpers.GetUninitializedObject(declared);
            foreach (var (f, value) in fields)
                f.SetValue(box, value(resolve));
            return box;
        };
    }

    private static object ReadPrimitive(BinaryReader r, Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => r.ReadBoolean(),
        TypeCode.Byte => r.ReadByte(),
        TypeCode.SByte => r.ReadSByte(),
        TypeCode.Char => (char)r.ReadUInt16(),
        TypeCode.Int16 => r.ReadInt16(),
        TypeCode.UInt16 => r.ReadUInt16(),
        TypeCode.Int32 => r.ReadInt32(),
        TypeCode.UInt32 => r.ReadUInt32(),
        TypeCode.Int64 => r.ReadInt64(),
        TypeCode.UInt64 => r.ReadUInt64(),
        TypeCode.Single => r.ReadSingle(),
        TypeCode.Double => r.ReadDouble(),
        _ => throw new FormatException($"cannot read a {type.Name}"),
    };

    private static Action<Func<int, object?>> ReadArray(BinaryReader r, Array array)
    {
        var element = array.GetType().GetElementType()!;
        if (element.IsValueType && !HasReferences(element) && !HasRaw(element))
        {
            var bytes = Bytes(array);
            r.BaseStream.ReadExactly(bytes);
            return _ => { };
        }
        var values = new Func<Func<int, object?>, object?>[array.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = ReadValue(r, element);
        return resolve =>
        {
            for (int i = 0; i < values.Length; i++)
                array.SetValue(values[i](resolve), i);
        };
    }
}
