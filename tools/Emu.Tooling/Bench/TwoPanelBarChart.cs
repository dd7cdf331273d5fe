using System.Globalization;
using System.Text;

namespace Emu.Tooling.Bench;

/// <summary>
/// The benches' chart (<c>--chart</c>): an SVG of two panels of horizontal bars side by side, a title, a heading over
/// each panel, then groups of rows, each row a label and one bar in each panel with its value written after it.
/// </summary>
internal sealed class TwoPanelBarChart
{
    public const int BarHeight = 16;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private readonly StringBuilder _svg = new();
    private readonly int _labelWidth, _rightPanelX;

    public TwoPanelBarChart(int width, int height, int labelWidth, int plotWidth, int panelGap, string title, string leftHeading, string rightHeading)
    {
        _labelWidth = labelWidth;
        _rightPanelX = labelWidth + plotWidth + panelGap;
        _svg.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        _svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        _svg.Append(Inv, $"<text x=\"10\" y=\"20\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        _svg.Append(Inv, $"<text x=\"{_labelWidth}\" y=\"40\">{Escape(leftHeading)}</text>\n");
        _svg.Append(Inv, $"<text x=\"{_rightPanelX}\" y=\"40\">{Escape(rightHeading)}</text>\n");
    }

    /// <summary>A group's name, in bold, at the top of its rows starting at <paramref name="y"/>.</summary>
    public void Group(int y, string name) => _svg.Append(Inv, $"<text x=\"10\" y=\"{y + 12}\" font-weight=\"bold\">{Escape(name)}</text>\n");

    /// <summary>A row at <paramref name="y"/>: its label at <paramref name="labelX"/>, a bar of each width in
    /// <paramref name="colour"/>, each followed by its value.</summary>
    public void Row(int y, int labelX, string label, string colour, double leftWidth, string leftValue, double rightWidth, string rightValue)
    {
        _svg.Append(Inv, $"<text x=\"{labelX}\" y=\"{y + BarHeight - 4}\">{Escape(label)}</text>\n");
        Bar(_labelWidth, y, leftWidth, colour, leftValue);
        Bar(_rightPanelX, y, rightWidth, colour, rightValue);
    }

    private void Bar(int x, int y, double width, string colour, string value)
    {
        _svg.Append(Inv, $"<rect x=\"{x}\" y=\"{y}\" width=\"{width:0.0}\" height=\"{BarHeight}\" fill=\"{colour}\"/>\n");
        _svg.Append(Inv, $"<text x=\"{x + width + 4:0.0}\" y=\"{y + BarHeight - 4}\">{value}</text>\n");
    }

    public override string ToString() => _svg + "</svg>\n";

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
