package reports

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// MaxChartDays is the most days Chart draws.
const MaxChartDays = 366

// Chart geometry, in pixels.
const (
	chartW, chartH = 800, 400
	marginLeft     = 56
	marginRight    = 20
	marginTop      = 44
	marginBottom   = 36
	textScale      = 2
	legendBox      = 14 // side of a legend's colored square
)

// Chart colors. Bars are drawn in exactly these colors, without blending.
var (
	colorBackground = color.RGBA{0xff, 0xff, 0xff, 0xff}
	colorGrid       = color.RGBA{0xe6, 0xe6, 0xe6, 0xff}
	colorAxis       = color.RGBA{0x66, 0x66, 0x66, 0xff}
	colorText       = color.RGBA{0x33, 0x33, 0x33, 0xff}
	colorFlow       = color.RGBA{0x2e, 0x86, 0xc1, 0xff} // blue
	colorTicket     = color.RGBA{0xe6, 0x7e, 0x22, 0xff} // orange
)

// Chart draws the assists of each of the last days days (today included,
// counted in in.Location) as a PNG bar chart of about 800x400 pixels:
// one bar a day, flow assists at the bottom and ticket assists stacked on
// top, a y axis with integer ticks, "dd/mm" labels every few days and a
// legend "flow"/"ticket". Only digits and ASCII are drawn; a caption
// should explain the chart. days must be 1..MaxChartDays.
func Chart(in Input, days int) ([]byte, error) {
	if days < 1 || days > MaxChartDays {
		return nil, errors.New("reports: chart days must be 1.." + strconv.Itoa(MaxChartDays))
	}
	first, counts := dailyCounts(in, days)
	highest := 0
	for _, c := range counts {
		highest = max(highest, c.flow+c.ticket)
	}
	p := newPlot(highest)
	p.grid()
	p.bars(first, counts)
	p.axes()
	p.legend()
	var buf bytes.Buffer
	if err := png.Encode(&buf, p.img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// dayCount is one day's assists by kind.
type dayCount struct{ flow, ticket int }

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
			}
		}
	}
	return first, counts
}

// plot is the chart being drawn: the image, the plot area (x0..x1 across,
// y0 at the top, y1 the zero line) and the y axis.
type plot struct {
	img            *image.RGBA
	x0, x1, y0, y1 int
	step, top      int
}

func newPlot(highest int) *plot {
	step, top := yScale(highest)
	p := &plot{img: image.NewRGBA(image.Rect(0, 0, chartW, chartH)), x0: marginLeft, x1: chartW - marginRight,
		y0: marginTop, y1: chartH - marginBottom, step: step, top: top}
	fill(p.img, p.img.Bounds(), colorBackground)
	return p
}

// yOf is the pixel row of value v.
func (p *plot) yOf(v int) int { return p.y1 - (v*(p.y1-p.y0)+p.top/2)/p.top }

// grid draws the grid lines and the y ticks with their labels.
func (p *plot) grid() {
	for v := 0; v <= p.top; v += p.step {
		y := p.yOf(v)
		if v > 0 {
			fill(p.img, image.Rect(p.x0, y, p.x1, y+1), colorGrid)
		}
		fill(p.img, image.Rect(p.x0-4, y, p.x0, y+1), colorAxis)
		label := strconv.Itoa(v)
		drawText(p.img, p.x0-8-textWidth(label, textScale), y-glyphH*textScale/2, label, textScale, colorText)
	}
}

// bars draws a stacked bar a day, and a "dd/mm" label every few days
// (today's always).
func (p *plot) bars(first time.Time, counts []dayCount) {
	days := len(counts)
	slot := float64(p.x1-p.x0) / float64(days)
	barW := max(1, int(slot*0.7))
	labelEvery := 1
	for float64(labelEvery)*slot < float64(textWidth("00/00", textScale)+12) {
		labelEvery++
	}
	for i, c := range counts {
		center := p.x0 + int(slot*(float64(i)+0.5))
		p.bar(center-barW/2, barW, c)
		if (days-1-i)%labelEvery == 0 {
			label := first.AddDate(0, 0, i).Format("02/01")
			w := textWidth(label, textScale)
			x := min(max(center-w/2, 0), chartW-w)
			fill(p.img, image.Rect(center, p.y1, center+1, p.y1+4), colorAxis)
			drawText(p.img, x, p.y1+8, label, textScale, colorText)
		}
	}
}

// bar draws one day's bar: flows at the bottom, tickets on top. A nonzero
// part is at least a pixel high, however tall the axis.
func (p *plot) bar(left, width int, c dayCount) {
	bar := image.Rect(left, 0, left+width, 0)
	flowTop := p.y1
	if c.flow > 0 {
		flowTop = min(p.yOf(c.flow), p.y1-1)
		bar.Min.Y, bar.Max.Y = flowTop, p.y1
		fill(p.img, bar, colorFlow)
	}
	if c.ticket > 0 {
		bar.Min.Y, bar.Max.Y = min(p.yOf(c.flow+c.ticket), flowTop-1), flowTop
		fill(p.img, bar, colorTicket)
	}
}

// axes draws the axes, over the bars' feet.
func (p *plot) axes() {
	fill(p.img, image.Rect(p.x0, p.y0, p.x0+1, p.y1+1), colorAxis)
	fill(p.img, image.Rect(p.x0, p.y1, p.x1, p.y1+1), colorAxis)
}

// legend draws the legend at the top right.
func (p *plot) legend() {
	x := p.x1
	for _, item := range []struct {
		label string
		c     color.RGBA
	}{{"ticket", colorTicket}, {"flow", colorFlow}} {
		x -= textWidth(item.label, textScale)
		drawText(p.img, x, 14, item.label, textScale, colorText)
		x -= 6 + legendBox
		fill(p.img, image.Rect(x, 14, x+legendBox, 14+legendBox), item.c)
		x -= 20
	}
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

// fill paints r (clipped to the image) with c.
func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}
