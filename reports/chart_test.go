package reports

import (
	"bytes"
	"image"
	"image/color"
	_ "image/png" // image.Decode must know PNG by itself
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
)

func decode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if format != "png" {
		t.Fatalf("format %q, want png", format)
	}
	if b := img.Bounds(); b.Dx() != 800 || b.Dy() != 400 {
		t.Fatalf("size %v, want 800x400", b)
	}
	return img
}

func same(a color.Color, b color.RGBA) bool {
	r, g, bl, al := a.RGBA()
	r2, g2, b2, a2 := b.RGBA()
	return r == r2 && g == g2 && bl == b2 && al == a2
}

// pixels counts the pixels of each color in the image.
func pixels(img image.Image, colors ...color.RGBA) []int {
	n := make([]int, len(colors))
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			for i, c := range colors {
				if same(img.At(x, y), c) {
					n[i]++
				}
			}
		}
	}
	return n
}

const legendArea = legendBox * legendBox

func TestChartBothKinds(t *testing.T) {
	in := seeded(t)
	data, err := Chart(in.input(), 30)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, data)
	n := pixels(img, colorFlow, colorTicket, colorBackground, colorGrid)
	if n[0] <= legendArea || n[1] <= legendArea {
		t.Errorf("flow %d, ticket %d pixels: bars missing (legend alone is %d)", n[0], n[1], legendArea)
	}
	if n[2] < 800*400/2 {
		t.Errorf("only %d white pixels", n[2])
	}
	if n[3] == 0 {
		t.Error("no grid lines")
	}
	if !same(img.At(0, 0), colorBackground) || !same(img.At(799, 399), colorBackground) {
		t.Error("corners are not white")
	}

	// Today's bar (the last slot) holds 1 flow under 2 tickets.
	slot := float64(chartW-marginRight-marginLeft) / 30
	x := marginLeft + int(slot*29.5)
	flowTop, ticketTop, ticketBottom := -1, -1, -1
	for y := chartH - 1; y >= 0; y-- {
		switch c := img.At(x, y); {
		case same(c, colorFlow):
			flowTop = y
		case same(c, colorTicket):
			if ticketBottom < 0 {
				ticketBottom = y
			}
			ticketTop = y
		}
	}
	if flowTop < 0 || ticketTop < 0 || ticketBottom >= flowTop {
		t.Fatalf("today's bar: flow from %d, tickets %d..%d: not stacked", flowTop, ticketTop, ticketBottom)
	}
	flowH, ticketH := chartH-marginBottom-flowTop, ticketBottom-ticketTop+1
	if ticketH < 2*flowH-2 || ticketH > 2*flowH+2 {
		t.Errorf("today's bar: flow %d px, tickets %d px, want twice as high", flowH, ticketH)
	}
}

func TestChartOneKind(t *testing.T) {
	loc := hcm(t)
	now := at(loc, 3, 11, 15, 0)
	in := logInput{Now: now, Location: loc, Assists: []domain.Assist{
		flow(now, ""), flow(now.Add(-24*time.Hour), ""),
		ticket(now.AddDate(0, 0, -40), "", minute, minute, 1, 0, ""), // before the chart
	}}
	data, err := Chart(in.input(), 30)
	if err != nil {
		t.Fatal(err)
	}
	n := pixels(decode(t, data), colorFlow, colorTicket)
	if n[0] <= legendArea || n[1] != legendArea {
		t.Errorf("flow %d, ticket %d pixels; want bars of flows only (legend %d)", n[0], n[1], legendArea)
	}
}

func TestChartEmptyAndLimits(t *testing.T) {
	in := logInput{Now: time.Now()}
	for _, days := range []int{1, 7, 90, MaxChartDays} {
		data, err := Chart(in.input(), days)
		if err != nil {
			t.Fatalf("%d days: %v", days, err)
		}
		if n := pixels(decode(t, data), colorFlow, colorTicket); n[0] != legendArea || n[1] != legendArea {
			t.Errorf("%d days without assists: %v colored pixels", days, n)
		}
	}
	for _, days := range []int{0, -1, MaxChartDays + 1} {
		if _, err := Chart(in.input(), days); err == nil {
			t.Errorf("%d days: no error", days)
		}
	}
}

func TestYScale(t *testing.T) {
	for _, c := range []struct{ highest, step, top int }{
		{0, 1, 4}, {1, 1, 4}, {3, 1, 4}, {4, 1, 4}, {5, 1, 5}, {6, 2, 6}, {7, 2, 8}, {11, 5, 15},
		{26, 10, 30}, {99, 20, 100}, {240, 50, 250}, {1234, 500, 1500},
	} {
		step, top := yScale(c.highest)
		if step != c.step || top != c.top {
			t.Errorf("yScale(%d) = %d, %d; want %d, %d", c.highest, step, top, c.step, c.top)
		}
	}
}

func TestFontCoversChart(t *testing.T) {
	for _, r := range "0123456789/flowticket" {
		g, ok := glyphs[r]
		if !ok {
			t.Errorf("no glyph for %q", r)
		}
		for _, row := range g {
			if len(row) != glyphW {
				t.Errorf("glyph %q has a row of %d", r, len(row))
			}
		}
	}
}
