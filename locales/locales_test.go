package locales

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCatalogsLoadWithTheSameKeys(t *testing.T) {
	c, err := Load()
	require.NoError(t, err)
	assert.Equal(t, []string{"en", "vi"}, c.Languages())
	assert.Equal(t, "Đã chuyển sang tiếng Việt.", c.T("vi", "lang.set"))
	assert.Equal(t, "Switched to English.", c.T("en", "lang.set"))
	assert.Equal(t, "Đã chuyển sang tiếng Việt.", c.T("fr", "lang.set"), "unknown language: the fallback")
	assert.Equal(t, "▶️ Continue: VNeID", c.T("en", "flow.continue_named", "title", "VNeID"))
}

func TestMissingKeyInOneLanguageIsRefused(t *testing.T) {
	_, err := LoadFS(fstest.MapFS{
		"vi.yaml": {Data: []byte("a: một\nb: hai\n")},
		"en.yaml": {Data: []byte("a: one\n")},
	}, "vi")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `en.yaml lacks "b"`)
}

func TestMatchReportedLanguages(t *testing.T) {
	c, err := Load()
	require.NoError(t, err)
	for code, want := range map[string]string{"en-US": "en", "EN": "en", "vi": "vi", "vi_VN": "vi", "fr": "", "": ""} {
		assert.Equal(t, want, c.Match(code), code)
	}
}

// keyUse finds string literals in Go code shaped like catalog keys
// ("area.name"): every one whose area the catalogs have must be in them,
// so a mistyped key fails here rather than showing the key to a user.
var keyUse = regexp.MustCompile(`"([a-z_]+\.[a-z_.]*[a-z])"`)

func TestEveryKeyTheCodeUsesExists(t *testing.T) {
	c, err := Load()
	require.NoError(t, err)
	files, err := filepath.Glob("../handlers/*.go")
	require.NoError(t, err)
	pages, err := filepath.Glob("../web/*.go") // the web chat's own texts
	require.NoError(t, err)
	files = append(files, pages...)
	areas := map[string]bool{}
	for _, k := range c.Keys() {
		area, _, _ := strings.Cut(k, ".")
		areas[area] = true
	}
	used := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range keyUse.FindAllStringSubmatch(string(src), -1) {
			for _, key := range m[1:] {
				if area, _, _ := strings.Cut(key, "."); key == "" || !areas[area] {
					continue
				}
				used++
				if !slices.Contains(c.Keys(), key) {
					t.Errorf("%s uses %q, which the catalogs lack", f, key)
				}
			}
		}
	}
	assert.Greater(t, used, 80, "the scan found the keys in use")
}
