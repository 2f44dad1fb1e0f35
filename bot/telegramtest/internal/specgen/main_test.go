package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestEmbeddedCopyUpToDate regenerates the trimmed spec and compares it with
// the committed ../../spec_methods.json. It needs the full spec: set
// TELEGRAM_BOT_API_SPEC, or have it at the default location; otherwise the
// test is skipped.
func TestEmbeddedCopyUpToDate(t *testing.T) {
	in := os.Getenv("TELEGRAM_BOT_API_SPEC")
	if in == "" {
		in = "/work/shared/telegram/bot-api-spec.min.json"
	}
	if _, err := os.Stat(in); err != nil {
		t.Skipf("full spec not available: %v", err)
	}
	out := filepath.Join(t.TempDir(), "spec_methods.json")
	if err := run(in, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../spec_methods.json")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("spec_methods.json is stale; run: go generate ./bot/telegramtest/ (with TELEGRAM_BOT_API_SPEC=%s)", in)
	}
}
