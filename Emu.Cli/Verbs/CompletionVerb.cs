using System.Reflection;
using System.Text;
using CommandLine;

namespace Emu.Cli.Verbs;

[Verb("completion", HelpText = "Print a shell completion script for emu's commands and options: 'emu completion bash' or 'emu completion zsh'.")]
public sealed class CompletionOptions
{
    [Value(0, MetaName = "SHELL", Required = true, HelpText = "bash or zsh.")]
    public string Shell { get; set; } = "";
}

/// <summary>
/// `emu completion bash|zsh`: a script completing the commands, each command's options and file names,
/// made from the same option declarations the parser reads, so it never lists an option emu does not have.
/// zsh runs the bash script through its bashcompinit.
/// </summary>
public static class CompletionVerb
{
    public static int Run(CompletionOptions o, IReadOnlyList<Type> verbs, TextWriter output)
    {
        string shell = o.Shell.ToLowerInvariant();
        if (shell is not ("bash" or "zsh"))
            throw new UserError($"completion: '{o.Shell}' is not bash or zsh", ExitCodes.Usage);
        if (shell == "zsh")
            output.WriteLine("autoload -U +X bashcompinit && bashcompinit");
        output.Write(BashScript(verbs));
        return ExitCodes.Success;
    }

    private static string BashScript(IReadOnlyList<Type> verbs)
    {
        var names = verbs.Select(v => v.GetCustomAttribute<VerbAttribute>()!.Name).ToList();
        var script = new StringBuilder();
        script.Append("# emu shell completion: source <(emu completion bash)\n");
        script.Append("_emu() {\n");
        script.Append("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" options=\"\"\n");
        script.Append("    if [ \"$COMP_CWORD\" -eq 1 ]; then\n");
        script.Append($"        COMPREPLY=($(compgen -W \"{string.Join(' ', names)} help --help --version\" -- \"$cur\"))\n");
        script.Append("        return\n    fi\n");
        script.Append("    case \"${COMP_WORDS[1]}\" in\n");
        foreach (var verb in verbs)
        {
            var options = Options(verb).Append("--help");
            script.Append($"        {verb.GetCustomAttribute<VerbAttribute>()!.Name}) options=\"{string.Join(' ', options)}\" ;;\n");
        }
        script.Append($"        help) COMPREPLY=($(compgen -W \"{string.Join(' ', names)}\" -- \"$cur\")); return ;;\n");
        script.Append("    esac\n");
        script.Append("    if [[ \"$cur\" == -* ]]; then\n");
        script.Append("        COMPREPLY=($(compgen -W \"$options\" -- \"$cur\"))\n");
        script.Append("    else\n");
        script.Append("        COMPREPLY=($(compgen -f -- \"$cur\"))\n");
        script.Append("    fi\n");
        script.Append("}\n");
        script.Append("complete -o filenames -F _emu emu\n");
        return script.ToString();
    }

    // Every --long option of a verb's options class, its base classes' included.
    private static IEnumerable<string> Options(Type verb) =>
        verb.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<OptionAttribute>()?.LongName)
            .Where(name => !string.IsNullOrEmpty(name))
            .Select(name => "--" + name)
            .Distinct()
            .Order(StringComparer.Ordinal);
}
