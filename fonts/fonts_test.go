package fonts

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every Vietnamese letter, in both cases, with every tone mark.
const vietnamese = "aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ" +
	"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬEÈÉẺẼẸÊỀẾỂỄỆIÌÍỈĨỊOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢUÙÚỦŨỤƯỪỨỬỮỰYỲÝỶỸỴĐ"

func TestTheTypefaceCoversVietnamese(t *testing.T) {
	missing, err := Covers(vietnamese + "0123456789 .,:;!?()-–—“”‘’«»/·")
	require.NoError(t, err)
	assert.Empty(t, string(missing))
	face, err := Face(40)
	require.NoError(t, err)
	assert.Positive(t, face.Metrics().Height.Ceil())
}
