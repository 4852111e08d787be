package runtime

import (
	"errors"
	"fmt"

	"github.com/containerd/containerd/errdefs"
)

var (
	// ErrNotFound: the container (or its task) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrImageNotFound: the image is not present locally, or a registry
	// says it does not exist.
	ErrImageNotFound = errors.New("image not found")
	// ErrClosed: the Runtime was closed.
	ErrClosed = errors.New("runtime closed")
	// ErrExecTimeout: an Exec ran past its timeout and was killed.
	ErrExecTimeout = errors.New("exec timed out")
)

// PullError is what Pull returns for any failure: a reference that does not
// parse, a registry that does not answer, refuses the credentials or does not
// have the image, or an unpack that fails. Error() reads like containerd's and
// ECS's own messages, so the caller reports
// "CannotPullContainerError: " + err.Error().
type PullError struct {
	Ref string // the normalized reference, or what the caller gave if it did not parse
	Err error
}

func (e *PullError) Error() string {
	return fmt.Sprintf("pull image %s: %v", e.Ref, e.Err)
}

func (e *PullError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrImageNotFound) true when the registry said the
// reference does not exist.
func (e *PullError) Is(target error) bool {
	return target == ErrImageNotFound && errdefs.IsNotFound(e.Err)
}

// containerErr wraps err from containerd for container id, turning
// containerd's not-found into ErrNotFound.
func containerErr(op, id string, err error) error {
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("%s container %s: %w: %v", op, id, ErrNotFound, err)
	}
	return fmt.Errorf("%s container %s: %w", op, id, err)
}

// imageErr does the same for images.
func imageErr(op, ref string, err error) error {
	if errdefs.IsNotFound(err) {
		return fmt.Errorf("%s image %s: %w", op, ref, ErrImageNotFound)
	}
	return fmt.Errorf("%s image %s: %w", op, ref, err)
}
