# script-lib.sh: what the tools/*.sh scripts that run a Release emu share (sourced, not run). Needs $root (the
# repository) and $script (the script's name, for messages).

# need TOOL...: ends the script with one line when a tool it uses is not installed.
need() {
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "$script: $tool is not installed" >&2; exit 1; }
    done
}

# release_emu: sets $EMU to emu as the README has users run it, published (self-contained, trimmed, precompiled;
# published first, a few seconds when nothing changed) unless the caller gave one.
release_emu() {
    if [ -z "${EMU:-}" ]; then
        dotnet publish "$root/Emu.Cli" -o "$root/Emu.Cli/bin/Release/published" >/dev/null
        EMU="$root/Emu.Cli/bin/Release/published/emu"
    fi
}
