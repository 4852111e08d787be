package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/berth-dev/berth/internal/store"
)

// contenders is how many goroutines race for one key in each round.
const contenders = 8

// race runs fn on contenders goroutines released together and returns
// their errors.
func race(fn func(g int) error) []error {
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, contenders)
	for g := range contenders {
		wg.Go(func() {
			<-start
			errs[g] = fn(g)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// oneWinner fails t unless exactly one of errs is nil and every other is
// of kind lose; it returns the winner.
func oneWinner(t *testing.T, errs []error, lose error) int {
	t.Helper()
	winner := -1
	for g, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("goroutines %d and %d both won", winner, g)
		case err == nil:
			winner = g
		case !errors.Is(err, lose):
			t.Fatalf("goroutine %d: %v, want %v", g, err, lose)
		}
	}
	if winner < 0 {
		t.Fatal("no goroutine won")
	}
	return winner
}

func testConcurrentCreate(t *testing.T, s store.Store, p string) {
	for round := range 5 {
		key := fmt.Sprintf("%sk%d", p, round)
		errs := race(func(g int) error {
			_, err := s.Create(t.Context(), key, []byte(fmt.Sprint(g)))
			return err
		})
		winner := oneWinner(t, errs, store.ErrAlreadyExists)
		wantObject(t, s, key, fmt.Sprint(winner), 0)
	}
}

func testConcurrentUpdate(t *testing.T, s store.Store, p string) {
	key := p + "counter"
	rev := create(t, s, key, "start")
	for round := range 10 {
		revs := make([]int64, contenders)
		errs := race(func(g int) error {
			var err error
			revs[g], err = s.Update(t.Context(), key, []byte(fmt.Sprintf("%d/%d", round, g)), rev)
			return err
		})
		winner := oneWinner(t, errs, store.ErrConflict)
		if revs[winner] <= rev {
			t.Fatalf("round %d: winning revision %d not above %d", round, revs[winner], rev)
		}
		rev = revs[winner]
		wantObject(t, s, key, fmt.Sprintf("%d/%d", round, winner), rev)
	}
}
