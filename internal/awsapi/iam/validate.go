package iam

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/berth-dev/berth/internal/awsapi/iam/iamtypes"
)

// Limits from the IAM model and IAM's default quotas.
const (
	defaultPath               = "/"
	defaultMaxSessionDuration = 3600
	minMaxSessionDuration     = 3600
	maxMaxSessionDuration     = 43200
	maxDescriptionLen         = 1000
	maxPathLen                = 512
	maxRoleNameLen            = 64
	maxPolicyNameLen          = 128
	maxPolicyDocumentLen      = 131072
	maxTrustPolicySize        = 2048  // quota ACLSizePerRole, whitespace not counted
	maxInlinePolicySize       = 10240 // all of a role's inline policies together, whitespace not counted
	maxRolesPerAccount        = 1000
	maxTagsPerRole            = 50
	maxTagKeyLen              = 128
	maxTagValueLen            = 256
)

// Patterns as the model writes them, for the messages.
const (
	namePattern        = `[\w+=,.@-]+`
	pathPattern        = `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
	pathPrefixPattern  = `\u002F[\u0021-\u007F]*`
	descriptionPattern = `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`
	documentPattern    = `[\u0009\u000A\u000D\u0020-\u00FF]+`
	tagKeyPattern      = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	tagValuePattern    = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	markerPattern      = `[\u0020-\u00FF]+`
)

// isNameChar is the model's [\w+=,.@-] (Java's \w: ASCII letters, digits, _).
func isNameChar(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+=,.@-", c)
}

func allRunes(s string, ok func(rune) bool) bool {
	for _, c := range s {
		if !ok(c) {
			return false
		}
	}
	return true
}

// name checks a role or policy name: required, 1 to max of [\w+=,.@-].
func (v *violations) name(value, field string, max int) {
	if v.required(value, field) && v.length(value, field, 1, max) {
		v.pattern(value, field, namePattern, allRunes(value, isNameChar))
	}
}

// path checks a role path: "/" or "/…/" of printable ASCII, up to 512.
func (v *violations) path(value, field string) {
	if !v.length(value, field, 1, maxPathLen) {
		return
	}
	ok := value == "/" || len(value) >= 3 && value[0] == '/' && value[len(value)-1] == '/' &&
		allRunes(value, func(c rune) bool { return c >= 0x21 && c <= 0x7e })
	v.pattern(value, field, pathPattern, ok)
}

func (v *violations) pathPrefix(value, field string) {
	if !v.length(value, field, 1, maxPathLen) {
		return
	}
	ok := value[0] == '/' && allRunes(value, func(c rune) bool { return c >= 0x21 && c <= 0x7f })
	v.pattern(value, field, pathPrefixPattern, ok)
}

func (v *violations) description(value, field string) {
	if !v.length(value, field, 0, maxDescriptionLen) {
		return
	}
	ok := allRunes(value, func(c rune) bool {
		return c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c <= 0x7e || c >= 0xa1 && c <= 0xff
	})
	v.pattern(value, field, descriptionPattern, ok)
}

// document checks a policy document's characters and length; its content
// is package policy's business.
func (v *violations) document(value, field string) bool {
	if !v.required(value, field) || !v.length(value, field, 1, maxPolicyDocumentLen) {
		return false
	}
	ok := allRunes(value, func(c rune) bool { return c == '\t' || c == '\n' || c == '\r' || c >= 0x20 && c <= 0xff })
	v.pattern(value, field, documentPattern, ok)
	return ok
}

func isTagChar(c rune) bool {
	return unicode.IsLetter(c) || unicode.In(c, unicode.Z) || unicode.IsNumber(c) || strings.ContainsRune("_.:/=+-@", c)
}

func (v *violations) tagKey(key, field string) {
	if v.length(key, field, 1, maxTagKeyLen) {
		v.pattern(key, field, tagKeyPattern, allRunes(key, isTagChar))
	}
}

// tags checks a Tags list (field "tags"): at most 50, keys and values of
// the model's characters and lengths. Each tag is named as IAM names it:
// tags.1.member.key.
func (v *violations) tags(tags []iamtypes.Tag, field string) {
	if len(tags) > maxTagsPerRole {
		v.add(nil, field, "have length less than or equal to 50")
		return
	}
	for i, t := range tags {
		prefix := field + "." + strconv.Itoa(i+1) + ".member."
		v.tagKey(t.Key, prefix+"key")
		if v.length(t.Value, prefix+"value", 0, maxTagValueLen) {
			v.pattern(t.Value, prefix+"value", tagValuePattern, allRunes(t.Value, isTagChar))
		}
	}
}

// checkTagKeys refuses reserved and repeated keys; IAM compares tag keys
// without regard to case.
func checkTagKeys(tags []iamtypes.Tag) error {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if strings.HasPrefix(k, "aws:") {
			return invalidInput("User-defined tag keys can't start with \"aws:\". This prefix is reserved for AWS tags.")
		}
		if seen[k] {
			return invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	return nil
}
