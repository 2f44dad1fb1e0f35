package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// CSVHeader is the header row WriteCSV writes.
var CSVHeader = []string{
	"time", "kind", "ticket", "flow", "step", "outcome", "waiting_min", "handling_min",
	"volunteer_id", "commune", "rating", "worked", "resident_hash",
	"id", "people", "topic", "note",
}

// bom is the UTF-8 byte-order mark, which tells Excel the file is UTF-8.
const bom = "\uFEFF"

// WriteCSV writes the assist log as CSV for a spreadsheet: a UTF-8
// byte-order mark, the CSVHeader row, then one row per assist in the given
// order, with CRLF line ends. Times are in loc (nil: UTC+7) as
// "2006-01-02 15:04:05"; waiting and handling are minutes with one decimal.
// Zero numbers (no ticket, duration, volunteer, rating or people) are
// empty cells. See CSV for the rules of each row.
func WriteCSV(w io.Writer, assists []domain.Assist, loc *time.Location) error {
	c, err := NewCSV(w, loc)
	if err != nil {
		return err
	}
	for _, a := range assists {
		if err := c.Write(a); err != nil {
			return err
		}
	}
	return c.Close()
}

// CSV writes the assist log as CSV row by row, as a store's scan hands the
// records over, so that an export holds one record at a time.
//
// The log holds no personal data and the file adds none: the resident is
// only the salted hash the log keeps, and a resident value that is a bare
// integer (a messenger id recorded by mistake) is left empty; a note was
// masked before it was stored. A text cell starting with =, +, -, @, tab
// or CR gets a leading apostrophe, so a spreadsheet does not run it as a
// formula.
type CSV struct {
	cw   *csv.Writer
	loc  *time.Location
	rows int
	row  []string
}

// NewCSV writes the byte-order mark and the header row to w.
func NewCSV(w io.Writer, loc *time.Location) (*CSV, error) {
	if _, err := io.WriteString(w, bom); err != nil {
		return nil, err
	}
	c := &CSV{cw: csv.NewWriter(w), loc: location(loc), row: make([]string, len(CSVHeader))}
	c.cw.UseCRLF = true
	if err := c.cw.Write(CSVHeader); err != nil {
		return nil, err
	}
	return c, nil
}

// Write writes one assist's row.
func (c *CSV) Write(a domain.Assist) error {
	resident := a.Resident
	if _, err := strconv.ParseInt(resident, 10, 64); err == nil {
		resident = ""
	}
	at := ""
	if !a.At.IsZero() {
		at = a.At.In(c.loc).Format(time.DateTime)
	}
	c.row = append(c.row[:0], at, cell(string(a.Kind)), number(a.TicketID), cell(a.FlowID), cell(a.Step),
		cell(a.Outcome), minutes(a.Waiting), minutes(a.Handling), number(a.VolunteerID), cell(a.Commune),
		number(int64(a.Rating)), cell(a.Worked), cell(resident),
		cell(a.ID), number(int64(a.People)), cell(a.Topic), cell(a.Note))
	c.rows++
	return c.cw.Write(c.row)
}

// Rows is how many assists were written.
func (c *CSV) Rows() int { return c.rows }

// Close flushes what is buffered and reports any error of the writes.
func (c *CSV) Close() error {
	c.cw.Flush()
	return c.cw.Error()
}

// cell returns a text cell, defused when a spreadsheet would read it as a
// formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// number returns n in decimal, or "" for 0.
func number(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// minutes returns d in minutes with one decimal, or "" for 0.
func minutes(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return strconv.FormatFloat(d.Minutes(), 'f', 1, 64)
}
