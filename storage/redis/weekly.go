package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/hotroso/hotroso/storage"
)

// ClaimWeeklyReport claims the week's report for the organizer with one
// SET NX, kept storage.WeeklyClaimKept (Redis' own clock expires it).
func (s *Store) ClaimWeeklyReport(ctx context.Context, week string, organizerID int64, _ time.Time) (bool, error) {
	ok, err := s.client.SetNX(ctx, s.keys.weeklyClaim(week, organizerID), "1", storage.WeeklyClaimKept).Result()
	if err != nil {
		return false, wrapErr(fmt.Sprintf("claim the weekly report %s of %d", week, organizerID), err)
	}
	return ok, nil
}
