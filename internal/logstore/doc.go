// Package logstore keeps CloudWatch Logs events on local disk: the data
// behind PutLogEvents, GetLogEvents and FilterLogEvents, and the per-stream
// statistics DescribeLogStreams shows. Group and stream metadata (creation,
// retention, tags, listings) live in the store (etcd); here a group or
// stream is just a name events were appended under.
//
// # On disk
//
// Under the directory given to Open, groups/<name>-<hash>/ holds one group:
//
//	meta             the stream table (name → small id), stream deletions and
//	                 the expiry cutoff, as an append-only log
//	seg-<n>.log      append-only segments of event blocks, rolled at ~64 MiB
//
// One file set per group, not per stream: a group may have thousands of
// streams. Every record is framed with its length and CRC-32C, so Open
// finds a torn last record (a crash mid-write) and truncates it away. Every
// Append reaches the OS in one write before it returns; fsync runs every
// Options.SyncInterval.
//
// # In memory
//
// Each stream keeps an index of its blocks — segment, offset, min and max
// timestamp, first sequence number, counts — sorted by min timestamp; about
// 80 bytes per block of up to 256 events. Messages stay on disk (and in
// the page cache). Reads merge blocks in (timestamp, arrival) order, so
// events appended out of order still come back in order, and time bounds
// skip blocks without reading them (query.go).
//
// # Identity and paging
//
// Every event gets its group's next sequence number, which is its ID
// (decimal) and its arrival order; sequence numbers live in the records and
// each segment's header, so they survive restarts and never go back. Get
// tokens are positions (timestamp, sequence number) plus a check of the
// group and stream, so they stay valid across appends and restarts; Filter
// tokens are (timestamp, stream name, sequence number).
//
// # Removal
//
// Expire and DeleteStream write a record to the meta log (synced) before
// they return, so a restart does not bring events back; segments that hold
// nothing live are deleted at once, and sealed segments that are more than
// half dead are compacted in the background (compact.go). DeleteGroup moves
// the group's directory aside and removes it.
package logstore
