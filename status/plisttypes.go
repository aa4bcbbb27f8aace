package status

import (
	"strconv"
	"strings"
)

// The plists the engine reads are decoded into these types, never into
// `any`: a binary plist stores each object once, so a tiny file whose
// array holds the same child twice, 60 levels deep, decodes into an `any`
// as billions of values. A typed field takes only what it expects, and a
// value of another shape is refused at once, without a look inside.

// skipped is a value whose contents do not matter: never looked into.
type skipped struct{}

// UnmarshalPlist implements plist.Unmarshaler.
func (*skipped) UnmarshalPlist(func(any) error) error { return nil }

// looseString is a string, or "" for a value of another type.
type looseString string

// UnmarshalPlist implements plist.Unmarshaler.
func (s *looseString) UnmarshalPlist(unmarshal func(any) error) error {
	var v string
	if unmarshal(&v) == nil {
		*s = looseString(v)
	}
	return nil
}

// looseInt is an integer (a number, a boolean, or a number in a string),
// or 0 for anything else.
type looseInt int

// UnmarshalPlist implements plist.Unmarshaler.
func (n *looseInt) UnmarshalPlist(unmarshal func(any) error) error {
	var i int64
	var b bool
	var s string
	switch {
	case unmarshal(&i) == nil:
		if i >= -1<<31 && i <= 1<<31 {
			*n = looseInt(i)
		}
	case unmarshal(&b) == nil:
		if b {
			*n = 1
		}
	case unmarshal(&s) == nil:
		v, _ := strconv.Atoi(strings.TrimSpace(s))
		*n = looseInt(v)
	}
	return nil
}

// looseBool is true for true, a non-zero number, or "1", "true", "yes".
type looseBool bool

// UnmarshalPlist implements plist.Unmarshaler.
func (b *looseBool) UnmarshalPlist(unmarshal func(any) error) error {
	var v bool
	var s string
	var n looseInt
	switch {
	case unmarshal(&v) == nil:
		*b = looseBool(v)
	case unmarshal(&s) == nil:
		s = strings.TrimSpace(s)
		*b = looseBool(s == "1" || strings.EqualFold(s, "true") || strings.EqualFold(s, "yes"))
	default:
		n.UnmarshalPlist(unmarshal)
		*b = n != 0
	}
	return nil
}

// looseStrings is an array's string elements; anything else is empty.
type looseStrings []string

// UnmarshalPlist implements plist.Unmarshaler.
func (l *looseStrings) UnmarshalPlist(unmarshal func(any) error) error {
	var items []looseString
	if unmarshal(&items) != nil {
		return nil
	}
	for _, s := range items {
		if s != "" {
			*l = append(*l, string(s))
		}
	}
	return nil
}

// KeepAlive is a LaunchAgent's KeepAlive: a boolean, or a dictionary of
// conditions, which keeps the job alive when it holds any. The conditions
// themselves are not decoded; anything else is not set, as launchd reads it.
type KeepAlive bool

// UnmarshalPlist implements plist.Unmarshaler.
func (k *KeepAlive) UnmarshalPlist(unmarshal func(any) error) error {
	var b bool
	var conditions map[string]skipped
	switch {
	case unmarshal(&b) == nil:
		*k = KeepAlive(b)
	case unmarshal(&conditions) == nil:
		*k = len(conditions) > 0
	}
	return nil
}

// MarshalPlist implements plist.Marshaler.
func (k KeepAlive) MarshalPlist() (any, error) { return bool(k), nil }
