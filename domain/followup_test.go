package domain

import (
	"testing"
	"time"
)

func TestNewFollowUpIsDueTwoDaysLater(t *testing.T) {
	ended := time.Date(2026, 3, 9, 22, 5, 0, 0, time.FixedZone("ICT", 7*3600))
	f := NewFollowUp(42, "dossier", "sent_done", ended)
	if !f.DueAt.Equal(ended.Add(48*time.Hour)) || f.DueAt.Location() != time.UTC {
		t.Errorf("due %v, want %v in UTC", f.DueAt, ended.Add(48*time.Hour))
	}
	if f.ResidentID != 42 || f.FlowID != "dossier" || f.Step != "sent_done" {
		t.Errorf("follow-up %+v", f)
	}
	if f.Expired(f.DueAt.Add(FollowUpGiveUp - time.Second)) {
		t.Error("expired before FollowUpGiveUp")
	}
	if !f.Expired(f.DueAt.Add(FollowUpGiveUp)) {
		t.Error("not expired after FollowUpGiveUp")
	}
}

func TestValidFollowUpOutcome(t *testing.T) {
	for _, o := range []string{FollowUpAccepted, FollowUpWaiting, FollowUpSentBack} {
		if !ValidFollowUpOutcome(o) {
			t.Errorf("%q refused", o)
		}
	}
	for _, o := range []string{"", "done", "ACCEPTED", "sent back"} {
		if ValidFollowUpOutcome(o) {
			t.Errorf("%q accepted", o)
		}
	}
}
