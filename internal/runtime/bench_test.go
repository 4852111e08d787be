package runtime

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkCreateStart measures Create+Start of a busybox container with a
// cached image: the runtime's share of RunTask → RUNNING. It reports the
// median and worst case; run with -benchtime=20x for the median of 20.
func BenchmarkCreateStart(b *testing.B) {
	e := newTestEnv(b)
	e.importTestImage()
	ctx := context.Background()
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		spec := e.spec(fmt.Sprintf("bench-%d", i), "sleep", "60")
		spec.MemoryLimit = 64 << 20
		start := time.Now()
		if err := e.rt.Create(ctx, spec); err != nil {
			b.Fatal(err)
		}
		if _, err := e.rt.Start(ctx, spec.ID); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		b.StopTimer()
		if err := e.rt.Delete(ctx, spec.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
}
