// Package locales holds the texts of hotroso's interface in every language it
// speaks, and looks them up. Flow texts live in the flow files instead.
package locales

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed *.yaml
var catalogFiles embed.FS

// Default is the language used when a user has not chosen one.
const Default = "vi"

// Catalog maps language -> key -> text.
type Catalog struct {
	texts    map[string]map[string]string
	fallback string
}

// Load reads the embedded catalogs (one YAML file of flat key: text per
// language, named after the language) and checks that every language has
// the same keys.
func Load() (*Catalog, error) {
	return LoadFS(catalogFiles, Default)
}

// LoadFS reads the catalogs from fsys; fallback is the language used for a
// key missing in another language.
func LoadFS(fsys fs.FS, fallback string) (*Catalog, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("locales: list catalogs: %w", err)
	}
	c := &Catalog{texts: map[string]map[string]string{}, fallback: fallback}
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("locales: read %s: %w", name, err)
		}
		texts := map[string]string{}
		if err := yaml.Unmarshal(data, &texts); err != nil {
			return nil, fmt.Errorf("locales: parse %s: %w", name, err)
		}
		c.texts[strings.TrimSuffix(name, ".yaml")] = texts
	}
	if _, ok := c.texts[fallback]; !ok {
		return nil, fmt.Errorf("locales: no catalog for the fallback language %q", fallback)
	}
	if err := c.checkKeys(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Catalog) checkKeys() error {
	base := c.texts[c.fallback]
	for lang, texts := range c.texts {
		for key := range base {
			if strings.TrimSpace(texts[key]) == "" {
				return fmt.Errorf("locales: %s.yaml lacks %q", lang, key)
			}
		}
		for key := range texts {
			if _, ok := base[key]; !ok {
				return fmt.Errorf("locales: %s.yaml has %q, which %s.yaml lacks", lang, key, c.fallback)
			}
		}
	}
	return nil
}

// Languages lists the languages of the catalog, sorted.
func (c *Catalog) Languages() []string {
	langs := make([]string, 0, len(c.texts))
	for lang := range c.texts {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	return langs
}

// Has reports whether the catalog speaks lang.
func (c *Catalog) Has(lang string) bool {
	_, ok := c.texts[lang]
	return ok
}

// T returns the text for key in lang, with each {name} replaced by the value
// that follows name in args (name, value, name, value...). An unknown
// language falls back to the fallback language; an unknown key returns the key
// itself, which the catalog tests make impossible for shipped keys.
func (c *Catalog) T(lang, key string, args ...string) string {
	texts, ok := c.texts[lang]
	if !ok {
		texts = c.texts[c.fallback]
	}
	text, ok := texts[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return text
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// Keys lists the keys of the fallback language, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts[c.fallback]))
	for key := range c.texts[c.fallback] {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// Match maps a language code reported by a client (e.g. "en-US", "vi") to a
// catalog language, or "" when the catalog does not speak it.
func (c *Catalog) Match(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i >= 0 {
		code = code[:i]
	}
	if c.Has(code) {
		return code
	}
	return ""
}

// List returns a key's comma-separated words in every language, trimmed,
// without empty ones: typed answers are understood in any language.
func (c *Catalog) List(key string) []string {
	var out []string
	for _, lang := range c.Languages() {
		for _, w := range strings.Split(c.texts[lang][key], ",") {
			if w = strings.TrimSpace(w); w != "" {
				out = append(out, w)
			}
		}
	}
	return out
}
