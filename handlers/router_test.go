package handlers

import (
	"strings"
	"testing"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/flows"
)

// testRouter is the desk's router with every role's routes, built without
// a store: routing needs none.
func testRouter() *router {
	b := &base{}
	d := &Desk{base: b, resident: &residentDesk{b}, volunteer: &volunteerDesk{b}, organizer: &organizerDesk{b}, broadcasts: &broadcastDesk{b}}
	return d.newRouter()
}

// buttonSeeds is data of every kind the desk writes, and near misses.
var buttonSeeds = []string{
	menuButton.data(struct{}{}), langButton.data("en"), askButton.data(struct{}{}), forgetYesButton.data(struct{}{}),
	communePickButton.data("16522"), announceOnButton.data(struct{}{}), photoSendButton.data(42), photoSkipButton.data(struct{}{}),
	rateButton.data(idWord{7, "5"}), workedButton.data(idWord{7, "no"}),
	followUpAnswerButton.data(followUpAnswer{domain.FollowUpSentBack, "payment"}), followUpStopButton.data(struct{}{}),
	followUpAskButton.data(flowStep{"dossier", "sent_done"}), "fu:done:dossier", "fu:accepted", "fu:accepted:", "fq:dossier", "fu-:",
	claimButton.data(12), switchButton.data(12), doneButton.data(idWord{12, domain.OutcomeSolved}),
	removeVolunteerButton.data(500), bcAudienceButton.data(idWord{3, audienceCommune}), bcFlowButton.data(idWord{3, "vneid"}),
	bcCommuneButton.data(idWord{3, "16522"}), bcGoButton.data(3), bcPauseButton.data(3), bcResumeButton.data(3), bcCancelButton.data(3),
	flows.ChoiceData("vneid", "prep", 1), flows.AnswerData("safety", "otp_1", 0), flows.BackData("sos", "police"), flows.StartData("sos"),
	flows.UrgentData("sos", "call_bank"), flows.ContinueData("vneid"), flows.RestartData("pay", "x"), flows.AskData("safety", "otp"),
	"", ":", "m:", "mm", "tc:", "tc:0", "tc:-1", "tc:007", "tc:+7", "tc:12:x", "td:12:bogus", "td:12", "rt:7:6", "rt:7:05", "rw:7:maybe",
	"ba:3:everyone", "c:vneid:prep:01", "c:vneid:prep:1:2", "v:Vneid:x:0", "forget:maybe", "an:", "ps:x", "px:", "cm::", "l:EN", "l:en:x",
	"c:vneid:prep:99999999999999999999", "tc:99999999999999999999", strings.Repeat("tc:", 30),
}

// FuzzButtonRouting shows that no callback data crashes the router or
// reaches a handler it was not meant for: data that a route decodes is
// exactly what that route's codec writes for the decoded value (so forged
// variants such as "tc:007" never decode), and no other route decodes it.
func FuzzButtonRouting(f *testing.F) {
	for _, seed := range buttonSeeds {
		f.Add(seed)
	}
	rt := testRouter()
	f.Fuzz(func(t *testing.T, data string) {
		route, ok := rt.button(data)
		decoded := 0
		for prefix, other := range rt.buttons {
			if _, err := other.decode(data); err == nil {
				decoded++
				if !ok || other.prefix != route.prefix {
					t.Fatalf("%q decodes for route %q but routes to %q (found %v)", data, prefix, route.prefix, ok)
				}
			}
		}
		if decoded > 1 {
			t.Fatalf("%q decodes for %d routes", data, decoded)
		}
		if !ok {
			return
		}
		if !strings.HasPrefix(data, route.prefix) {
			t.Fatalf("%q routed to %q", data, route.prefix)
		}
	})
}

// Every kind of button the desk writes routes back to its own route and
// decodes to the value it was written for.
func TestButtonsRouteToTheirOwnHandler(t *testing.T) {
	rt := testRouter()
	check := func(data, prefix string, want any) {
		t.Helper()
		route, ok := rt.button(data)
		if !ok || route.prefix != prefix {
			t.Fatalf("%q routes to %q (%v), want %q", data, route.prefix, ok, prefix)
		}
		got, err := route.decode(data)
		if err != nil || got != want {
			t.Fatalf("%q decodes to %v (%v), want %v", data, got, err, want)
		}
	}
	check(claimButton.data(12), "tc:", int64(12))
	check(doneButton.data(idWord{12, domain.OutcomeInPerson}), "td:", idWord{12, domain.OutcomeInPerson})
	check(rateButton.data(idWord{9, "4"}), "rt:", idWord{9, "4"})
	check(bcAudienceButton.data(idWord{3, audienceVolunteers}), "ba:", idWord{3, audienceVolunteers})
	check(menuButton.data(struct{}{}), "m", struct{}{})
	check(communeSkipButton.data(struct{}{}), "cm-", struct{}{})
	check(communePickButton.data("16522"), "cm:", "16522")
	check(flows.ChoiceData("vneid", "prep", 3), "c:", flows.Button{Kind: flows.ButtonChoice, Flow: "vneid", Step: "prep", Choice: 3})
	check(flows.AnswerData("safety", "otp_1", 1), "v:", flows.Button{Kind: flows.ButtonAnswer, Flow: "safety", Step: "otp_1", Choice: 1})
	for _, forged := range []string{"tc:007", "tc:+7", "td:12:bogus", "rt:7:6", "c:vneid:prep:01", "ba:3:everyone", "forget:maybe"} {
		if route, ok := rt.button(forged); ok {
			if _, err := route.decode(forged); err == nil {
				t.Errorf("forged %q decodes", forged)
			}
		}
	}
}
