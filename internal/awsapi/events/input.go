package events

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/awsapi/events/eventstypes"
)

// A target gets the event itself unless it sets one of:
//
//   - Input: that constant JSON text instead;
//   - InputPath: the part of the event at a JSONPath ($.detail);
//   - InputTransformer: a template whose <name> placeholders are filled
//     from InputPathsMap (name → JSONPath) and the predefined
//     aws.events.rule-arn, aws.events.rule-name,
//     aws.events.event.ingestion-time and aws.events.event(.json).
//
// A placeholder inside a JSON string of the template is replaced by the
// value's text (a string without its quotes, anything else as JSON), made
// safe for the string; outside one, by the value as JSON. A path the event
// lacks gives the empty string inside quotes and null outside.
//
// berth's JSONPath is the subset EventBridge documents: $ followed by
// .name, ['name'] and [index] steps.

// pathStep is one step of a JSONPath: a member name or an array index.
type pathStep struct {
	name  string
	index int // when name is ""
}

// parsePath parses the JSONPath subset above.
func parsePath(p string) ([]pathStep, error) {
	rest, ok := strings.CutPrefix(p, "$")
	if !ok {
		return nil, errors.New("it must start with $")
	}
	var steps []pathStep
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 2 {
				return nil, errors.New("unterminated ['…']")
			}
			steps = append(steps, pathStep{name: rest[2:end]})
			rest = rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			n, err := strconv.Atoi(rest[1:max(end, 1)])
			if end < 0 || err != nil || n < 0 {
				return nil, errors.New("an index must be [n] with n ≥ 0")
			}
			steps = append(steps, pathStep{index: n})
			rest = rest[end+1:]
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			if end == 0 {
				return nil, errors.New("empty member name")
			}
			steps = append(steps, pathStep{name: rest[1 : end+1]})
			rest = rest[end+1:]
		default:
			return nil, errors.New("expected ., [ or the end after " + strconv.Quote(p[:len(p)-len(rest)]))
		}
	}
	return steps, nil
}

// lookup follows steps from v; ok is false when the event lacks the path.
func lookup(v any, steps []pathStep) (any, bool) {
	for _, s := range steps {
		switch c := v.(type) {
		case map[string]any:
			if s.name == "" {
				return nil, false
			}
			var ok bool
			if v, ok = c[s.name]; !ok {
				return nil, false
			}
		case []any:
			if s.name != "" || s.index >= len(c) {
				return nil, false
			}
			v = c[s.index]
		default:
			return nil, false
		}
	}
	return v, true
}

// validVariable checks an InputPathsMap key.
func validVariable(name string) bool {
	if name == "" || strings.HasPrefix(name, "aws.") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// targetInput is what t receives for an event (raw is its JSON, ev the
// same decoded).
func targetInput(t *eventstypes.Target, raw []byte, ev map[string]any, ruleName, ruleARN string, ingested string) []byte {
	switch {
	case t.Input != "":
		return []byte(t.Input)
	case t.InputPath != "":
		steps, _ := parsePath(t.InputPath) // checked by PutTargets
		v, ok := lookup(ev, steps)
		if !ok {
			return []byte("null")
		}
		b, _ := marshal(v)
		return b
	case t.InputTransformer != nil:
		values := map[string]valueAt{
			"aws.events.rule-arn":             {v: ruleARN, ok: true},
			"aws.events.rule-name":            {v: ruleName, ok: true},
			"aws.events.event.ingestion-time": {v: ingested, ok: true},
			"aws.events.event":                {v: json.RawMessage(raw), ok: true},
			"aws.events.event.json":           {v: json.RawMessage(raw), ok: true},
		}
		for name, p := range t.InputTransformer.InputPathsMap {
			steps, _ := parsePath(p)
			v, ok := lookup(ev, steps)
			values[name] = valueAt{v: v, ok: ok}
		}
		return []byte(fillTemplate(t.InputTransformer.InputTemplate, values))
	}
	return raw
}

type valueAt struct {
	v  any
	ok bool
}

// fillTemplate replaces the <name> placeholders of tmpl that values
// knows; other text, including unknown <…>, stays as written.
func fillTemplate(tmpl string, values map[string]valueAt) string {
	var b strings.Builder
	inString, escaped := false, false
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c == '<' {
			if end := strings.IndexByte(tmpl[i:], '>'); end > 0 {
				if val, known := values[tmpl[i+1:i+end]]; known {
					b.WriteString(render(val, inString))
					i += end
					continue
				}
			}
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\' && inString:
			escaped = true
		case c == '"':
			inString = !inString
		}
		b.WriteByte(c)
	}
	return b.String()
}

// render is a value's text for a placeholder inside or outside a JSON
// string.
func render(val valueAt, inString bool) string {
	if !inString {
		if !val.ok {
			return "null"
		}
		b, _ := marshal(val.v)
		return string(b)
	}
	if !val.ok {
		return ""
	}
	text, isString := val.v.(string)
	if !isString {
		b, _ := marshal(val.v)
		text = string(b)
	}
	q, _ := marshal(text)
	return string(q[1 : len(q)-1])
}
