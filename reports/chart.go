package reports

import (
	"bytes"
	"errors"
	"image/color"
	"math"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/hotroso/hotroso/domain"
)

// MaxChartDays is the most days Chart draws.
const MaxChartDays = 366

// Chart size: 600x360 points at 144 dots per inch, 1200x720 pixels, so
// that its words stay readable on a phone.
const (
	chartWidth  = 600
	chartHeight = 360
	chartDPI    = 144
	// ChartPixelsWide and ChartPixelsHigh are the PNG's size.
	ChartPixelsWide = 1200
	ChartPixelsHigh = 720
)

// chartFont is the chart's typeface: Liberation Sans, which gonum/plot
// carries (font/liberation) and which has every Vietnamese letter. The Go
// fonts have not (no ư, ơ, ẫ, ộ).
var chartFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// Chart colors. Bars are filled in exactly these colors.
var (
	colorGrid     = color.RGBA{0xe0, 0xe0, 0xe0, 0xff}
	colorText     = color.RGBA{0x33, 0x33, 0x33, 0xff}
	colorFlow     = color.RGBA{0x2e, 0x86, 0xc1, 0xff} // blue
	colorTicket   = color.RGBA{0xe6, 0x7e, 0x22, 0xff} // orange
	colorInPerson = color.RGBA{0x27, 0xae, 0x60, 0xff} // green
)

// ChartLabels are the chart's words in the reader's language; the caller
// takes them from the locale files.
type ChartLabels struct {
	// Title is drawn above the chart; "" draws none.
	Title string
	// Flow, Ticket and InPerson name the kinds of assists in the legend:
	// "Hướng dẫn", "Câu hỏi", "Trực tiếp".
	Flow, Ticket, InPerson string
}

// Chart draws the assists of each of the last days days (today included,
// counted in in.Location) as a PNG of ChartPixelsWide x ChartPixelsHigh:
// a bar a day, stacked by kind (guided flows at the bottom, questions
// answered on them, in-person help on top, each in-person record counting
// its people), a y axis with whole-number ticks, "dd/mm" under every few
// days (today always) and a legend with labels' words. days must be
// 1..MaxChartDays.
func Chart(in Input, days int, labels ChartLabels) ([]byte, error) {
	if days < 1 || days > MaxChartDays {
		return nil, errors.New("reports: chart days must be 1.." + strconv.Itoa(MaxChartDays))
	}
	first, counts := dailyCounts(in, days)
	p := plot.New()
	styleChart(p, labels.Title)
	highest := 0
	for _, c := range counts {
		highest = max(highest, c.flow+c.ticket+c.inPerson)
	}
	step, top := yScale(highest)
	p.Y.Min, p.Y.Max = 0, float64(top+step) // a step of room for the legend
	p.Y.Tick.Marker = integerTicks(step, top)
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	grid.Horizontal.Color = colorGrid
	p.Add(grid)
	if err := addBars(p, counts, labels); err != nil {
		return nil, err
	}
	p.NominalX(dayNames(first, days)...)
	p.X.Min, p.X.Max = -0.5, float64(days)-0.5
	c := vgimg.NewWith(vgimg.UseWH(chartWidth, chartHeight), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.Crop(draw.New(c), 4, -12, 4, -4)) // a margin all round
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, errors.Join(errors.New("reports: chart not encoded"), err)
	}
	return buf.Bytes(), nil
}

// styleChart sets the chart's title and its fonts, sizes and colors.
func styleChart(p *plot.Plot, title string) {
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(chartFont, 14)
	p.Title.TextStyle.Color = colorText
	p.Title.Padding = 6
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Tick.Label.Font = font.From(chartFont, 10)
		ax.Tick.Label.Color = colorText
		ax.Label.TextStyle.Font = font.From(chartFont, 10)
		ax.LineStyle.Color = colorText
		ax.Tick.LineStyle.Color = colorText
	}
	p.Legend.TextStyle.Font = font.From(chartFont, 11)
	p.Legend.TextStyle.Color = colorText
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = 4
	p.Legend.ThumbnailWidth = 12
	p.Legend.Padding = 3
}

// addBars adds a bar chart of each kind, stacked, and their legend.
func addBars(p *plot.Plot, counts []dayCount, labels ChartLabels) error {
	width := max(1, float64(chartWidth-60)/float64(len(counts))*0.7)
	var below *plotter.BarChart
	for _, kind := range []struct {
		label string
		c     color.RGBA
		value func(dayCount) int
	}{
		{labels.Flow, colorFlow, func(c dayCount) int { return c.flow }},
		{labels.Ticket, colorTicket, func(c dayCount) int { return c.ticket }},
		{labels.InPerson, colorInPerson, func(c dayCount) int { return c.inPerson }},
	} {
		values := make(plotter.Values, len(counts))
		for i, c := range counts {
			values[i] = float64(kind.value(c))
		}
		bars, err := plotter.NewBarChart(values, vg.Length(width))
		if err != nil {
			return errors.Join(errors.New("reports: chart bars"), err)
		}
		bars.Color, bars.LineStyle.Width = kind.c, 0
		if below != nil {
			bars.StackOn(below)
		}
		p.Add(bars)
		p.Legend.Add(kind.label, bars)
		below = bars
	}
	return nil
}

// integerTicks marks 0, step, ... top on the y axis.
func integerTicks(step, top int) plot.ConstantTicks {
	var ticks plot.ConstantTicks
	for v := 0; v <= top; v += step {
		ticks = append(ticks, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
	}
	return ticks
}

// dayNames are the x axis' labels: "dd/mm" under every few days, so that
// they do not run into each other, and always under today.
func dayNames(first time.Time, days int) []string {
	const labelPoints = 34 // a "dd/mm" label and its gap, in points
	slot := float64(chartWidth-60) / float64(days)
	every := max(1, int(math.Ceil(labelPoints/slot)))
	names := make([]string, days)
	for i := range days {
		if (days-1-i)%every == 0 {
			names[i] = first.AddDate(0, 0, i).Format("02/01")
		}
	}
	return names
}

// dayCount is one day's assists by kind.
type dayCount struct{ flow, ticket, inPerson int }

// dailyCounts counts the assists of each of the last days days, the first
// of which it returns too.
func dailyCounts(in Input, days int) (time.Time, []dayCount) {
	loc := location(in.Location)
	first := startOfDay(in.Now.In(loc)).AddDate(0, 0, -(days - 1))
	counts := make([]dayCount, days)
	index := map[[3]int]int{} // y, m, d -> index in counts
	for i := range days {
		y, m, d := first.AddDate(0, 0, i).Date()
		index[[3]int{y, int(m), d}] = i
	}
	for _, day := range in.Days {
		y, m, d := day.Day.In(loc).Date()
		i, ok := index[[3]int{y, int(m), d}]
		if !ok {
			continue
		}
		for k, n := range day.Tally {
			if k.Part != domain.CountDaily {
				continue
			}
			switch k.Kind {
			case domain.AssistFlow:
				counts[i].flow += int(n)
			case domain.AssistTicket:
				counts[i].ticket += int(n)
			case domain.AssistInPerson:
				counts[i].inPerson += int(n) // weighted: the people helped
			}
		}
	}
	return first, counts
}

// yScale picks the y axis for a highest bar of highest: a tick step of
// 1, 2 or 5 times a power of ten giving at most 5 steps, and the axis top,
// a multiple of the step at or above highest, and at least 4 so that a
// quiet period still shows a few grid lines.
func yScale(highest int) (step, top int) {
	for pow := 1; ; pow *= 10 {
		for _, m := range []int{1, 2, 5} {
			if step = m * pow; highest <= 5*step {
				top = max(4, (highest+step-1)/step*step)
				return step, top
			}
		}
	}
}
