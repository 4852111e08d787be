package etcdstore

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newZapLogger returns the logger handed to etcd and its client. Only
// entries at error level and above reach l, and none while quiet is set:
// etcd logs its listeners' "use of closed network connection" as errors on
// every normal shutdown, and Close sets quiet before stopping it.
func newZapLogger(l *slog.Logger, quiet *atomic.Bool) *zap.Logger {
	if l == nil {
		return zap.NewNop()
	}
	return zap.New(&slogCore{log: l.With("component", "etcd"), quiet: quiet})
}

// slogCore is a zapcore.Core writing to a *slog.Logger.
type slogCore struct {
	log    *slog.Logger
	quiet  *atomic.Bool
	fields []zapcore.Field
}

func (c *slogCore) Enabled(lvl zapcore.Level) bool {
	return lvl >= zapcore.ErrorLevel && !c.quiet.Load()
}

func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{log: c.log, quiet: c.quiet, fields: append(slices.Clip(c.fields), fields...)}
}

func (c *slogCore) Check(ent zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(ent.Level) {
		return ce.AddCore(ent, c)
	}
	return ce
}

func (c *slogCore) Write(ent zapcore.Entry, fields []zapcore.Field) error {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range c.fields {
		f.AddTo(enc)
	}
	for _, f := range fields {
		f.AddTo(enc)
	}
	if benign(ent.Message, enc.Fields) {
		return nil
	}
	attrs := make([]slog.Attr, 0, len(enc.Fields)+1)
	if ent.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", ent.LoggerName))
	}
	for _, k := range slices.Sorted(maps.Keys(enc.Fields)) {
		attrs = append(attrs, slog.Any(k, enc.Fields[k]))
	}
	c.log.LogAttrs(context.Background(), slog.LevelError, ent.Message, attrs...)
	return nil
}

func (c *slogCore) Sync() error { return nil }

// benign reports etcd errors that need no one's attention.
//
// A member elected quickly after bootstrap, as ours is with short ticks,
// tries to record its storage version before the backend's first batch
// commit has written the raft term, fails with "missing term information",
// and succeeds on its next attempt a few seconds later.
func benign(msg string, fields map[string]any) bool {
	err, _ := fields["error"].(string)
	return msg == "failed to update storage version" && strings.Contains(err, "missing term information")
}
