// Package rollup is what both store backends share about the counters kept
// beside the assist log and the funnel: how a record is counted, how a
// count is written as a field name, the local day a record falls on, and
// the ids of assist records.
//
// A record is counted once, by its fine field: its day and every
// dimension (kind, commune, flow, outcome, topic, volunteer, waiting and
// handling buckets, rating, worked, channel), with the record's weight. Counts
// projects a fine field onto the coarse counts a report reads
// (domain.CountKey): per day and in total. The Redis backend keeps fine
// fields first (one increment per record) and projects them later, in Lua
// (storage/redis), which mirrors Counts; bbolt projects at once.
package rollup

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hotroso/hotroso/domain"
)

// Vietnam is the location days are counted in unless a store is told
// otherwise: Vietnam keeps UTC+7 all year.
var Vietnam = time.FixedZone("ICT", 7*60*60)

// DayLayout is how a day is written in keys: sorts like the day.
const DayLayout = "20060102"

// Day is the local day of t in loc, as written in keys.
func Day(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(DayLayout)
}

// Midnight is the start of a day written by Day, in loc.
func Midnight(day string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(DayLayout, day, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("rollup: day %q: %w", day, err)
	}
	return t, nil
}

// Days lists the days from first's to last's, both included, in loc; at
// most max days (the latest ones).
func Days(first, last time.Time, loc *time.Location, maxDays int) []string {
	y, m, d := first.In(loc).Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	end := Day(last, loc)
	var out []string
	for k := Day(day, loc); k <= end; k = Day(day, loc) {
		out = append(out, k)
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
	}
	if len(out) > maxDays {
		out = out[len(out)-maxDays:]
	}
	return out
}

// Fine field parts, in order.
const (
	fDay = iota
	fKind
	fCommune
	fFlow
	fOutcome
	fTopic
	fVolunteer
	fWaiting
	fHandling
	fRating
	fWorked
	fChannel
	fineParts
)

// sep separates the parts of a field; escape keeps it out of values.
const sep = "|"

var (
	escaper   = strings.NewReplacer("%", "%25", "|", "%7C")
	unescaper = strings.NewReplacer("%7C", "|", "%25", "%")
)

// Fine is the fine field of an assist record on day (see Day): every
// dimension it is counted by. Its count is the record's Weight.
func Fine(day string, a domain.Assist) string {
	p := make([]string, fineParts)
	p[fDay], p[fKind], p[fCommune] = day, escaper.Replace(string(a.Kind)), escaper.Replace(a.Commune)
	p[fFlow], p[fOutcome], p[fTopic] = escaper.Replace(a.FlowID), escaper.Replace(a.Outcome), escaper.Replace(a.Topic)
	if a.VolunteerID != 0 {
		p[fVolunteer] = strconv.FormatInt(a.VolunteerID, 10)
	}
	if a.Kind == domain.AssistTicket {
		p[fWaiting] = strconv.Itoa(domain.MinuteBucket(a.Waiting))
		p[fHandling] = strconv.Itoa(domain.MinuteBucket(a.Handling))
	}
	if a.Rating >= 1 && a.Rating <= 5 {
		p[fRating] = strconv.Itoa(a.Rating)
	}
	if a.Worked == "yes" || a.Worked == "no" {
		p[fWorked] = a.Worked
	}
	p[fChannel] = escaper.Replace(string(channel(a.Channel)))
	return strings.Join(p, sep)
}

// channel is how a record's channel is counted: Telegram as "", the way
// the records from before channels have it.
func channel(c domain.Channel) domain.Channel {
	if c == domain.ChannelTelegram {
		return ""
	}
	return c
}

// FineRating is the fine field of a rating given with RateTicket, counted
// on day in commune: no kind, so it counts as a rating and a "worked"
// answer only. rating 0 and worked "" leave that part out.
func FineRating(day, commune string, rating int, worked string) string {
	return Fine(day, domain.Assist{Commune: commune, Rating: rating, Worked: worked})
}

// RatingPlace is the start of the fine fields of the ratings counted on
// day in commune: FineRating's is it, then "|||||||", the rating (or
// nothing), "|", the worked answer and "|" (no channel).
func RatingPlace(day, commune string) string {
	return day + sep + sep + escaper.Replace(commune)
}

// Delta is a change of one coarse count.
type Delta struct {
	Key domain.CountKey
	N   int64
}

// Counts returns the coarse counts a fine field with count n adds to, and
// its day. The Lua projection in storage/redis mirrors it.
func Counts(fine string, n int64) (string, []Delta, error) {
	p := strings.Split(fine, sep)
	if len(p) != fineParts {
		return "", nil, fmt.Errorf("rollup: fine field %q has %d parts, want %d", fine, len(p), fineParts)
	}
	var out []Delta
	kind, commune := domain.AssistKind(unescaper.Replace(p[fKind])), unescaper.Replace(p[fCommune])
	if kind != "" {
		out = append(out, Delta{domain.CountKey{Part: domain.CountAssists, Kind: kind, Commune: commune,
			Flow: unescaper.Replace(p[fFlow]), Outcome: unescaper.Replace(p[fOutcome]), Topic: unescaper.Replace(p[fTopic])}, n},
			Delta{domain.CountKey{Part: domain.CountDaily, Kind: kind, Commune: commune,
				Channel: domain.Channel(unescaper.Replace(p[fChannel]))}, n})
	}
	if p[fVolunteer] != "" {
		v, err := strconv.ParseInt(p[fVolunteer], 10, 64)
		if err != nil {
			return "", nil, fmt.Errorf("rollup: fine field %q: volunteer: %w", fine, err)
		}
		out = append(out, Delta{domain.CountKey{Part: domain.CountByVolunteer, Kind: kind, Commune: commune, Volunteer: v}, n})
	}
	for _, b := range []struct {
		part domain.CountPart
		i    int
	}{{domain.CountWaiting, fWaiting}, {domain.CountHandling, fHandling}, {domain.CountRating, fRating}} {
		if p[b.i] == "" {
			continue
		}
		v, err := strconv.Atoi(p[b.i])
		if err != nil {
			return "", nil, fmt.Errorf("rollup: fine field %q: bucket: %w", fine, err)
		}
		out = append(out, Delta{domain.CountKey{Part: b.part, Commune: commune, Bucket: v}, n})
	}
	if p[fWorked] != "" {
		out = append(out, Delta{domain.CountKey{Part: domain.CountWorked, Commune: commune, Outcome: p[fWorked]}, n})
	}
	return p[fDay], out, nil
}

// AssistCounts returns the coarse counts an assist record adds on day.
func AssistCounts(day string, a domain.Assist) []Delta {
	_, out, err := Counts(Fine(day, a), int64(a.Weight()))
	if err != nil {
		panic(err) // Fine writes what Counts reads
	}
	return out
}

// Field writes a coarse count's key as a field name: the part, kind,
// commune, flow, outcome, topic, volunteer, bucket and channel, separated
// by "|" (values escaped); zero values are empty.
func Field(k domain.CountKey) string {
	vol, bucket := "", ""
	if k.Volunteer != 0 {
		vol = strconv.FormatInt(k.Volunteer, 10)
	}
	if k.Part == domain.CountWaiting || k.Part == domain.CountHandling || k.Part == domain.CountRating {
		bucket = strconv.Itoa(k.Bucket)
	}
	return strings.Join([]string{string(k.Part), escaper.Replace(string(k.Kind)), escaper.Replace(k.Commune),
		escaper.Replace(k.Flow), escaper.Replace(k.Outcome), escaper.Replace(k.Topic), vol, bucket,
		escaper.Replace(string(k.Channel))}, sep)
}

// fieldParts is how many parts Field writes.
const fieldParts = 9

// ParseField reads a field written by Field. The strings of the key share
// the field's memory: a report reads tens of thousands of fields.
func ParseField(f string) (domain.CountKey, error) {
	var p [fieldParts]string
	rest := f
	for i := range p {
		var ok bool
		if p[i], rest, ok = strings.Cut(rest, sep); !ok && i < len(p)-1 {
			return domain.CountKey{}, fmt.Errorf("rollup: count field %q has %d parts, want %d", f, i+1, fieldParts)
		}
	}
	if rest != "" || strings.Contains(p[fieldParts-1], sep) {
		return domain.CountKey{}, fmt.Errorf("rollup: count field %q has more than %d parts", f, fieldParts)
	}
	k := domain.CountKey{Part: domain.CountPart(p[0]), Kind: domain.AssistKind(unescape(p[1])),
		Commune: unescape(p[2]), Flow: unescape(p[3]), Outcome: unescape(p[4]), Topic: unescape(p[5]),
		Channel: domain.Channel(unescape(p[8]))}
	var err error
	if p[6] != "" {
		if k.Volunteer, err = strconv.ParseInt(p[6], 10, 64); err != nil {
			return k, fmt.Errorf("rollup: count field %q: volunteer: %w", f, err)
		}
	}
	if p[7] != "" {
		if k.Bucket, err = strconv.Atoi(p[7]); err != nil {
			return k, fmt.Errorf("rollup: count field %q: bucket: %w", f, err)
		}
	}
	return k, nil
}

// unescape undoes escaper, without copying a value that has no escapes.
func unescape(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	return unescaper.Replace(s)
}

// FieldCommune is the commune of a field written by Field, without parsing
// the rest, so that a scoped read skips other communes cheaply.
func FieldCommune(f string) string {
	_, rest, _ := strings.Cut(f, sep)
	_, rest, _ = strings.Cut(rest, sep)
	c, _, _ := strings.Cut(rest, sep)
	return unescape(c)
}

// FunnelField writes a funnel count's key as a field name.
func FunnelField(k domain.FunnelKey) string {
	return strings.Join([]string{escaper.Replace(k.Flow), escaper.Replace(string(k.Kind)),
		escaper.Replace(k.Step), escaper.Replace(k.Outcome)}, sep)
}

// ParseFunnelField reads a field written by FunnelField.
func ParseFunnelField(f string) (domain.FunnelKey, error) {
	p := strings.Split(f, sep)
	if len(p) != 4 {
		return domain.FunnelKey{}, fmt.Errorf("rollup: funnel field %q has %d parts, want 4", f, len(p))
	}
	return domain.FunnelKey{Flow: unescaper.Replace(p[0]), Kind: domain.FunnelKind(unescaper.Replace(p[1])),
		Step: unescaper.Replace(p[2]), Outcome: unescaper.Replace(p[3])}, nil
}
