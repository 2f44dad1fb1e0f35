// Package fonts holds the typeface the bot draws text into images with:
// DejaVu Sans Bold, which covers Vietnamese (the Go fonts lack most of its
// letters: ạ, ệ, ơ, ư...), from the github.com/go-fonts/dejavu module, so
// the binary needs no font installed (licence: Bitstream Vera, DejaVu
// changes in the public domain; see that module).
package fonts

import (
	"fmt"
	"sync"

	"github.com/go-fonts/dejavu/dejavusansbold"

	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

var (
	parseOnce sync.Once
	parsed    *opentype.Font
	parseErr  error
)

// Bold returns the parsed typeface, parsed once.
func Bold() (*opentype.Font, error) {
	parseOnce.Do(func() {
		parsed, parseErr = opentype.Parse(dejavusansbold.TTF)
		if parseErr != nil {
			parseErr = fmt.Errorf("fonts: parse DejaVu Sans Bold: %w", parseErr)
		}
	})
	return parsed, parseErr
}

// Face returns the typeface at size pixels (72 dpi: a point is a pixel).
func Face(size float64) (font.Face, error) {
	f, err := Bold()
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("fonts: face of %v px: %w", size, err)
	}
	return face, nil
}

// Covers reports the runes of s the typeface has no glyph for.
func Covers(s string) (missing []rune, err error) {
	f, err := Bold()
	if err != nil {
		return nil, err
	}
	var buf sfnt.Buffer
	for _, r := range s {
		if r == ' ' || r == '\n' {
			continue
		}
		i, err := f.GlyphIndex(&buf, r)
		if err != nil {
			return nil, fmt.Errorf("fonts: glyph of %q: %w", r, err)
		}
		if i == 0 {
			missing = append(missing, r)
		}
	}
	return missing, nil
}
