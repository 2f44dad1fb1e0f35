package flows

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hotroso/hotroso/locales"
)

// shippedWords are the typed-answer words of the locale files.
func shippedWords(t testing.TB) Words {
	t.Helper()
	texts, err := locales.Load()
	require.NoError(t, err)
	return WordsFrom(texts)
}

func loadBase(t *testing.T, yaml string) *Library {
	t.Helper()
	lib, err := Load(fstest.MapFS{"demo.yaml": {Data: []byte(yaml)}}, langs, shippedWords(t))
	require.NoError(t, err)
	return lib
}

func TestEngineWalksChoicesAndAnswers(t *testing.T) {
	ctx := context.Background()
	lib := loadBase(t, baseFlow)
	p, err := lib.Begin(Position{}, "demo")
	require.NoError(t, err)
	assert.True(t, p.Started)
	assert.Equal(t, "a", p.Step.ID)

	p, err = lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a", Choice: 0})
	require.NoError(t, err)
	assert.Equal(t, "b", p.Step.ID)
	assert.Equal(t, []string{"a"}, p.Position.History)

	for _, unsure := range []string{"maybe", "có lẽ", "không biết", "yes and no"} {
		bad, err := lib.Answer(ctx, p.Position, unsure)
		require.NoError(t, err)
		assert.True(t, bad.Invalid, unsure)
	}
	bad, _ := lib.Answer(ctx, p.Position, "maybe")
	assert.Equal(t, "b", bad.Position.Step)

	no, err := lib.Answer(ctx, p.Position, "Không ạ")
	require.NoError(t, err)
	assert.Equal(t, "a", no.Step.ID)
	assert.Equal(t, "no", no.Position.Answers["ok"])

	yes, err := lib.Answer(ctx, p.Position, "có")
	require.NoError(t, err)
	assert.Equal(t, "c", yes.Step.ID)
	assert.True(t, yes.Step.Final())
	assert.Equal(t, OutcomeDone, yes.Step.Outcome)
	assert.Equal(t, "yes", yes.Position.Answers["ok"])
	assert.Nil(t, p.Position.Answers, "the earlier session is not mutated")
}

func TestEngineBackAndRestart(t *testing.T) {
	ctx := context.Background()
	lib := loadBase(t, baseFlow)
	p, _ := lib.Begin(Position{}, "demo")
	p, _ = lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a"})
	p, err := lib.Answer(ctx, p.Position, "yes")
	require.NoError(t, err)
	require.Equal(t, "c", p.Step.ID)

	back, err := lib.Back(p.Position, Button{Kind: ButtonBack, Flow: "demo", Step: "c"})
	require.NoError(t, err)
	assert.Equal(t, "b", back.Step.ID)
	back, err = lib.Back(back.Position, Button{Kind: ButtonBack, Flow: "demo", Step: "b"})
	require.NoError(t, err)
	assert.Equal(t, "a", back.Step.ID)
	assert.Empty(t, back.Position.History)

	again, err := lib.Restart(ctx, p.Position, Button{Kind: ButtonRestart, Flow: "demo", Step: "c"})
	require.NoError(t, err)
	assert.Equal(t, "a", again.Step.ID)
	assert.True(t, again.Started)
	assert.Empty(t, again.Position.Answers)
}

func TestEngineRefusesStaleButtons(t *testing.T) {
	ctx := context.Background()
	lib := loadBase(t, baseFlow)
	p, _ := lib.Begin(Position{}, "demo")
	p, _ = lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a"})

	_, err := lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a"})
	assert.ErrorIs(t, err, ErrStale, "a second tap of the button on step a")
	_, err = lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "b", Choice: 5})
	assert.ErrorIs(t, err, ErrStale, "a choice the step does not have")
	_, err = lib.Back(p.Position, Button{Kind: ButtonBack, Flow: "other", Step: "b"})
	assert.ErrorIs(t, err, ErrStale)
}

func TestEngineEditedFlowNeverStrands(t *testing.T) {
	lib := loadBase(t, baseFlow)
	s := Position{FlowID: "demo", FlowVersion: 1, Step: "removed_step"}
	_, _, err := lib.Locate(s)
	assert.ErrorIs(t, err, ErrStepGone)
	_, _, err = lib.Locate(Position{FlowID: "gone", Step: "a"})
	assert.ErrorIs(t, err, ErrUnknownFlow)
}

func TestEngineHistoryIsBounded(t *testing.T) {
	loop := strings.Replace(baseFlow, "no: a", "no: b", 1)
	lib := loadBase(t, loop)
	ctx := context.Background()
	p, _ := lib.Begin(Position{}, "demo")
	p, _ = lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a"})
	for range 3 * MaxHistory {
		var err error
		p, err = lib.Answer(ctx, p.Position, "no")
		require.NoError(t, err)
		require.Equal(t, "b", p.Step.ID, "answering no loops on b")
	}
	assert.Len(t, p.Position.History, MaxHistory)
}

func TestAnswerValidators(t *testing.T) {
	lib := loadBase(t, baseFlow)
	min, max := 1.0, 10.0
	number := &Answer{Type: AnswerNumber, Min: &min, Max: &max, Next: "x"}
	for text, want := range map[string]bool{"5": true, "7,5": true, "0": false, "11": false, "năm": false, "5 tuổi": true, "５": true, "5 hay 6": false} {
		_, _, ok := lib.validate(number, text)
		assert.Equal(t, want, ok, text)
	}
	oneOf := &Answer{Type: AnswerOneOf, Next: "x", Options: []Option{
		{Value: "android", Words: map[string][]string{"vi": {"android", "an-đroi"}}},
		{Value: "iphone", Words: map[string][]string{"vi": {"iphone", "ai phôn"}}},
	}}
	event, value, ok := lib.validate(oneOf, "Ai phôn")
	assert.True(t, ok)
	assert.Equal(t, "iphone", value)
	assert.Equal(t, "o1", event)
	_, _, ok = lib.validate(oneOf, "nokia")
	assert.False(t, ok)
}

func TestButtonDataRoundTrip(t *testing.T) {
	for _, data := range []string{StartData("vneid"), ContinueData("vneid"), ChoiceData("vneid", "install", 3), BackData("pay", "qr_check"), RestartData("pay", "x"), AskData("safety", "otp")} {
		b, ok := ParseButton(data)
		require.True(t, ok, data)
		assert.Equal(t, data[:1], string(b.Kind))
	}
	for _, forged := range []string{"", "c", "c:vneid:install", "c:vneid:install:x", "c:VNEID:a:1", "z:vneid", "c:a:b:1000", "f:a:b", "b:a;rm:b"} {
		_, ok := ParseButton(forged)
		assert.False(t, ok, forged)
	}
}

func TestPathsOfTheBaseFlow(t *testing.T) {
	lib := loadBase(t, baseFlow)
	f, _ := lib.Flow("demo")
	paths := f.Paths(0)
	require.Len(t, paths, 1, "a -> b -(yes)-> c; b -(no)-> a revisits a")
	p := paths[0]
	require.Len(t, p, 2)
	assert.Equal(t, Edge{From: "a", To: "b", Choice: 0, Pick: -1, Input: p[0].Input}, p[0])
	assert.Equal(t, "c", p[1].To)
	assert.Equal(t, "yes", p[1].Input["en"])
}

// A yes/no answer's own button labels, typed, are that answer, even when
// the words in them would read otherwise ("Có chỗ sai" is the yes button).
func TestTypedButtonLabelsAreTheirAnswer(t *testing.T) {
	flow := strings.Replace(baseFlow, `labels: {yes: {vi: "Có", en: "Yes"}, no: {vi: "Không", en: "No"}}`,
		`labels: {yes: {vi: "Có chỗ sai", en: "Something is wrong"}, no: {vi: "Đúng hết rồi", en: "All correct"}}`, 1)
	lib := loadBase(t, flow)
	ctx := context.Background()
	p, _ := lib.Begin(Position{}, "demo")
	p, err := lib.Choose(ctx, p.Position, Button{Kind: ButtonChoice, Flow: "demo", Step: "a"})
	require.NoError(t, err)
	for typed, want := range map[string]string{"có chỗ sai": "c", "Co cho sai!": "c", "đúng hết rồi": "a", "Sang B": ""} {
		got, err := lib.Answer(ctx, p.Position, typed)
		require.NoError(t, err, typed)
		if want == "" {
			assert.True(t, got.Invalid, typed)
			continue
		}
		assert.Equal(t, want, got.Step.ID, typed)
	}
	// On a step of buttons, a typed label is that button.
	p, _ = lib.Begin(Position{}, "demo")
	got, err := lib.Answer(ctx, p.Position, "sang b")
	require.NoError(t, err)
	assert.Equal(t, "b", got.Step.ID)
	_, err = lib.Answer(ctx, p.Position, "something else")
	assert.ErrorIs(t, err, ErrStale, "text that is no label is for a volunteer")
}
