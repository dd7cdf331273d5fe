# compare-lib.sh: what tools/compare-qemu.sh and tools/compare-ata-qemu.sh share (sourced, not run).
# Both run one guest on Emu and on QEMU with its debug console (port E9h) in a file under $work.

# The emu command: `dotnet run` of the Release build, or $EMU (e.g. EMU="dotnet Emu.Cli/bin/Release/net10.0/emu.dll").
emu=(dotnet run --project "$root/Emu.Cli" -c Release --)
[ -n "${EMU:-}" ] && read -r -a emu <<<"$EMU"

# show_outputs: the two debug-console outputs ($work/emu.txt, $work/qemu.txt) side by side, the exit
# statuses ($emu_status, $qemu_status) and what Emu said on stderr ($work/emu-stderr.txt). Sets $same to
# 0 when the outputs are identical.
show_outputs() {
    printf '%-60s | %s\n' "Emu (debug console)" "QEMU (debug console)"
    diff --side-by-side --width=125 "$work/emu.txt" "$work/qemu.txt"
    same=$?
    echo
    echo "exit status: emu $emu_status, qemu $qemu_status (124 = timed out)"
    [ -s "$work/emu-stderr.txt" ] && sed 's/^/emu: /' "$work/emu-stderr.txt" | sed 's/^emu: emu:/emu:/'
    return 0
}

# verdict: says whether the run compared equal and exits with $same.
verdict() {
    if [ "$same" -eq 0 ]; then echo "outputs are identical"; else echo "outputs differ"; fi
    exit "$same"
}
