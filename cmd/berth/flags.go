package main

import (
	"flag"
	"os"
	"strconv"
)

// envDefault returns the environment variable's value, or def when unset.
// Every flag is also read from the environment (BERTH_*), flags winning.
func envDefault(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// dataDirFlag registers --data-dir, shared by every subcommand.
func dataDirFlag(fs *flag.FlagSet) *string {
	return fs.String("data-dir", envDefault("BERTH_DATA_DIR", "/var/lib/berth"), "state directory (env BERTH_DATA_DIR)")
}

// envInt is envDefault for integers; unset or unparsable is 0.
func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
