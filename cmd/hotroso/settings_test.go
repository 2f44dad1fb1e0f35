package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// configurationTable is the README's table of settings, as the settings
// declare it.
func configurationTable() string {
	var b strings.Builder
	b.WriteString("| key | meaning | default |\n|---|---|---|\n")
	for _, s := range settings {
		def := "unset"
		if s.Default != "" {
			def = "`" + s.Default + "`"
		}
		b.WriteString("| " + s.Key + " | " + s.Meaning + " | " + def + " |\n")
	}
	return b.String()
}

// The README's configuration table is the settings table: every key, its
// meaning and its default, declared once in settings.go.
func TestREADMEConfigurationTableIsTheSettings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(readme), configurationTable()), "README.md's configuration table should read:\n%s", configurationTable())
}

// .env.example documents every key, with its default.
func TestEnvExampleDocumentsEverySetting(t *testing.T) {
	example, err := os.ReadFile("../../.env.example")
	require.NoError(t, err)
	text := string(example)
	for _, s := range settings {
		line := regexp.MustCompile(`(?m)^` + s.Key + `=$`)
		assert.Truef(t, line.MatchString(text), ".env.example has no %s= line", s.Key)
		if s.Default != "" {
			assert.Containsf(t, text, "Default: "+s.Default, ".env.example does not give %s's default %s", s.Key, s.Default)
		}
	}
}

// Every setting's default is a valid value of it.
func TestSettingDefaultsAreValid(t *testing.T) {
	var c config
	for _, s := range settings {
		assert.NoErrorf(t, s.set(&c, s.Default), "%s's default %q", s.Key, s.Default)
	}
}
