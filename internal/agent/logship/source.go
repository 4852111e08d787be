package logship

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"
)

// maxMessage is the longest message an event carries: CloudWatch's event
// limit less its per-event overhead, as Docker's awslogs driver splits
// long lines (256 KiB).
const maxMessage = 262144 - 26

// readChunk bounds one read of a file.
const readChunk = 1 << 20

// pending is an event being assembled and the file offset just past it.
type pending struct {
	lines []string
	size  int
	end   int64
}

// source turns one output file (stdout or stderr) into events: lines, or
// multi-line events when start is set. Offsets are bytes of the file: read
// is how far the file has been read, and each event carries the offset
// just past its last byte, which becomes the shipped position once it is
// delivered.
type source struct {
	path    string
	read    int64  // next byte to read
	partial []byte // a line not yet ended by '\n'
	start   *regexp.Regexp
	event   *pending // multi-line event still open
}

// item is an event ready to send and where it ends in its file.
type item struct {
	message string
	end     int64
}

// poll reads what the file gained and returns the events it completes.
// With flush (the container exited), a last unterminated line and an open
// multi-line event are completed too. A missing file has nothing yet.
func (s *source) poll(flush bool) ([]item, error) {
	var out []item
	f, err := os.Open(s.path)
	if os.IsNotExist(err) {
		return s.finish(out, flush), nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, readChunk)
	for {
		n, err := f.ReadAt(buf, s.read)
		if n > 0 {
			out = s.consume(out, buf[:n])
		}
		if err == io.EOF || n == 0 {
			break
		}
		if err != nil {
			return out, err
		}
		if len(out) > 10_000 {
			break // enough for a batch; the rest next time
		}
	}
	return s.finish(out, flush), nil
}

// consume splits newly read bytes into lines.
func (s *source) consume(out []item, data []byte) []item {
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			s.partial = append(s.partial, data...)
			s.read += int64(len(data))
			for len(s.partial) >= maxMessage {
				cut := utf8Cut(s.partial, maxMessage)
				out = s.line(out, string(s.partial[:cut]), s.read-int64(len(s.partial)-cut))
				s.partial = append(s.partial[:0], s.partial[cut:]...)
			}
			return out
		}
		line := data[:i]
		if len(s.partial) > 0 {
			line = append(s.partial, line...)
			s.partial = s.partial[:0]
		}
		s.read += int64(i + 1)
		data = data[i+1:]
		text := strings.TrimSuffix(string(line), "\r")
		for len(text) > maxMessage {
			cut := utf8Cut([]byte(text), maxMessage)
			out = s.line(out, text[:cut], s.read-int64(len(text)-cut)-1)
			text = text[cut:]
		}
		out = s.line(out, text, s.read)
	}
	return out
}

// line takes one complete line ending at end.
func (s *source) line(out []item, text string, end int64) []item {
	if s.start == nil {
		if text == "" {
			return out // CloudWatch takes no empty messages; Docker drops them too
		}
		return append(out, item{text, end})
	}
	if s.event != nil && !s.start.MatchString(text) && s.event.size+len(text)+1 <= maxMessage {
		s.event.lines = append(s.event.lines, text)
		s.event.size += len(text) + 1
		s.event.end = end
		return out
	}
	out = s.close(out)
	s.event = &pending{lines: []string{text}, size: len(text), end: end}
	return out
}

// close completes the open multi-line event.
func (s *source) close(out []item) []item {
	if s.event == nil {
		return out
	}
	msg := strings.Join(s.event.lines, "\n")
	end := s.event.end
	s.event = nil
	if strings.TrimSpace(msg) == "" {
		return out
	}
	return append(out, item{msg, end})
}

// finish completes, with flush, what is still open.
func (s *source) finish(out []item, flush bool) []item {
	if !flush {
		return out
	}
	if len(s.partial) > 0 {
		text := string(s.partial)
		s.partial = s.partial[:0]
		out = s.line(out, text, s.read)
	}
	return s.close(out)
}

// idle completes an open multi-line event that has waited long enough
// (Docker flushes one at its next batch).
func (s *source) idle() []item { return s.close(nil) }

// utf8Cut returns n, or less so as not to split a UTF-8 sequence.
func utf8Cut(b []byte, n int) int {
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	return n
}
