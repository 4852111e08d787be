package tmds

import (
	"time"

	"golang.org/x/sys/unix"
)

// hostClockDrift reads the kernel's NTP state (adjtimex, read only): the
// maximum error it keeps as the error bound, and whether an NTP daemon
// has synchronised the clock. nil when the kernel will not say.
func hostClockDrift(now time.Time) *ClockDrift {
	var tx unix.Timex
	state, err := unix.Adjtimex(&tx)
	if err != nil {
		return nil
	}
	status := "SYNCHRONIZED"
	if state == unix.TIME_ERROR || tx.Status&unix.STA_UNSYNC != 0 {
		status = "NOT_SYNCHRONIZED"
	}
	return &ClockDrift{
		ClockErrorBound:            float64(tx.Maxerror) / 1000, // µs to ms
		ReferenceTimestamp:         now.UTC().Truncate(time.Second),
		ClockSynchronizationStatus: status,
	}
}
