package reports

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"strconv"

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
	loc := location(in.Location)
	first := startOfDay(in.Now.In(loc)).AddDate(0, 0, -(days - 1))
	type day struct{ flow, ticket int }
	counts := make([]day, days)
	index := map[[3]int]int{} // y, m, d -> index in counts
	for i := range days {
		y, m, d := first.AddDate(0, 0, i).Date()
		index[[3]int{y, int(m), d}] = i
	}
	for _, a := range in.Assists {
		y, m, d := a.At.In(loc).Date()
		i, ok := index[[3]int{y, int(m), d}]
		if !ok {
			continue
		}
		switch a.Kind {
		case domain.AssistFlow:
			counts[i].flow++
		case domain.AssistTicket:
			counts[i].ticket++
		}
	}
	highest := 0
	for _, c := range counts {
		highest = max(highest, c.flow+c.ticket)
	}
	step, top := yScale(highest)

	img := image.NewRGBA(image.Rect(0, 0, chartW, chartH))
	fill(img, img.Bounds(), colorBackground)
	x0, x1 := marginLeft, chartW-marginRight
	y0, y1 := marginTop, chartH-marginBottom // plot top and bottom (the zero line)
	plotH := y1 - y0
	yOf := func(v int) int { return y1 - (v*plotH+top/2)/top }

	// Grid and y ticks.
	for v := 0; v <= top; v += step {
		y := yOf(v)
		if v > 0 {
			fill(img, image.Rect(x0, y, x1, y+1), colorGrid)
		}
		fill(img, image.Rect(x0-4, y, x0, y+1), colorAxis)
		label := strconv.Itoa(v)
		drawText(img, x0-8-textWidth(label, textScale), y-glyphH*textScale/2, label, textScale, colorText)
	}

	// Bars and day labels.
	slot := float64(x1-x0) / float64(days)
	barW := max(1, int(slot*0.7))
	labelEvery := 1
	for float64(labelEvery)*slot < float64(textWidth("00/00", textScale)+12) {
		labelEvery++
	}
	for i, c := range counts {
		center := x0 + int(slot*(float64(i)+0.5))
		left := center - barW/2
		bar := image.Rect(left, 0, left+barW, 0)
		// A nonzero part is at least a pixel high, however tall the axis.
		flowTop := y1
		if c.flow > 0 {
			flowTop = min(yOf(c.flow), y1-1)
			bar.Min.Y, bar.Max.Y = flowTop, y1
			fill(img, bar, colorFlow)
		}
		if c.ticket > 0 {
			bar.Min.Y, bar.Max.Y = min(yOf(c.flow+c.ticket), flowTop-1), flowTop
			fill(img, bar, colorTicket)
		}
		if (days-1-i)%labelEvery == 0 { // today always has its label
			label := first.AddDate(0, 0, i).Format("02/01")
			w := textWidth(label, textScale)
			x := min(max(center-w/2, 0), chartW-w)
			fill(img, image.Rect(center, y1, center+1, y1+4), colorAxis)
			drawText(img, x, y1+8, label, textScale, colorText)
		}
	}

	// Axes, over the bars' feet.
	fill(img, image.Rect(x0, y0, x0+1, y1+1), colorAxis)
	fill(img, image.Rect(x0, y1, x1, y1+1), colorAxis)

	// Legend, top right.
	x := x1
	for _, item := range []struct {
		label string
		c     color.RGBA
	}{{"ticket", colorTicket}, {"flow", colorFlow}} {
		x -= textWidth(item.label, textScale)
		drawText(img, x, 14, item.label, textScale, colorText)
		x -= 6 + legendBox
		fill(img, image.Rect(x, 14, x+legendBox, 14+legendBox), item.c)
		x -= 20
	}

	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
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
