package places

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTheBuiltInListHasThanhHoasUnits(t *testing.T) {
	l := Default()
	require.Equal(t, 166, l.Len(), "147 xã + 19 phường since 1 July 2025")
	phuong := 0
	for _, c := range l.all {
		if c.Kind == "phường" {
			phuong++
		}
	}
	assert.Equal(t, 19, phuong)
	for _, name := range []string{"Thọ Xuân", "Sầm Sơn", "Bỉm Sơn", "Quảng Phú", "Nga Thắng"} {
		assert.NotEmpty(t, l.Search(name, 5), name)
	}
}

func TestSearchIgnoresDiacriticsAndTheKind(t *testing.T) {
	l := Default()
	hits := l.Search("tho xuan", 5)
	require.NotEmpty(t, hits)
	assert.Equal(t, "Thọ Xuân", hits[0].Name, "a name that starts with the query comes first")
	assert.Equal(t, "Xã Thọ Xuân", hits[0].Label())
	again := l.Search("xã  THỌ xuân", 5)
	assert.Equal(t, hits[0], again[0])
	c, ok := l.Get(hits[0].Code)
	assert.True(t, ok)
	assert.Equal(t, hits[0], c)
	assert.Empty(t, l.Search("zzz", 5))
	assert.Empty(t, l.Search("  ", 5))
	assert.Len(t, l.Search("a", 8), 8, "limited")
}

func TestLoadRefusesBrokenFiles(t *testing.T) {
	for name, data := range map[string]string{
		"two fields": "1\txã\n",
		"duplicate":  "1\txã\tA\n1\txã\tB\n",
		"empty":      "# only a comment\n",
		"no name":    "1\txã\t\n",
	} {
		_, err := Load(strings.NewReader(data))
		assert.Error(t, err, name)
	}
	l, err := Load(strings.NewReader("# comment\n\n10\tphường\tMột\n11\txã\tHai\n"))
	require.NoError(t, err)
	assert.Equal(t, 2, l.Len())
}
