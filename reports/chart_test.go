package reports

import (
	"bytes"
	"image"
	"image/color"
	_ "image/png" // image.Decode must know PNG by itself
	"testing"
	"time"

	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot/font"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/locales"
)

// The chart's words as the desk passes them (locales chart.*).
var (
	labelsVI = ChartLabels{Title: "Lượt hỗ trợ mỗi ngày", Flow: "Hướng dẫn", Ticket: "Câu hỏi", InPerson: "Trực tiếp"}
	labelsEN = ChartLabels{Title: "Assists per day", Flow: "Guided", Ticket: "Questions", InPerson: "In person"}
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
	if b := img.Bounds(); b.Dx() != ChartPixelsWide || b.Dy() != ChartPixelsHigh {
		t.Fatalf("size %v, want %dx%d", b, ChartPixelsWide, ChartPixelsHigh)
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

// render draws the chart and decodes it.
func render(t *testing.T, in Input, days int, labels ChartLabels) image.Image {
	t.Helper()
	data, err := Chart(in, days, labels)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, data)
}

var kindColors = []color.RGBA{colorFlow, colorTicket, colorInPerson}

// withInPerson is the seeded log with 3 people helped in person today,
// as the counters count it.
func withInPerson(t *testing.T) Input {
	in := seeded(t)
	in.Assists = append(in.Assists, domain.Assist{At: in.Now.Add(-time.Hour), Kind: domain.AssistInPerson, People: 3, Topic: domain.TopicVNeIDAccount})
	return in.input()
}

func TestChartStacksTheKindsOfEachDay(t *testing.T) {
	in := withInPerson(t)
	img := render(t, in, 30, labelsVI)
	legendOnly := pixels(render(t, Input{Now: in.Now, Location: in.Location}, 30, labelsVI), kindColors...)
	n := pixels(img, kindColors...)
	for i, c := range []string{"flow", "ticket", "in person"} {
		if legendOnly[i] == 0 {
			t.Errorf("%s: no legend thumbnail", c)
		}
		if n[i] <= legendOnly[i] {
			t.Errorf("%s: %d pixels, no more than the legend's %d: bars missing", c, n[i], legendOnly[i])
		}
	}
	if !same(img.At(0, 0), color.RGBA{0xff, 0xff, 0xff, 0xff}) {
		t.Error("the background is not white")
	}

	// Today's bar, the rightmost column holding all three colors: 1 flow
	// at the bottom, 2 questions on it, 3 people helped in person on top.
	b := img.Bounds()
	for x := b.Max.X - 1; x > b.Max.X/2; x-- {
		top, bottom := [3]int{b.Max.Y, b.Max.Y, b.Max.Y}, [3]int{-1, -1, -1}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for i, c := range kindColors {
				if same(img.At(x, y), c) {
					top[i], bottom[i] = min(top[i], y), max(bottom[i], y)
				}
			}
		}
		if bottom[0] < 0 || bottom[1] < 0 || bottom[2] < 0 {
			continue
		}
		if !(bottom[2] < top[1] && bottom[1] < top[0]) {
			t.Fatalf("today's bar at x=%d: in person %d..%d, questions %d..%d, flow %d..%d: not stacked", x, top[2], bottom[2], top[1], bottom[1], top[0], bottom[0])
		}
		flowH, ticketH, personH := bottom[0]-top[0]+1, bottom[1]-top[1]+1, bottom[2]-top[2]+1
		// Each part's edges are anti-aliased: a pixel or two either way.
		if abs(ticketH-2*flowH) > 4 || abs(personH-3*flowH) > 6 {
			t.Errorf("today's bar: flow %d px, questions %d px, in person %d px; want 1:2:3", flowH, ticketH, personH)
		}
		return
	}
	t.Fatal("no column holds all three kinds")
}

func TestChartSpeaksTheReadersLanguage(t *testing.T) {
	in := withInPerson(t)
	vi, en := render(t, in, 14, labelsVI), render(t, in, 14, labelsEN)
	differ := 0
	b := vi.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if vi.At(x, y) != en.At(x, y) {
				differ++
			}
		}
	}
	if differ < 500 {
		t.Errorf("the Vietnamese and English charts differ in %d pixels: the words are not drawn", differ)
	}
	if a, b := pixels(vi, kindColors...), pixels(en, kindColors...); a[0] != b[0] || a[1] != b[1] || a[2] != b[2] {
		t.Errorf("the bars differ between languages: %v and %v", a, b)
	}
}

// The chart's font draws every letter of the chart's words in every
// language the desk speaks: no Vietnamese letter falls back to a box.
func TestChartFontHasEveryLetterOfTheLabels(t *testing.T) {
	texts, err := locales.Load()
	if err != nil {
		t.Fatal(err)
	}
	face := font.DefaultCache.Lookup(chartFont, 10)
	if face.Face == nil {
		t.Fatal("the chart's font is not in gonum/plot's font cache")
	}
	var buf sfnt.Buffer
	for _, lang := range texts.Languages() {
		for _, key := range []string{"chart.title", "chart.flow", "chart.ticket", "chart.in_person"} {
			for _, r := range texts.T(lang, key) {
				if i, err := face.Face.GlyphIndex(&buf, r); err != nil || i == 0 {
					t.Errorf("%s %s: no glyph for %q", lang, key, r)
				}
			}
		}
	}
}

func TestChartEmptyAndLimits(t *testing.T) {
	in := Input{Now: time.Date(2026, 3, 11, 15, 0, 0, 0, time.UTC)}
	first := pixels(render(t, in, 1, labelsVI), kindColors...)
	for _, days := range []int{7, 90, MaxChartDays} {
		if n := pixels(render(t, in, days, labelsEN), kindColors...); n[0] != first[0] || n[1] != first[1] || n[2] != first[2] {
			t.Errorf("%d days without assists: %v colored pixels, want the legend's %v", days, n, first)
		}
	}
	for _, days := range []int{0, -1, MaxChartDays + 1} {
		if _, err := Chart(in, days, labelsVI); err == nil {
			t.Errorf("%d days: no error", days)
		}
	}
}

func TestChartDayNames(t *testing.T) {
	first := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	names := dayNames(first, 7)
	if names[0] != "02/03" || names[6] != "08/03" {
		t.Errorf("a week: %q", names)
	}
	long := dayNames(first, 90)
	if long[89] != "30/05" {
		t.Errorf("today is not labelled: %q", long[89])
	}
	labelled := 0
	for _, n := range long {
		if n != "" {
			labelled++
		}
	}
	if labelled < 5 || labelled > 20 {
		t.Errorf("90 days: %d labels", labelled)
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

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
