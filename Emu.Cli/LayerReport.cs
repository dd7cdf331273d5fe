using System.Text;
using System.Text.Json;
using Emu.Hypervisor.Statistics;

namespace Emu.Cli;

/// <summary>
/// The page of `emu report`: one self-contained HTML file (inline CSS, SVG drawn by inline script from the
/// run's figures embedded as JSON; nothing fetched) showing the seed's picture for FREAD.COM on each driver:
/// application, system call, filesystem, block layer, driver (and firmware) in the guest, the VM exit, then
/// the VMM, device emulation and host IO, each with its instructions, exits and host time; and the whole
/// layer table of each run side by side.
/// </summary>
internal static class LayerReport
{
    /// <summary>One driver's run: FREAD's output line, the layer rows (<see cref="GuestLayers.Rows"/>), the run's host time.</summary>
    public sealed record DriverRun(string Driver, string FreadLine, IReadOnlyList<LayerRow> Rows, long TotalTicks)
    {
        /// <summary>The steps of FREAD's data request, from a traced run of the same driver.</summary>
        public IReadOnlyList<RequestTimeline.Step> Timeline { get; init; } = [];
    }

    public sealed record Page(string File, int Cores, DateTime Date, int Runs, IReadOnlyList<DriverRun> Drivers);

    /// <summary>Runs of one driver as one: instructions and exits are the same in every run (the run is
    /// deterministic), host times the median of each row (<see cref="Emu.Tooling.Bench.Median"/>: with an even --runs, the mean of
    /// the two middle runs).</summary>
    public static DriverRun Median(IReadOnlyList<DriverRun> runs)
    {
        var first = runs[0];
        var rows = first.Rows.Select(r => r with
        {
            HostTicks = Emu.Tooling.Bench.Median.Of(runs.Select(run => run.Rows.FirstOrDefault(x => x.Name == r.Name && x.Kind == r.Kind)?.HostTicks ?? 0)),
        }).ToList();
        return first with { Rows = rows, TotalTicks = Emu.Tooling.Bench.Median.Of(runs.Select(r => r.TotalTicks)) };
    }

    public static string Html(Page page)
    {
        var data = new
        {
            file = page.File,
            cores = page.Cores,
            date = page.Date.ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture),
            runs = page.Runs,
            drivers = page.Drivers.Select(d => new
            {
                driver = d.Driver,
                fread = d.FreadLine,
                totalMs = d.TotalTicks * 1000.0 / System.Diagnostics.Stopwatch.Frequency,
                rows = d.Rows.Select(r => new
                {
                    name = r.Name,
                    label = r.Label,
                    depth = r.Depth,
                    kind = r.Kind.ToString().ToLowerInvariant(),
                    instructions = r.Instructions,
                    exits = r.Exits,
                    hostMs = Math.Round(r.HostMs, 3),
                }),
                timeline = d.Timeline.Select(s => new { t = s.Instructions, depth = s.Depth, what = s.What, count = s.Count, hostUs = Math.Round(s.HostNs / 1000.0, 1) }),
            }),
        };
        // System.Text.Json escapes '<', '>' and '&', so the data cannot end the script element it sits in.
        string json = JsonSerializer.Serialize(data);
        var html = new StringBuilder();
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Emu: the seed's fread, layer by layer</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; margin: 0 0 4px; }
            .sub { color: #555; margin-bottom: 16px; }
            #picture { display: flex; gap: 16px; flex-wrap: wrap; }
            .driver { border: 1px solid #ccc; border-radius: 6px; padding: 8px; }
            .driver h2 { font-size: 15px; margin: 0 0 6px; }
            .fread { font: 12px monospace; color: #555; margin-bottom: 6px; }
            svg text { font: 11px system-ui, sans-serif; }
            table { border-collapse: collapse; margin-top: 24px; }
            th, td { border: 1px solid #ddd; padding: 2px 8px; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.host td { background: #f5f0ff; }
            tr.marks td { color: #777; }
            .note { color: #555; max-width: 70em; }
            </style>
            </head>
            <body>
            <h1>fread(fd, 100&#215;512, buf); copy(buf, dest): from the application down to the disk</h1>
            <div class="sub" id="sub"></div>
            <div id="picture"></div>
            <p class="note">Guest boxes are FREAD.COM's own layers (the rows under <i>application</i>): its code,
            its INT 21h calls, the filesystem, the block layer, the driver and the firmware it calls. A VM exit leaves
            the guest; below the line the host's time for the whole run: the VMM dispatching exits, the device models
            (and the firmware's services), the host IO on the image. Instructions and exits are exact and the same on
            every run; host time is the median of the measured runs.</p>
            <table id="layers"></table>
            <h2>The timeline of one request</h2>
            <p class="note">FREAD's data request on each driver, step by step, from a separate traced run (tracing slows
            the host, so these host times are not the medians above): the layers entered and left, every VM exit with
            the device register it reached, what the device model and the host backend did, the interrupt. Consecutive
            identical steps are one row with their count (a PIO sector is 256 data-word exits).</p>
            <div id="timelines"></div>
            <script type="application/json" id="data">
            """);
        html.Append(json);
        html.Append("""
            </script>
            <script>
            "use strict";
            const data = JSON.parse(document.getElementById("data").textContent);
            const fmt = n => n.toLocaleString("en-US");
            const ms = n => n.toFixed(3);
            const APP = "application";
            const guestPath = ["application", "system call", "filesystem", "block layer", "driver", "firmware"];
            const hostRows = [["vmm", "VMM (exit dispatch)"], ["device", "device emulation"], ["host io", "host IO (pread/pwrite/fsync)"]];
            document.getElementById("sub").textContent =
              `FREAD.COM ${data.file} through the Emu OS, each driver on its own machine; ${data.runs} measured run(s) per driver, ` +
              `${data.cores} host cores, ${data.date}.`;
            const svgNs = "http://www.w3.org/2000/svg";
            function el(name, attrs, text) {
              const e = document.createElementNS(svgNs, name);
              for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
              if (text !== undefined) e.textContent = text;
              return e;
            }
            const picture = document.getElementById("picture");
            for (const d of data.drivers) {
              const byName = new Map(d.rows.map(r => [r.name, r]));
              const boxes = [];
              for (let i = 1; i <= guestPath.length; i++) {
                const r = byName.get(guestPath.slice(0, i).join("/"));
                if (r) boxes.push({ row: r, guest: true });
              }
              boxes.push({ exitLine: true });
              for (const [name, label] of hostRows) {
                const r = d.rows.find(x => x.kind === "host" && x.name === name);
                if (r) boxes.push({ row: r, guest: false, label });
              }
              boxes.push({ disk: true });
              const div = document.createElement("div");
              div.className = "driver";
              div.dataset.driver = d.driver;
              const h = document.createElement("h2");
              h.textContent = d.driver;
              div.appendChild(h);
              const f = document.createElement("div");
              f.className = "fread";
              f.textContent = d.fread;
              div.appendChild(f);
              const width = 250, boxH = 40, gap = 8;
              const svg = el("svg", { width, height: boxes.length * (boxH + gap) });
              boxes.forEach((b, i) => {
                const y = i * (boxH + gap);
                if (b.exitLine) {
                  svg.appendChild(el("line", { x1: 0, y1: y + boxH / 2, x2: width, y2: y + boxH / 2, stroke: "#c00", "stroke-dasharray": "4 3" }));
                  const exits = d.rows.filter(r => r.name.startsWith(APP + "/")).reduce((s, r) => s + r.exits, 0) + (byName.get(APP)?.exits ?? 0);
                  svg.appendChild(el("text", { x: 4, y: y + boxH / 2 - 4, fill: "#c00" }, `vm_exit: ${fmt(exits)} exits from FREAD's layers`));
                  return;
                }
                if (b.disk) {
                  svg.appendChild(el("rect", { x: 20, y, width: width - 40, height: boxH, rx: 14, fill: "#eee", stroke: "#888" }));
                  svg.appendChild(el("text", { x: width / 2, y: y + 24, "text-anchor": "middle" }, "disk image (host file)"));
                  return;
                }
                const r = b.row;
                const g = el("g", { "data-layer": r.name, "data-kind": r.kind });
                g.appendChild(el("rect", { x: 0, y, width, height: boxH, rx: 4, fill: b.guest ? "#e6f0ff" : "#f0e6ff", stroke: "#889" }));
                g.appendChild(el("text", { x: 6, y: y + 15 }, (b.guest ? "  ".repeat(0) : "") + (b.label ?? r.label)));
                const figures = b.guest ? `${fmt(r.instructions)} instr · ${fmt(r.exits)} exits · ${ms(r.hostMs)} ms` : `${ms(r.hostMs)} ms (whole run)`;
                g.appendChild(el("text", { x: 6, y: y + 32, fill: "#333" }, figures));
                svg.appendChild(g);
              });
              div.appendChild(svg);
              picture.appendChild(div);
            }
            // The whole table: every row of every run, the drivers side by side.
            const table = document.getElementById("layers");
            const names = [];
            for (const d of data.drivers) for (const r of d.rows) if (!names.some(n => n.name === r.name && n.kind === r.kind)) names.push(r);
            const head = table.insertRow();
            head.appendChild(Object.assign(document.createElement("th"), { textContent: "layer (innermost)" }));
            for (const d of data.drivers)
              for (const m of ["instructions", "exits", "host ms"])
                head.appendChild(Object.assign(document.createElement("th"), { textContent: `${d.driver} ${m}` }));
            for (const n of names) {
              const tr = table.insertRow();
              tr.className = n.kind;
              tr.dataset.row = n.name;
              const label = tr.insertCell();
              label.textContent = "\u00a0\u00a0".repeat(n.depth) + n.label;
              for (const d of data.drivers) {
                const r = d.rows.find(x => x.name === n.name && x.kind === n.kind);
                for (const [metric, value] of [["instructions", r && n.kind === "guest" ? fmt(r.instructions) : ""],
                                               ["exits", r && n.kind !== "host" ? fmt(r.exits) : ""],
                                               ["host-ms", r ? ms(r.hostMs) : ""]]) {
                  const td = tr.insertCell();
                  td.className = "num";
                  td.setAttribute("data-driver", d.driver);
                  td.setAttribute("data-row", n.name);
                  td.setAttribute("data-metric", metric);
                  td.textContent = value;
                }
              }
            }
            const timelines = document.getElementById("timelines");
            for (const d of data.drivers) {
              const t = document.createElement("table");
              t.className = "timeline";
              t.dataset.driver = d.driver;
              const cap = t.createCaption();
              cap.textContent = `${d.driver}: ${d.timeline.length} steps`;
              const th = t.insertRow();
              for (const c of ["instructions since the driver was entered", "step", "times", "host µs"])
                th.appendChild(Object.assign(document.createElement("th"), { textContent: c }));
              for (const s of d.timeline) {
                const tr = t.insertRow();
                tr.className = "step";
                const a = tr.insertCell(); a.className = "num"; a.textContent = "+" + fmt(s.t);
                tr.insertCell().textContent = "\u00a0\u00a0".repeat(s.depth) + s.what;
                const n = tr.insertCell(); n.className = "num"; n.textContent = s.count > 1 ? "×" + fmt(s.count) : "";
                const u = tr.insertCell(); u.className = "num"; u.textContent = s.hostUs ? s.hostUs.toFixed(1) : "";
              }
              timelines.appendChild(t);
            }
            const total = table.insertRow();
            total.insertCell().textContent = "total";
            for (const d of data.drivers) {
              for (const [metric, value] of [["instructions", fmt(d.rows.reduce((s, r) => s + r.instructions, 0))],
                                             ["exits", fmt(d.rows.reduce((s, r) => s + r.exits, 0))],
                                             ["host-ms", ms(d.totalMs)]]) {
                const td = total.insertCell();
                td.className = "num";
                td.setAttribute("data-driver", d.driver);
                td.setAttribute("data-row", "total");
                td.setAttribute("data-metric", metric);
                td.textContent = value;
              }
            }
            </script>
            </body>
            </html>

            """);
        return html.ToString();
    }
}
