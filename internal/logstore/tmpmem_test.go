package logstore
import ("testing";"runtime";"fmt")
func TestTmpMem(t *testing.T) {
	s := openStore(t, "", Options{})
	for i := range 200000 { mustAppend(t, s, testGroup, fmt.Sprintf("s%d", i%50), []Event{{int64(i), benchMessage(i)}}, 1) }
	s.Close()
	var ms runtime.MemStats
	runtime.GC(); runtime.ReadMemStats(&ms); b := ms.HeapAlloc
	s2, _ := Open(s.root, Options{})
	runtime.GC(); runtime.ReadMemStats(&ms)
	t.Logf("heap/event single-event appends: %.1f", float64(ms.HeapAlloc-b)/200000)
	s2.Close()
}
