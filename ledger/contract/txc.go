package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/plumbline/plumbline/models"
)

// txc is one running transaction: the call, the state and a write buffer
// that makes reads see this transaction's own writes and keeps rejected
// transactions from touching the state.
type txc struct {
	call Call
	st   State
	buf  map[string][]byte
	org  *models.Organization
}

func (tc *txc) get(key string) ([]byte, error) {
	if v, ok := tc.buf[key]; ok {
		return v, nil
	}
	return tc.st.Get(key)
}

// getJSON loads the record at prefix+id into v; a missing record is a
// models.ErrNotFound error naming field.
func (tc *txc) getJSON(field, what, prefix, id string, v any) error {
	raw, err := tc.get(models.Key(prefix, id))
	if errors.Is(err, models.ErrNotFound) {
		return models.NotFound(field, "%s %q does not exist", what, id)
	}
	if err != nil {
		return fmt.Errorf("read %s %s: %w", what, id, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("decode %s %s: %w", what, id, err)
	}
	return nil
}

func (tc *txc) exists(prefix, id string) (bool, error) {
	_, err := tc.get(models.Key(prefix, id))
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func (tc *txc) putJSON(prefix, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s%s: %w", prefix, id, err)
	}
	tc.buf[models.Key(prefix, id)] = b
	return nil
}

// anyKey reports whether any key exists under prefix, reading at most one
// key of the state.
func (tc *txc) anyKey(prefix string) (bool, error) {
	for k := range tc.buf {
		if strings.HasPrefix(k, prefix) {
			return true, nil
		}
	}
	found := false
	err := tc.st.Range(prefix, func(string, []byte) error {
		found = true
		return ErrStop
	})
	return found, err
}

// rangeKeys calls fn for every key under prefix, in key order, merging the
// state with this transaction's own writes.
func (tc *txc) rangeKeys(prefix string, fn func(key string, value []byte) error) error {
	merged := map[string][]byte{}
	err := tc.st.Range(prefix, func(k string, v []byte) error {
		merged[k] = v
		return nil
	})
	if err != nil {
		return err
	}
	return RangeMerged(prefix, merged, tc.buf, fn)
}

// version is the contract version the transaction runs under.
func (tc *txc) version() int { return max(tc.call.Version, V1) }

// OldDateYears is how far back a production date may be without the
// submitter confirming it (V4).
const OldDateYears = 3

// productionDate applies V4's date rules to a production date (already a
// valid YYYY-MM-DD): not after the transaction's day plus one (a site in
// China works ahead of UTC), and, when old is checked, not more than
// OldDateYears before it unless confirmed. Before V4 only a confirmation
// is refused, as the field it comes in did not exist.
func (tc *txc) productionDate(field, date string, confirmed, old bool) error {
	if tc.version() < V4 {
		if confirmed {
			return models.Invalid("confirm_old_date", "is a field of contract version %d and later; this transaction runs under version %d", V4, tc.version())
		}
		return nil
	}
	return CheckProductionDate(field, date, tc.call.Time, confirmed, old)
}

// CheckProductionDate is V4's rule for a production date recorded at time
// at (see txc.productionDate), for a form or an import to check before it
// submits.
func CheckProductionDate(field, date string, at time.Time, confirmed, old bool) error {
	d, err := time.Parse(models.DateLayout, date)
	if err != nil {
		return models.Invalid(field, "%q is not a date of the form YYYY-MM-DD", date)
	}
	t := at.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if latest := day.AddDate(0, 0, 1); d.After(latest) {
		return models.Invalid(field, "%s is in the future: a production date may be at most %s (one day after the day it is recorded)", date, latest.Format(models.DateLayout))
	}
	if earliest := day.AddDate(-OldDateYears, 0, 0); old && !confirmed && d.Before(earliest) {
		return models.Invalid(field, "%s is more than %d years ago; if it is right, confirm it (confirm_old_date)", date, OldDateYears)
	}
	return nil
}

// now is the transaction time as stored in records.
func (tc *txc) now() string { return tc.call.Time.UTC().Format(time.RFC3339Nano) }

// submitter loads the submitting organization; it must be registered.
func (tc *txc) submitter() (*models.Organization, error) {
	if tc.org != nil {
		return tc.org, nil
	}
	var o models.Organization
	if err := tc.getJSON("org", "organization", models.PrefixOrg, tc.call.Org, &o); err != nil {
		if errors.Is(err, models.ErrNotFound) {
			return nil, models.Forbidden("organization %q is not registered on the ledger", tc.call.Org)
		}
		return nil, err
	}
	tc.org = &o
	return tc.org, nil
}

// allow checks the submitting organization's kind and the user's role
// against the permission of txType in the contract's table (Rule): the
// organization is of one of its kinds and the user has one of its roles.
// Admins may do whatever their organization's kind allows.
func (tc *txc) allow(txType string) (*models.Organization, error) {
	p, ok := permissions[txType]
	if !ok {
		return nil, fmt.Errorf("contract: %s has no permission rule", txType)
	}
	o, err := tc.submitter()
	if err != nil {
		return nil, err
	}
	if !slices.Contains(p.Kinds, o.Kind) {
		return nil, models.Forbidden("a %s organization may not %s (allowed: %s)", o.Kind, p.Action, kindNames(p.Kinds))
	}
	if !p.Allows(o.Kind, tc.call.Role) {
		return nil, models.Forbidden("the %s role may not %s (allowed: admin, %s)", tc.call.Role, p.Action, roleNames(p.Roles))
	}
	return o, nil
}

func kindNames(ks []models.OrgKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func roleNames(rs []models.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// RangeMerged calls fn in ascending key order for every key under prefix in
// base (which it may modify) or pending, pending's value winning, stopping early without
// an error when fn returns ErrStop. State implementations that buffer
// writes on top of a store use it for Range.
func RangeMerged(prefix string, base, pending map[string][]byte, fn func(key string, value []byte) error) error {
	for k, v := range pending {
		if strings.HasPrefix(k, prefix) {
			base[k] = v
		}
	}
	keys := make([]string, 0, len(base))
	for k := range base {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, base[k]); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}
