package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/hotroso/hotroso/domain"
	"github.com/hotroso/hotroso/storage"
)

// A user is a hash with one field per attribute, so that SetBlocked can
// change a field in place without decoding JSON in Lua. Times are RFC 3339
// with nanoseconds.
const (
	fieldID        = "id"
	fieldRole      = "role"
	fieldLanguage  = "lang"
	fieldCommune   = "commune"
	fieldScope     = "scope"   // absent before it existed: province-wide
	fieldInvited   = "invited" // absent before it existed: not invited
	fieldBlocked   = "blocked"
	fieldName      = "name"
	fieldOnDuty    = "on_duty"
	fieldCreatedAt = "created_at"
	fieldUpdatedAt = "updated_at"
	// fieldNoAnnouncements is absent from users stored before it existed,
	// which decodes as false: they get announcements.
	fieldNoAnnouncements = "no_announcements"
	// fieldNoFollowUps is absent from users stored before it existed: they
	// get follow-up questions.
	fieldNoFollowUps = "no_follow_ups"
)

// GetUser returns the user, or an error wrapping storage.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id int64) (domain.User, error) {
	op := fmt.Sprintf("get user %d", id)
	fields, err := s.client.HGetAll(ctx, s.keys.user(id)).Result()
	if err != nil {
		return domain.User{}, wrapErr(op, err)
	}
	if len(fields) == 0 {
		return domain.User{}, fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	u, err := decodeUser(fields)
	if err != nil {
		return domain.User{}, fmt.Errorf("redis: %s: decode: %w", op, err)
	}
	return u, nil
}

// PutUser creates or replaces the user as given, and files it under its
// role.
//
// The user hash is replaced atomically; the role sets live in other slots,
// so they follow in later round trips: add to the new role's set, remove
// from the other roles' sets, then read the stored role back and add the
// user to that role's set. Every removal from a role set (here, in
// DeleteUser, in UsersWithRole) is followed by such a read-back, so however
// concurrent writes of one user interleave, once they are done the user is
// in the set of the role stored last. The sets may meanwhile hold stale
// ids, which UsersWithRole skips and removes. A failure between the steps
// can leave the index behind the user hash until the next PutUser.
func (s *Store) PutUser(ctx context.Context, u domain.User) error {
	op := fmt.Sprintf("put user %d", u.ID)
	fields, err := encodeUser(u)
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	key := s.keys.user(u.ID)
	var oldRole *goredis.StringCmd
	_, err = s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		oldRole = p.HGet(ctx, key, fieldRole)
		p.Del(ctx, key) // replace, not merge
		p.HSet(ctx, key, fields)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return wrapErr(op, err)
	}
	from := standardRoles
	if old, err := oldRole.Result(); err == nil {
		from = append(slices.Clip(from), domain.Role(old))
	}
	if err := s.moveRole(ctx, u.ID, []domain.Role{u.Role}, from); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// standardRoles are the roles a user is removed from when its role changes
// (besides its previous role, whatever that was).
var standardRoles = []domain.Role{domain.RoleResident, domain.RoleVolunteer, domain.RoleOrganizer}

// moveRole adds user id to the sets of the roles in to, removes it from the
// sets of the other roles in from, then makes sure the user is in its
// stored role's set.
func (s *Store) moveRole(ctx context.Context, id int64, to, from []domain.Role) error {
	member := strconv.FormatInt(id, 10)
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		done := map[string]bool{}
		for _, r := range to {
			key := s.keys.role(r)
			done[key] = true
			p.SAdd(ctx, key, member)
		}
		for _, r := range from {
			if key := s.keys.role(r); !done[key] {
				done[key] = true
				p.SRem(ctx, key, member)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.refileRoles(ctx, []int64{id})
}

// refileRoles reads the stored role of each user and adds the user to that
// role's set: the read-back that follows every removal from a role set.
func (s *Store) refileRoles(ctx context.Context, ids []int64) error {
	roles := make([]*goredis.StringCmd, len(ids))
	_, err := s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			roles[i] = p.HGet(ctx, s.keys.user(id), fieldRole)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return err
	}
	for _, cmd := range roles {
		if err := cmd.Err(); err != nil && !errors.Is(err, goredis.Nil) {
			return err
		}
	}
	_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			if role, err := roles[i].Result(); err == nil { // goredis.Nil: no such user
				p.SAdd(ctx, s.keys.role(domain.Role(role)), strconv.FormatInt(id, 10))
			}
		}
		return nil
	})
	return err
}

// SetBlocked sets the user's Blocked flag and stamps UpdatedAt with the
// store's clock. It returns an error wrapping storage.ErrNotFound for an
// unknown user.
func (s *Store) SetBlocked(ctx context.Context, id int64, blocked bool) error {
	op := fmt.Sprintf("set blocked user %d", id)
	updated, err := s.now().MarshalText()
	if err != nil {
		return fmt.Errorf("redis: %s: encode: %w", op, err)
	}
	n, err := setBlockedCmd.Run(ctx, s.client, []string{s.keys.user(id)}, boolField(blocked), updated).Int()
	if err != nil {
		return wrapErr(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, storage.ErrNotFound)
	}
	return nil
}

// DeleteUser erases the user; an unknown user is not an error. It then
// removes the user from the role sets (see PutUser).
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	op := fmt.Sprintf("delete user %d", id)
	key := s.keys.user(id)
	var oldRole *goredis.StringCmd
	_, err := s.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		oldRole = p.HGet(ctx, key, fieldRole)
		p.Del(ctx, key)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) {
		return wrapErr(op, err)
	}
	from := standardRoles
	if old, err := oldRole.Result(); err == nil {
		from = append(slices.Clip(from), domain.Role(old))
	}
	if err := s.moveRole(ctx, id, nil, from); err != nil {
		return wrapErr(op, err)
	}
	return nil
}

// UsersWithRole returns every user whose role is role, by ascending id. A
// user with no role counts as a resident.
//
// It reads the role's set and loads each user it names (a pipeline, which
// the cluster client splits by node), keeping those whose stored role is
// role. Ids the set names wrongly (a user deleted or moved to another role
// while PutUser or DeleteUser was between steps) are skipped and removed
// from the set.
func (s *Store) UsersWithRole(ctx context.Context, role domain.Role) ([]domain.User, error) {
	op := fmt.Sprintf("users with role %q", role)
	role = effectiveRole(role)
	members, err := s.client.SMembers(ctx, s.keys.role(role)).Result()
	if err != nil {
		return nil, wrapErr(op, err)
	}
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		id, err := strconv.ParseInt(m, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: set member %q: %w", op, m, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	cmds := make([]*goredis.MapStringStringCmd, len(ids))
	_, err = s.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keys.user(id))
		}
		return nil
	})
	if err != nil {
		return nil, wrapErr(op, err)
	}
	out := make([]domain.User, 0, len(ids))
	var stale []int64
	for i, cmd := range cmds {
		fields := cmd.Val()
		if len(fields) == 0 {
			stale = append(stale, ids[i])
			continue
		}
		u, err := decodeUser(fields)
		if err != nil {
			return nil, fmt.Errorf("redis: %s: decode user %d: %w", op, ids[i], err)
		}
		if effectiveRole(u.Role) != role {
			stale = append(stale, ids[i])
			continue
		}
		out = append(out, u)
	}
	if len(stale) > 0 {
		if err := s.dropStale(ctx, role, stale); err != nil {
			return nil, wrapErr(op, err)
		}
	}
	return out, nil
}

// dropStale removes ids from role's set, then refiles them (see PutUser).
func (s *Store) dropStale(ctx context.Context, role domain.Role, ids []int64) error {
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = strconv.FormatInt(id, 10)
	}
	if err := s.client.SRem(ctx, s.keys.role(role), members...).Err(); err != nil {
		return err
	}
	return s.refileRoles(ctx, ids)
}

// effectiveRole is the role a user counts as: no role means resident.
func effectiveRole(r domain.Role) domain.Role {
	if r == "" {
		return domain.RoleResident
	}
	return r
}

func encodeUser(u domain.User) (map[string]any, error) {
	created, err := u.CreatedAt.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("created_at: %w", err)
	}
	updated, err := u.UpdatedAt.MarshalText()
	if err != nil {
		return nil, fmt.Errorf("updated_at: %w", err)
	}
	return map[string]any{
		fieldID:        u.ID,
		fieldRole:      string(u.Role),
		fieldLanguage:  u.Language,
		fieldCommune:   u.Commune,
		fieldScope:     u.Scope,
		fieldInvited:   boolField(u.Invited),
		fieldBlocked:   boolField(u.Blocked),
		fieldName:      u.DisplayName,
		fieldOnDuty:    boolField(u.OnDuty),
		fieldCreatedAt: created,
		fieldUpdatedAt: updated,

		fieldNoAnnouncements: boolField(u.NoAnnouncements),
		fieldNoFollowUps:     boolField(u.NoFollowUps),
	}, nil
}

func decodeUser(f map[string]string) (domain.User, error) {
	var u domain.User
	id, err := strconv.ParseInt(f[fieldID], 10, 64)
	if err != nil {
		return u, fmt.Errorf("id: %w", err)
	}
	u.ID = id
	u.Role = domain.Role(f[fieldRole])
	u.Language = f[fieldLanguage]
	u.Commune = f[fieldCommune]
	u.Scope = f[fieldScope]
	u.Invited = f[fieldInvited] == "1"
	u.Blocked = f[fieldBlocked] == "1"
	u.DisplayName = f[fieldName]
	u.OnDuty = f[fieldOnDuty] == "1"
	u.NoAnnouncements = f[fieldNoAnnouncements] == "1"
	u.NoFollowUps = f[fieldNoFollowUps] == "1"
	if u.CreatedAt, err = parseTime(f[fieldCreatedAt]); err != nil {
		return u, fmt.Errorf("created_at: %w", err)
	}
	if u.UpdatedAt, err = parseTime(f[fieldUpdatedAt]); err != nil {
		return u, fmt.Errorf("updated_at: %w", err)
	}
	return u, nil
}

func parseTime(s string) (time.Time, error) {
	var t time.Time
	if s == "" {
		return t, nil
	}
	err := t.UnmarshalText([]byte(s))
	return t, err
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
