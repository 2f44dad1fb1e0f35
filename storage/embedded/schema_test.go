package embedded

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotroso/hotroso/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"
)

// writeV1File writes a file in the schema version 1 layout holding users.
func writeV1File(t *testing.T, path string, users ...domain.User) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketUsers, bucketSessions, bucketIdle, bucketDedup, bucketFunnel, bucketMeta} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		for _, u := range users {
			data, err := json.Marshal(u)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketUsers).Put(idKey(u.ID), data); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, putInt(nil, 1))
	}))
	require.NoError(t, db.Close())
}

func TestSchemaUpgrade(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	writeV1File(t, path,
		domain.User{ID: 30, Role: domain.RoleVolunteer, CreatedAt: now, UpdatedAt: now},
		domain.User{ID: 2, CreatedAt: now, UpdatedAt: now},
		domain.User{ID: 4, Role: domain.RoleVolunteer, CreatedAt: now, UpdatedAt: now},
		domain.User{ID: 5, Role: domain.RoleOrganizer, CreatedAt: now, UpdatedAt: now},
	)

	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.Equal(t, int64(schemaVersion), getInt(tx.Bucket(bucketMeta).Get(metaSchema)))
		return nil
	}))

	ids := func(role domain.Role) []int64 {
		t.Helper()
		us, err := s.UsersWithRole(ctx, role)
		require.NoError(t, err)
		out := []int64{}
		for _, u := range us {
			out = append(out, u.ID)
		}
		return out
	}
	assert.Equal(t, []int64{4, 30}, ids(domain.RoleVolunteer), "the roles index is built on upgrade")
	assert.Equal(t, []int64{2}, ids(domain.RoleResident))
	assert.Equal(t, []int64{5}, ids(domain.RoleOrganizer))

	// The new buckets work.
	tk, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 2, State: domain.TicketOpen, CreatedAt: now})
	require.NoError(t, err)
	assert.Equal(t, int64(1), tk.ID)
}

func TestSchemaUpgradeFrom2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	// A version 2 file: every bucket but the broadcast ones.
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketUsers, bucketSessions, bucketIdle, bucketDedup, bucketFunnel, bucketMeta,
			bucketRoles, bucketTickets, bucketTicketActive, bucketTicketQueue, bucketTicketClaims, bucketTicketLeases,
			bucketAssists, bucketRatings, bucketInvites} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, putInt(nil, 2))
	}))
	require.NoError(t, db.Close())

	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		assert.Equal(t, int64(schemaVersion), getInt(tx.Bucket(bucketMeta).Get(metaSchema)))
		return nil
	}))
	b, err := s.CreateBroadcast(ctx, domain.Broadcast{State: domain.BroadcastDraft, CreatedAt: now})
	require.NoError(t, err)
	assert.Equal(t, int64(1), b.ID)
	require.NoError(t, s.AddRecipients(ctx, b.ID, []int64{1}))
}

func TestNewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotroso.db")
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return meta.Put(metaSchema, putInt(nil, schemaVersion+1))
	}))
	require.NoError(t, db.Close())
	_, err = Open(path)
	require.ErrorContains(t, err, "schema version")
}

// TestSchemaUpgradeFrom3 builds the tickets-by-resident index from the
// tickets a version 3 file holds, so that erasure finds them.
func TestSchemaUpgradeFrom3(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s, err := Open(path)
	require.NoError(t, err)
	tk, err := s.OpenTicket(ctx, domain.Ticket{ResidentID: 2, State: domain.TicketOpen, CreatedAt: now})
	require.NoError(t, err)
	// Make it a version 3 file: no index.
	require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketTicketResident); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, putInt(nil, 3))
	}))
	require.NoError(t, s.Close())

	s, err = Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	erased, err := s.EraseResident(ctx, 2, "")
	require.NoError(t, err)
	require.Len(t, erased, 1, "the upgrade indexed the old ticket")
	assert.Equal(t, tk.ID, erased[0].ID)
}

// A version 5 file written before the counters joined version 5 (the
// logbook's ids of its own, a note kept apart) gets its counters built and
// its ids indexed when opened, once.
func TestSchema5WithoutCountersGetsThem(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hotroso.db")
	at := time.Date(2026, 3, 9, 2, 0, 0, 0, time.UTC)
	logged := domain.Assist{At: at, Kind: domain.AssistInPerson, ID: "0123456789abcdef", People: 3, VolunteerID: 7,
		Commune: "16522", Topic: domain.TopicPayment}
	web := domain.Assist{At: at.Add(time.Minute), Kind: domain.AssistFlow, FlowID: "vneid", Commune: "16522", Channel: domain.ChannelWeb}
	db, err := bolt.Open(path, 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketAssists, bucketAssistNotes, bucketFunnel} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		for i, a := range []domain.Assist{logged, web} {
			data, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketAssists).Put(funnelKey(a.At, uint64(i+1)), data); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketAssistNotes).Put([]byte(logged.ID), []byte("ở thôn 3")); err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(metaSchema, putInt(nil, 5))
	}))
	require.NoError(t, db.Close())

	for range 2 { // the second opening finds them built
		s, err := Open(path)
		require.NoError(t, err)
		total, err := s.AssistTotals(ctx, "16522")
		require.NoError(t, err)
		assert.EqualValues(t, 3, total[domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistInPerson, Commune: "16522"}])
		assert.EqualValues(t, 1, total[domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistFlow, Commune: "16522", Channel: domain.ChannelWeb}])
		require.NoError(t, s.Close())
	}
	s, err := Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	got, err := s.WithdrawAssist(ctx, logged.ID)
	require.NoError(t, err, "its own id is indexed")
	assert.Equal(t, "ở thôn 3", got.Note)
	total, err := s.AssistTotals(ctx, "")
	require.NoError(t, err)
	assert.Zero(t, total[domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistInPerson, Commune: "16522"}], "withdrawn from the counters")
	assert.EqualValues(t, 1, total[domain.CountKey{Part: domain.CountDaily, Kind: domain.AssistFlow, Commune: "16522", Channel: domain.ChannelWeb}])
}
