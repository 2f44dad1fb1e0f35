package embedded

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Buckets. Keys are big-endian so that bbolt's byte order is numeric order;
// signed numbers have their sign bit flipped (see putInt) so negatives sort
// first.
var (
	// bucketUsers: user id -> User JSON.
	bucketUsers = []byte("users")
	// bucketSessions: chat id -> Session JSON.
	bucketSessions = []byte("sessions")
	// bucketIdle: UpdatedAt nanos ‖ chat id -> nothing, for the sessions
	// that are in a flow and not abandoned. Written in the same transaction
	// as bucketSessions.
	bucketIdle = []byte("idle")
	// bucketDedup: update id -> first-seen nanos.
	bucketDedup = []byte("dedup")
	// bucketFunnel: At nanos ‖ sequence -> FunnelEvent JSON.
	bucketFunnel = []byte("funnel")
	// bucketMeta: bookkeeping, see the meta* keys.
	bucketMeta = []byte("meta")
)

var (
	// metaSchema holds the layout version of the file.
	metaSchema = []byte("schema")
	// metaDedupPruned holds when dedup entries were last pruned (nanos).
	metaDedupPruned = []byte("dedup_pruned_at")
)

// schemaVersion is the layout described above. Bump it, with a migration,
// when the layout changes.
const schemaVersion = 1

// initSchema creates the buckets and checks the layout version.
func initSchema(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketUsers, bucketSessions, bucketIdle, bucketDedup, bucketFunnel, bucketMeta} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	meta := tx.Bucket(bucketMeta)
	if v := meta.Get(metaSchema); v != nil {
		if got := getInt(v); got != schemaVersion {
			return fmt.Errorf("file has schema version %d, this build reads %d", got, schemaVersion)
		}
		return nil
	}
	return meta.Put(metaSchema, putInt(nil, schemaVersion))
}

// putInt appends n as 8 bytes that sort like the signed number.
func putInt(b []byte, n int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(n)^(1<<63))
}

// getInt reads the first 8 bytes written by putInt.
func getInt(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
}

// Bounds of what UnixNano can represent.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos is t.UnixNano clamped to the int64 range, so that far bounds such
// as the zero Time still sort correctly.
func nanos(t time.Time) int64 {
	switch {
	case t.Before(minTime):
		return math.MinInt64
	case t.After(maxTime):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// putTime appends t as 8 bytes that sort like t.
func putTime(b []byte, t time.Time) []byte {
	return putInt(b, nanos(t))
}

// getTime reads the first 8 bytes written by putTime, in UTC.
func getTime(b []byte) time.Time {
	return time.Unix(0, getInt(b)).UTC()
}

// idKey is the key of a user, session or update id.
func idKey(id int64) []byte {
	return putInt(make([]byte, 0, 8), id)
}

// idleKey is the bucketIdle key of a session.
func idleKey(updatedAt time.Time, chatID int64) []byte {
	return putInt(putTime(make([]byte, 0, 16), updatedAt), chatID)
}

// funnelKey is the bucketFunnel key of an event.
func funnelKey(at time.Time, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(putTime(make([]byte, 0, 16), at), seq)
}
