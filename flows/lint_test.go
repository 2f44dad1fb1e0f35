package flows

import (
	"bytes"
	"image"
	"image/png"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var langs = []string{"en", "vi"}

// baseFlow is a small valid flow; each lint test breaks one thing in it.
// Line numbers matter: step a is on line 8, its choice on line 11, step b on
// line 13, its answer on line 15, step c on line 22.
const baseFlow = `id: demo
version: 1
title: {vi: "Thử", en: "Demo"}
reviewed: 2026-11-26
sources: ["test"]
start: a
steps:
  a:
    text: {vi: "Bước A", en: "Step A"}
    choices:
      - label: {vi: "Sang B", en: "To B"}
        next: b
  b:
    text: {vi: "Bước B", en: "Step B"}
    answer:
      type: yesno
      save_as: ok
      yes: c
      no: a
      hint: {vi: "Có hay không?", en: "Yes or no?"}
      labels: {yes: {vi: "Có", en: "Yes"}, no: {vi: "Không", en: "No"}}
  c:
    text: {vi: "Xong", en: "Done"}
    outcome: done
`

func lintOne(t *testing.T, yaml string, extra ...*fstest.MapFile) Problems {
	t.Helper()
	fsys := fstest.MapFS{"demo.yaml": {Data: []byte(yaml)}}
	for i, f := range extra {
		fsys[[]string{"pic.png", "second.png"}[i]] = f
	}
	return Lint(fsys, langs)
}

// requireProblem asserts a problem at line containing each of the words.
func requireProblem(t *testing.T, problems Problems, line int, words ...string) {
	t.Helper()
	for _, p := range problems {
		if p.File != "demo.yaml" || p.Line != line {
			continue
		}
		ok := true
		for _, w := range words {
			ok = ok && strings.Contains(p.Message, w)
		}
		if ok {
			return
		}
	}
	t.Fatalf("no problem at demo.yaml:%d with %q; got:\n%v", line, words, problems)
}

func TestLintAcceptsTheBaseFlow(t *testing.T) {
	assert.Empty(t, lintOne(t, baseFlow))
}

func TestLintUnreachableStep(t *testing.T) {
	broken := baseFlow + "  d:\n    text: {vi: \"Lạc\", en: \"Lost\"}\n    outcome: gave_up\n"
	requireProblem(t, lintOne(t, broken), 25, `"d"`, "cannot be reached")
}

func TestLintStepWithNoWayOn(t *testing.T) {
	broken := strings.Replace(baseFlow, "    outcome: done\n", "", 1)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 22, `"c"`, "no way on")
}

func TestLintMissingTarget(t *testing.T) {
	broken := strings.Replace(baseFlow, "next: b", "next: bee", 1)
	requireProblem(t, lintOne(t, broken), 11, `"bee"`, "does not exist")
}

func TestLintMissingLanguage(t *testing.T) {
	broken := strings.Replace(baseFlow, `text: {vi: "Bước B", en: "Step B"}`, `text: {vi: "Bước B"}`, 1)
	requireProblem(t, lintOne(t, broken), 13, `"b" text`, `no text in "en"`)
}

func TestLintMissingLabelLanguage(t *testing.T) {
	broken := strings.Replace(baseFlow, `label: {vi: "Sang B", en: "To B"}`, `label: {en: "To B"}`, 1)
	requireProblem(t, lintOne(t, broken), 11, "label", `no text in "vi"`)
}

func TestLintLabelTooLong(t *testing.T) {
	broken := strings.Replace(baseFlow, `"Sang B"`, `"Bấm vào đây để sang bước tiếp theo nhé"`, 1)
	requireProblem(t, lintOne(t, broken), 11, "label", "over 28")
}

func TestLintCallbackDataTooLong(t *testing.T) {
	long := strings.Repeat("a", 60)
	broken := strings.NewReplacer("start: a\n", "start: "+long+"\n", "  a:\n", "  "+long+":\n", "no: a\n", "no: "+long+"\n").Replace(baseFlow)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 11, "button data", "over Telegram's 64")
	requireProblem(t, problems, 8, "at most 20 characters")
}

func TestLintTrapLoop(t *testing.T) {
	broken := strings.Replace(baseFlow, "yes: c", "yes: a", 1)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 8, `"a"`, "never leads to a final step")
	requireProblem(t, problems, 22, `"c"`, "cannot be reached")
}

func TestLintMissingImage(t *testing.T) {
	broken := strings.Replace(baseFlow, "    outcome: done\n", "    image: pic.png\n    outcome: done\n", 1)
	requireProblem(t, lintOne(t, broken), 22, "pic.png", "not found")
}

func TestLintImageBeyondTelegramLimits(t *testing.T) {
	broken := strings.Replace(baseFlow, "    outcome: done\n", "    image: pic.png\n    outcome: done\n", 1)
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 420, 20))))
	requireProblem(t, lintOne(t, broken, &fstest.MapFile{Data: buf.Bytes()}), 22, "ratio of at most 20")
}

func TestLintImageNotAPicture(t *testing.T) {
	broken := strings.Replace(baseFlow, "    outcome: done\n", "    image: pic.png\n    outcome: done\n", 1)
	requireProblem(t, lintOne(t, broken, &fstest.MapFile{Data: []byte("GIF89a not really")}), 22, "not a PNG or JPEG")
}

func TestLintCaptionTooLongForImage(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewGray(image.Rect(0, 0, 40, 30))))
	long := strings.Repeat("x", 1100)
	broken := strings.Replace(baseFlow, "    text: {vi: \"Xong\", en: \"Done\"}\n    outcome: done\n",
		"    text: {vi: \"Xong\", en: \""+long+"\"}\n    image: pic.png\n    outcome: done\n", 1)
	requireProblem(t, lintOne(t, broken, &fstest.MapFile{Data: buf.Bytes()}), 22, `in "en"`, "over 1024")
}

func TestLintBadYAMLNamesTheLine(t *testing.T) {
	broken := strings.Replace(baseFlow, `text: {vi: "Bước B", en: "Step B"}`, `text: {vi: "Bước B", en: "Step B"`, 1)
	problems := lintOne(t, broken)
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0].Message, "not valid YAML")
	assert.Greater(t, problems[0].Line, 0)
}

func TestLintUnknownFieldNamesTheLine(t *testing.T) {
	broken := strings.Replace(baseFlow, "        next: b\n", "        nxt: b\n", 1)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 12, "nxt")
}

func TestLintBadOutcomeAndAnswerType(t *testing.T) {
	broken := strings.NewReplacer("outcome: done", "outcome: finished", "type: yesno", "type: maybe").Replace(baseFlow)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 22, "outcome", "finished")
	requireProblem(t, problems, 16, "maybe")
}

func TestLintDuplicateFlowIDs(t *testing.T) {
	fsys := fstest.MapFS{"demo.yaml": {Data: []byte(baseFlow)}, "other.yaml": {Data: []byte(baseFlow)}}
	problems := Lint(fsys, langs)
	require.Len(t, problems, 1)
	assert.Equal(t, "other.yaml", problems[0].File)
	assert.Contains(t, problems[0].Message, "already used by demo.yaml")
}

func TestLintHeaderFields(t *testing.T) {
	broken := strings.NewReplacer("reviewed: 2026-11-26\n", "reviewed: last week\n", "sources: [\"test\"]\n", "").Replace(baseFlow)
	problems := lintOne(t, broken)
	requireProblem(t, problems, 1, "reviewed")
	requireProblem(t, problems, 1, "sources is missing")
}

func TestShippedFlowsPassLint(t *testing.T) {
	problems := Lint(Embedded(), langs)
	assert.Empty(t, problems, "the shipped flows must lint clean:\n%v", problems)
}

func TestLintTooManyChoices(t *testing.T) {
	many := strings.Repeat("      - label: {vi: \"Sang B\", en: \"To B\"}\n        next: b\n", MaxChoices)
	broken := strings.Replace(baseFlow, "    choices:\n", "    choices:\n"+many, 1)
	requireProblem(t, lintOne(t, broken), 8, "11 choices", "at most 10")
}

// otherFlow is a second valid flow for the rules across flows; its step x
// is on line 8.
const otherFlow = `id: pay
version: 1
title: {vi: "Thanh toán trên mạng", en: "Paying online"}
reviewed: 2026-12-01
sources: ["test"]
start: x
steps:
  x:
    text: {vi: "Bước X", en: "Step X"}
    choices:
      - label: {vi: "Xong", en: "Done"}
        next: y
  y:
    text: {vi: "Xong", en: "Done"}
    outcome: done
`

func lintTwo(demo, other string) Problems {
	return Lint(fstest.MapFS{"demo.yaml": {Data: []byte(demo)}, "other.yaml": {Data: []byte(other)}}, langs)
}

func TestLintAcceptsACrossFlowLinkWithItsButton(t *testing.T) {
	linked := strings.NewReplacer(
		`text: {vi: "Bước A", en: "Step A"}`, `text: {vi: "Trả phí ở mục Thanh toán trên mạng.", en: "Pay in the “Paying online” section."}`,
		"        next: b\n", "        next: b\n      - label: {vi: \"Trả phí\", en: \"Pay\"}\n        next: pay/x\n",
	).Replace(baseFlow)
	assert.Empty(t, lintTwo(linked, otherFlow))
}

// Each rule of issue 11 fails on its own broken copy, naming file and line.

func TestLintStepLeftOnlyByTyping(t *testing.T) {
	noLabels := strings.Replace(baseFlow, "      labels: {yes: {vi: \"Có\", en: \"Yes\"}, no: {vi: \"Không\", en: \"No\"}}\n", "", 1)
	requireProblem(t, lintOne(t, noLabels), 16, `"b"`, "can only be left by typing", "labels")

	oneOf := strings.Replace(baseFlow, `      type: yesno
      save_as: ok
      yes: c
      no: a
`, `      type: oneof
      options:
        - {value: app, next: c, words: {vi: ["ứng dụng"], en: ["app"]}}
        - {value: web, next: a, label: {vi: "Trang web", en: "Website"}}
`, 1)
	requireProblem(t, lintOne(t, oneOf), 16, `"b"`, "can only be left by typing", "option 1")

	number := strings.Replace(baseFlow, `      type: yesno
      save_as: ok
      yes: c
      no: a
`, `      type: number
      next: c
`, 1)
	requireProblem(t, lintOne(t, number), 16, `"b"`, "example")
}

func TestLintEndStepWithoutBack(t *testing.T) {
	broken := strings.Replace(baseFlow, "start: a\n", "start: c\n", 1)
	requireProblem(t, lintOne(t, broken), 22, `"c"`, "end step", "Back")
}

func TestLintSectionNamedWithoutAButton(t *testing.T) {
	for _, text := range []string{
		`{vi: "Trả phí ở mục Thanh toán trên mạng.", en: "Pay as shown."}`,
		`{vi: "Trả phí như đã chỉ.", en: "Pay in the “Paying online” section."}`,
		`{vi: "Xem phần “thanh toan tren mang” nhé.", en: "See the section Paying online."}`,
	} {
		broken := strings.Replace(baseFlow, `text: {vi: "Bước A", en: "Step A"}`, "text: "+text, 1)
		requireProblem(t, lintTwo(broken, otherFlow), 8, `"a"`, "names the section", "pay/x")
	}
	// Words of a title elsewhere are no reference: "phần mềm", a title's
	// words without a section word.
	fine := strings.Replace(baseFlow, `text: {vi: "Bước A", en: "Step A"}`, `text: {vi: "Cài phần mềm để thanh toán trên mạng.", en: "Install the software for paying online."}`, 1)
	assert.Empty(t, lintTwo(fine, otherFlow))
}

func TestLintCrossFlowTargetMissing(t *testing.T) {
	cases := map[string]struct{ other, want string }{
		"pay/x":   {strings.Replace(otherFlow, `text: {vi: "Bước X", en: "Step X"}`, `text: {vi: "Bước X"}`, 1), "no text in en"},
		"pay/zzz": {otherFlow, `flow "pay" has no step "zzz"`},
		"nope/x":  {otherFlow, `no flow "nope"`},
		"Pay/x!":  {otherFlow, "written <flow>/<step>"},
		"demo/c":  {otherFlow, "is in this flow"},
	}
	for target, c := range cases {
		broken := strings.Replace(baseFlow, "next: b\n", "next: "+target+"\n", 1)
		requireProblem(t, lintTwo(broken, c.other), 11, c.want)
	}
}

// Every step of every shipped flow is reached from its start by tapping
// alone (breadth first over buttons; typed answers not taken).
func TestShippedFlowsAreReachableByTapping(t *testing.T) {
	lib, err := Load(Embedded(), langs, shippedWords(t))
	require.NoError(t, err)
	for _, f := range lib.Flows() {
		seen := map[string]bool{f.Start: true}
		queue := []string{f.Start}
		for len(queue) > 0 {
			at := queue[0]
			queue = queue[1:]
			for _, e := range f.Edges(f.Steps[at]) {
				if _, ok := f.Steps[e.To]; ok && e.Tapped() && !seen[e.To] {
					seen[e.To] = true
					queue = append(queue, e.To)
				}
			}
		}
		for _, id := range f.StepIDs {
			assert.True(t, seen[id], "%s: step %q cannot be reached by tapping", f.File, id)
		}
	}
}

func TestLintFollowUpOnlyOnADoneEnd(t *testing.T) {
	marked := baseFlow + "    follow_up: true\n"
	assert.Empty(t, lintOne(t, marked), "follow_up on an end step with outcome done")
	lib, err := Load(fstest.MapFS{"demo.yaml": {Data: []byte(marked)}}, langs, shippedWords(t))
	require.NoError(t, err)
	f, _ := lib.Flow("demo")
	require.NotNil(t, f)
	assert.True(t, f.Steps["c"].FollowUp, "the loader reads follow_up")
	assert.False(t, f.Steps["a"].FollowUp)

	gaveUp := strings.Replace(marked, "outcome: done", "outcome: gave_up", 1)
	requireProblem(t, lintOne(t, gaveUp), 22, `"c"`, "follow_up", "outcome done")
	onChoice := strings.Replace(baseFlow, "        next: b\n", "        next: b\n    follow_up: true\n", 1)
	requireProblem(t, lintOne(t, onChoice), 8, `"a"`, "follow_up")
}

func TestShippedFollowUpSteps(t *testing.T) {
	lib, err := Load(Embedded(), langs, shippedWords(t))
	require.NoError(t, err)
	var marked []string
	for _, f := range lib.Flows() {
		for _, id := range f.StepIDs {
			if f.Steps[id].FollowUp {
				marked = append(marked, f.ID+"/"+id)
			}
		}
	}
	assert.ElementsMatch(t, []string{"dossier/sent_done", "dossier/lltp_done", "payment/fee_done"}, marked)
}
