package embedded

import (
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/hotroso/hotroso/storage"
)

// newID takes the next id from the bucket's sequence for a record being
// created (tickets, broadcasts).
func newID(b *bolt.Bucket, kind string) (int64, error) {
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	id := int64(seq)
	if b.Get(idKey(id)) != nil {
		return 0, fmt.Errorf("%s %d already exists: the id sequence is behind", kind, id)
	}
	return id, nil
}

// checkVersion is the compare of a compare-and-set: loadErr and stored come
// from loading the stored record, want is the version the caller read.
func checkVersion(stored int64, loadErr error, want int64) error {
	switch {
	case errors.Is(loadErr, storage.ErrNotFound):
		return fmt.Errorf("%w: none stored, want version %d", storage.ErrConflict, want)
	case loadErr != nil:
		return loadErr
	case stored != want:
		return fmt.Errorf("%w: stored version %d, want %d", storage.ErrConflict, stored, want)
	}
	return nil
}
