package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	t.Chdir(t.TempDir())
	var stdout bytes.Buffer
	err := run(context.Background(), testSystem(args, env, &stdout, &bytes.Buffer{}, testClock()))
	return stdout.String(), err
}

func TestFlowsLintCommand(t *testing.T) {
	out, err := runCmd(t, nil, "flows", "lint")
	require.NoError(t, err)
	assert.Contains(t, out, "built-in flows: all flows are fine")

	broken := strings.Replace(demoFlow, "next: b\n", "next: nowhere\n", 1)
	dir := flowsDir(t, map[string]string{"demo.yaml": broken})
	out, err = runCmd(t, nil, "flows", "lint", dir)
	require.Error(t, err)
	assert.Contains(t, out, "demo.yaml:12: step \"a\" choice 1: leads to step \"nowhere\", which does not exist")
	assert.Equal(t, 1, exitCode(err))

	out, err = runCmd(t, map[string]string{"FLOWS_DIR": dir}, "flows", "lint")
	require.Error(t, err, "FLOWS_DIR is the default folder")
	assert.Contains(t, out, "nowhere")
}

func TestFlowsGraphCommand(t *testing.T) {
	out, err := runCmd(t, nil, "flows", "graph", "vneid", "--lang", "en")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(out, "---\ntitle: VNeID account (vneid v2)\n---\nflowchart TD\n"), out[:80])
	assert.Contains(t, out, `welcome -->|"Register a new account"| prep`)
	assert.Contains(t, out, `nfc_q -->|"It has NFC"| scan_nfc`, "an answer's buttons are labelled edges")
	assert.Contains(t, out, `to_sos__cut_network[/"→ sos/cut_network"/]`, "a step of another flow is a box of its own")
	assert.Contains(t, out, `link_warn -->|"I tapped or installed it"| to_sos__cut_network`)

	_, err = runCmd(t, nil, "flows", "graph", "nope")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sos, vneid, sim, wallet, idcard, payment, bills, dossier, pension, safety")
	assert.Equal(t, 2, exitCode(err))
}
