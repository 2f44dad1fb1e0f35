package main

import (
	"os"
	"testing"
)

// TestMain lets tests run this test binary as the real program: with
// HOTROSO_TEST_MAIN=1 it runs main() instead of the tests, so a test can
// drive the program through its standard input and output, or kill it.
func TestMain(m *testing.M) {
	if os.Getenv("HOTROSO_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
