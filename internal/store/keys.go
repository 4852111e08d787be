package store

import "strings"

// Key returns the store key of one record: /<kind>/<account>/<region>/<id...>,
// the parts joined with "/".
//
// Every part is used as given. An id must not contain "/" unless it is meant
// as hierarchy: Key("task", a, r, "cluster-1", "abc") is the task abc listed
// under Prefix("task", a, r)+"cluster-1/". A "/" inside a name that is not
// meant as hierarchy would let one record's key be a prefix of another's
// and leak it into the wrong listing, so callers validate ids first.
func Key(kind, account, region string, id ...string) string {
	var b strings.Builder
	for _, p := range append([]string{kind, account, region}, id...) {
		b.WriteByte('/')
		b.WriteString(p)
	}
	return b.String()
}

// Prefix returns the listing prefix of one kind in one account and region:
// /<kind>/<account>/<region>/. It ends in "/" so that listing account
// "1234" does not also list account "12345".
func Prefix(kind, account, region string) string {
	return Key(kind, account, region) + "/"
}
