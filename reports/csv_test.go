package reports

import (
	"bytes"
	"encoding/csv"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
)

func TestWriteCSV(t *testing.T) {
	loc := hcm(t)
	assists := []domain.Assist{
		{At: time.Date(2026, 3, 8, 16, 30, 5, 0, time.UTC), Kind: domain.AssistFlow, FlowID: "vneid",
			Step: "Nhập mã OTP", Outcome: "đã xong", Commune: "Thọ Xuân", Resident: "3f9a0c1d2e4b5a6978c0d1e2"},
		{At: time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC), Kind: domain.AssistTicket, TicketID: 42,
			Waiting: 12*time.Minute + 30*time.Second, Handling: 65*time.Minute + 6*time.Second, VolunteerID: 555,
			Commune: "Hoằng Hóa, Thanh Hóa", Outcome: `trả lời "ok"`, Rating: 4, Worked: "yes", Resident: "0123456789abcdef01234567"},
		// A raw messenger id where the hash belongs, and a formula-like step.
		{At: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), Kind: domain.AssistFlow, FlowID: "bank",
			Step: "=HYPERLINK(\"x\")", Resident: "987654321"},
		{At: time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC), Kind: domain.AssistInPerson, ID: "m7-0000000a1b2c", People: 12,
			Topic: domain.TopicVNeIDLevel2, Note: "-tại nhà văn hóa", VolunteerID: 555, Commune: "16522"},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, assists, loc); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()
	if !bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) {
		t.Fatalf("no byte-order mark: % x", out[:min(len(out), 8)])
	}
	if bytes.Contains(out, []byte("987654321")) {
		t.Error("a raw resident id is in the file")
	}
	rows, err := csv.NewReader(bytes.NewReader(out[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"time", "kind", "ticket", "flow", "step", "outcome", "waiting_min", "handling_min",
			"volunteer_id", "commune", "rating", "worked", "resident_hash", "id", "people", "topic", "note"},
		{"2026-03-08 23:30:05", "flow", "", "vneid", "Nhập mã OTP", "đã xong", "", "", "", "Thọ Xuân", "", "", "3f9a0c1d2e4b5a6978c0d1e2", "", "", "", ""},
		{"2026-03-09 09:00:00", "ticket", "42", "", "", `trả lời "ok"`, "12.5", "65.1", "555", "Hoằng Hóa, Thanh Hóa", "4", "yes", "0123456789abcdef01234567", "", "", "", ""},
		{"2026-03-10 07:00:00", "flow", "", "bank", "'=HYPERLINK(\"x\")", "", "", "", "", "", "", "", "", "", "", "", ""},
		{"2026-03-10 08:00:00", "in_person", "", "", "", "", "", "", "555", "16522", "", "", "", "m7-0000000a1b2c", "12", "vneid_level2", "'-tại nhà văn hóa"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
	for _, col := range rows[0] {
		if strings.Contains(col, "name") || col == "resident" || col == "resident_id" || col == "user_id" {
			t.Errorf("personal column %q", col)
		}
	}
}

func TestWriteCSVEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "\uFEFF"+strings.Join(CSVHeader, ",")+"\r\n"; got != want {
		t.Errorf("empty log gave %q, want %q", got, want)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after <= 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}

func TestWriteCSVError(t *testing.T) {
	if err := WriteCSV(&failingWriter{}, nil, nil); err == nil {
		t.Error("a failed byte-order mark gave no error")
	}
	if err := WriteCSV(&failingWriter{after: 1}, []domain.Assist{{Kind: domain.AssistFlow}}, nil); err == nil {
		t.Error("a failed write gave no error")
	}
}
