package runtime

// ResolveArgs is the full argv of a container whose image config is img and
// whose ECS container definition (after overrides) says entryPoint and
// command, by Docker's rules (which ECS inherits):
//
//   - an entryPoint with elements replaces the image's Entrypoint, and the
//     image's Cmd is dropped with it: argv = entryPoint + command;
//   - otherwise the image's Entrypoint stays — unless entryPoint is a
//     non-nil empty list, which clears it — and command, when it has
//     elements, replaces the image's Cmd.
//
// An empty result means there is nothing to run; the caller reports it.
func ResolveArgs(img ImageConfig, entryPoint, command []string) []string {
	if len(entryPoint) > 0 {
		return concat(entryPoint, command)
	}
	cmd := command
	if len(cmd) == 0 {
		cmd = img.Cmd
	}
	ep := img.Entrypoint
	if entryPoint != nil {
		ep = nil
	}
	return concat(ep, cmd)
}

func concat(a, b []string) []string {
	if len(a)+len(b) == 0 {
		return nil
	}
	out := make([]string, 0, len(a)+len(b))
	return append(append(out, a...), b...)
}
