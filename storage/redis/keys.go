package redis

import "strconv"

// Key layout, for prefix p (default "hotroso"):
//
//	p:user:<id>                   hash    user fields (see users.go)
//	p:{s<n>}:session:<chatID>     hash    v -> version, d -> Session JSON
//	p:{s<n>}:idle                 zset    member chatID, score UpdatedAt unix ms;
//	                                      the shard's sessions that are in a
//	                                      flow and not abandoned
//	p:dedup:<updateID>            string  "1", TTL storage.DedupWindow
//	p:{f}:funnel                  zset    member <seq>:<FunnelEvent JSON>,
//	                                      score At unix ms
//	p:{f}:funnel:seq              string  counter that makes funnel members unique
//
// Slots. Only multi-key operations need their keys in one Redis Cluster slot,
// and the part of a key between the first "{" and "}" (the hash tag) is all
// the cluster hashes. Saving a session writes the session and its idle index
// in one script; if there were a single idle set, every session would need
// its tag and all sessions would sit in one slot, on one node. Instead chats
// are split into sessionShards shards by chat id (n below): a shard's
// sessions and its idle set share the tag {s<n>}, so each script touches one
// slot while sessions spread over up to sessionShards slots. IdleSessions
// reads all the shards' idle sets (a pipeline, which the cluster client
// splits by node) and merges them. The funnel set and its counter share {f}.
// Users and dedup keys are single-key, untagged, and spread freely.
//
// The prefix must not contain "{" or "}", or it would become the hash tag.
type keyspace struct {
	prefix string
}

// sessionShards is how many shards sessions and the idle index are split
// into. Changing it moves every session key: it is part of the data layout.
const sessionShards = 16

// shard is the session shard of a chat; chat ids may be negative.
func shard(chatID int64) int {
	return int(uint64(chatID) % sessionShards)
}

func (k keyspace) user(id int64) string {
	return k.prefix + ":user:" + strconv.FormatInt(id, 10)
}

func (k keyspace) session(chatID int64) string {
	return k.shardTag(shard(chatID)) + ":session:" + strconv.FormatInt(chatID, 10)
}

// idleFor is the idle set holding chatID's session.
func (k keyspace) idleFor(chatID int64) string {
	return k.idle(shard(chatID))
}

func (k keyspace) idle(shard int) string {
	return k.shardTag(shard) + ":idle"
}

func (k keyspace) shardTag(shard int) string {
	return k.prefix + ":{s" + strconv.Itoa(shard) + "}"
}

func (k keyspace) dedup(updateID int64) string {
	return k.prefix + ":dedup:" + strconv.FormatInt(updateID, 10)
}

func (k keyspace) funnel() string {
	return k.prefix + ":{f}:funnel"
}

func (k keyspace) funnelSeq() string {
	return k.prefix + ":{f}:funnel:seq"
}
