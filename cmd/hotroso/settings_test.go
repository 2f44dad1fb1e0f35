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

// DESK_HOURS is two whole hours, from-to in TIMEZONE, read strictly; a
// wrong one stops the start with one line naming the key.
func TestDeskHoursAreReadStrictly(t *testing.T) {
	good := map[string][2]int{"7-21": {7, 21}, "07-21": {7, 21}, "0-24": {0, 24}, "19-2": {19, 2}, "13-17": {13, 17}}
	for v, want := range good {
		var c config
		require.NoError(t, setDeskHours(&c, v), v)
		assert.Equal(t, want, [2]int{c.DeskStart, c.DeskEnd}, v)
	}
	for _, v := range []string{"", "7", "7-", "-21", "7–21", "7 - 21", "7-21h", "07:00-21:00", "9am-5pm", "7-25", "24-7", "7-7", "0-0", "-1-21", "+7-21", "7-21-23", "7,21", "007-21"} {
		var c config
		err := setDeskHours(&c, v)
		require.Error(t, err, "%q", v)
		assert.Contains(t, err.Error(), "7-21", "the problem says what to write")
	}
	_, err := loadConfig(func(k string) string {
		if k == "DESK_HOURS" {
			return "9h-17h"
		}
		return ""
	}, false)
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "DESK_HOURS: "), err.Error())
	assert.NotContains(t, err.Error(), "\n")
}
