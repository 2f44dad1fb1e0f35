// Package poster draws the printable poster of a commune's QR code: an A4
// page, portrait, at 150 dpi (1240×1754 pixels), with a title, the
// commune's name, the QR code of the bot's link and a few lines of
// instruction, in a typeface that covers Vietnamese (package fonts). The QR
// code is encoded by github.com/piglig/go-qr.
package poster

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"strings"

	qr "github.com/piglig/go-qr"
	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/hotroso/hotroso/fonts"
)

// The page: A4 at 150 dpi.
const (
	Width  = 1240
	Height = 1754
)

// Layout, in pixels.
const (
	margin     = 90
	qrMaxSide  = 860 // the code with its quiet zone
	quietZone  = 4   // modules of white around the code, as the standard asks
	titleSize  = 60
	nameSize   = 76
	lineSize   = 40
	footerSize = 30
)

var (
	ink    = color.RGBA{0x10, 0x2a, 0x5c, 0xff} // dark blue
	black  = color.Black
	warn   = color.RGBA{0xa8, 0x1c, 0x1c, 0xff} // dark red
	paper  = color.White
	accent = color.RGBA{0x10, 0x2a, 0x5c, 0xff}
)

// Poster is what the page says.
type Poster struct {
	// URL is what the QR code holds.
	URL string
	// Title is the headline; Commune the commune's name, under it.
	Title, Commune string
	// Lines are the instructions under the code, each wrapped to the page.
	Lines []string
	// Footer is a last line at the bottom of the page (a safety note).
	Footer string
}

// Render draws the poster as a PNG.
func Render(p Poster) ([]byte, error) {
	code, err := qr.EncodeText(p.URL, qr.Medium)
	if err != nil {
		return nil, fmt.Errorf("poster: encode %q: %w", p.URL, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.Draw(img, img.Bounds(), image.NewUniform(paper), image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 0, Width, 24), image.NewUniform(accent), image.Point{}, draw.Src)

	y, err := drawText(img, p.Title, titleSize, ink, 150)
	if err != nil {
		return nil, err
	}
	if y, err = drawText(img, p.Commune, nameSize, black, y+nameSize*13/10); err != nil {
		return nil, err
	}
	y = drawCode(img, code, y+30)
	for i, line := range p.Lines {
		gap := lineSize * 13 / 10
		if i == 0 {
			gap += lineSize
		}
		if y, err = drawText(img, line, lineSize, black, y+gap); err != nil {
			return nil, err
		}
	}
	if _, err = drawText(img, p.Footer, footerSize, warn, Height-110); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, fmt.Errorf("poster: encode png: %w", err)
	}
	return out.Bytes(), nil
}

// drawCode draws the QR code, with its quiet zone, centred below top, as
// large as fits qrMaxSide in whole pixels per module; it returns the
// bottom edge.
func drawCode(img *image.RGBA, code *qr.QrCode, top int) int {
	n := code.Size()
	scale := qrMaxSide / (n + 2*quietZone)
	side := scale * (n + 2*quietZone)
	left := (Width - side) / 2
	dark := image.NewUniform(black)
	for y := range n {
		for x := range n {
			if !code.Module(x, y) {
				continue
			}
			px, py := left+(x+quietZone)*scale, top+(y+quietZone)*scale
			draw.Draw(img, image.Rect(px, py, px+scale, py+scale), dark, image.Point{}, draw.Src)
		}
	}
	return top + side
}

// drawText draws text centred, wrapped to the page between the margins,
// its first baseline at y; it returns the last baseline.
func drawText(img *image.RGBA, text string, size int, c color.Color, y int) (int, error) {
	if strings.TrimSpace(text) == "" {
		return y, nil
	}
	face, err := fonts.Face(float64(size))
	if err != nil {
		return y, fmt.Errorf("poster: %w", err)
	}
	defer face.Close()
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: face}
	lineHeight := size * 13 / 10
	for i, line := range wrap(d, text, Width-2*margin) {
		if i > 0 {
			y += lineHeight
		}
		w := d.MeasureString(line).Ceil()
		d.Dot = fixed.P((Width-w)/2, y)
		d.DrawString(line)
	}
	return y, nil
}

// wrap splits text into lines no wider than width, between words (a word
// wider than width stays whole on its line).
func wrap(d font.Drawer, text string, width int) []string {
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			next := strings.TrimSpace(line + " " + word)
			if line != "" && d.MeasureString(next).Ceil() > width {
				lines = append(lines, line)
				next = word
			}
			line = next
		}
		lines = append(lines, line)
	}
	return lines
}
