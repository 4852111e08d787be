package logship

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"

	"github.com/berth-dev/berth/internal/agentapi"
	"github.com/berth-dev/berth/internal/awsapi/ecs/ecstypes"
)

// options are a container's awslogs settings, resolved for its task.
type options struct {
	region, group, stream string
	createGroup           bool
	// start, when set, marks the first line of a multi-line event
	// (awslogs-multiline-pattern or awslogs-datetime-format); lines that
	// don't match it belong to the event before.
	start *regexp.Regexp
}

// parseOptions reads the awslogs options of a container definition; ok
// is false when the container does not log to CloudWatch. Options were
// checked at RegisterTaskDefinition; what is checked here can only fail
// at run time (a pattern Go's regexp can't compile).
func parseOptions(spec *agentapi.TaskSpec, def *ecstypes.ContainerDefinition) (options, bool, error) {
	lc := def.LogConfiguration
	if lc == nil || lc.LogDriver != "awslogs" {
		return options{}, false, nil
	}
	o := lc.Options
	opts := options{
		region:      cmp.Or(o["awslogs-region"], spec.Region),
		group:       o["awslogs-group"],
		createGroup: strings.EqualFold(o["awslogs-create-group"], "true"),
	}
	// The stream is prefix/container/task id, as ECS names it; without a
	// prefix, awslogs-stream, else container/task id.
	switch {
	case o["awslogs-stream-prefix"] != "":
		opts.stream = o["awslogs-stream-prefix"] + "/" + def.Name + "/" + spec.TaskID
	case o["awslogs-stream"] != "":
		opts.stream = o["awslogs-stream"]
	default:
		opts.stream = def.Name + "/" + spec.TaskID
	}
	if p := o["awslogs-multiline-pattern"]; p != "" {
		re, err := regexp.Compile(p)
		if err != nil {
			return opts, true, fmt.Errorf("awslogs-multiline-pattern %q: %w", p, err)
		}
		opts.start = re
	} else if f := o["awslogs-datetime-format"]; f != "" {
		re, err := regexp.Compile("^" + datetimeRegexp(f))
		if err != nil {
			return opts, true, fmt.Errorf("awslogs-datetime-format %q: %w", f, err)
		}
		opts.start = re
	}
	return opts, true, nil
}

// strftime directives awslogs-datetime-format understands, as patterns.
var strftime = map[byte]string{
	'a': `(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)`,
	'A': `(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)`,
	'b': `(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)`,
	'B': `(?:January|February|March|April|May|June|July|August|September|October|November|December)`,
	'd': `(?:0[1-9]|[12][0-9]|3[01])`,
	'e': `(?: [1-9]|[12][0-9]|3[01])`,
	'H': `(?:[01][0-9]|2[0-3])`,
	'I': `(?:0[1-9]|1[0-2])`,
	'j': `(?:[0-2][0-9][0-9]|3[0-5][0-9]|36[0-6])`,
	'L': `\d{3}`,
	'f': `\d{1,9}`,
	'm': `(?:0[1-9]|1[0-2])`,
	'M': `[0-5][0-9]`,
	'p': `(?:AM|PM)`,
	'S': `[0-5][0-9]`,
	'y': `\d{2}`,
	'Y': `\d{4}`,
	'z': `[+-]\d{2}:?\d{2}`,
	'Z': `[A-Z]+`,
	'%': `%`,
}

// datetimeRegexp turns a strftime format into a pattern matching it, as
// Docker's awslogs driver does for awslogs-datetime-format; unknown
// directives match themselves.
func datetimeRegexp(format string) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			if p, ok := strftime[format[i+1]]; ok {
				b.WriteString(p)
				i++
				continue
			}
		}
		b.WriteString(regexp.QuoteMeta(format[i : i+1]))
	}
	return b.String()
}
