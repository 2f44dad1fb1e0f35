package poster

import (
	"bytes"
	"image"
	"image/png"
	"testing"

	qr "github.com/piglig/go-qr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sample = Poster{
	URL:     "https://t.me/hotroso_test_bot?start=c_15499",
	Title:   "HỎI TỔ CÔNG NGHỆ SỐ",
	Commune: "Xã Thọ Xuân",
	Lines: []string{"Quét mã bằng camera điện thoại để hỏi", "Tổ công nghệ số cộng đồng Xã Thọ Xuân",
		"trên Telegram: hướng dẫn VNeID, thanh toán, nộp hồ sơ, chống lừa đảo."},
	Footer: "Không bao giờ gửi mã OTP, mật khẩu hay số tài khoản cho ai.",
}

// Decode reads a poster back: a PNG of A4 at 150 dpi whose QR code a QR
// reader decodes to the URL.
func decode(t testing.TB, data []byte) (image.Image, string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	text, err := qr.Decode(img)
	require.NoError(t, err)
	return img, text
}

func TestThePosterIsAnA4PageWhoseCodeReadsBack(t *testing.T) {
	data, err := Render(sample)
	require.NoError(t, err)
	img, text := decode(t, data)
	assert.Equal(t, image.Rect(0, 0, Width, Height), img.Bounds())
	assert.Equal(t, sample.URL, text)

	// Another commune's code reads another URL.
	other := sample
	other.URL, other.Commune = "https://t.me/hotroso_test_bot?start=c_16531", "Phường Sầm Sơn"
	data, err = Render(other)
	require.NoError(t, err)
	_, text = decode(t, data)
	assert.Equal(t, other.URL, text)
}

func TestTextIsDrawnAndWrapped(t *testing.T) {
	long := sample
	long.Lines = []string{"một dòng rất dài " + string(bytes.Repeat([]byte("chữ "), 60))}
	data, err := Render(long)
	require.NoError(t, err)
	img, _ := decode(t, data)
	// Something dark is drawn in the title's band and below the code.
	assert.True(t, inked(img, 100, 170), "the title")
	assert.True(t, inked(img, Height-160, Height-100), "the footer")
}

// inked reports whether a row band of img has a dark pixel.
func inked(img image.Image, from, to int) bool {
	for y := from; y < to; y++ {
		for x := 0; x < Width; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if r+g+b < 3*0x8000 {
				return true
			}
		}
	}
	return false
}

func BenchmarkRender(b *testing.B) {
	for b.Loop() {
		if _, err := Render(sample); err != nil {
			b.Fatal(err)
		}
	}
}
