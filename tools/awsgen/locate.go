package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// modelFiles are the names botocore gives a service model, preferred first.
var modelFiles = []string{"service-2.json.gz", "service-2.json"}

// botocoreDataDir asks the installed Python botocore where its data is.
func botocoreDataDir() (string, error) {
	out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("locate botocore (python3 -c 'import botocore'): %w", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "data"), nil
}

// findModel returns the model file of service's newest API version under
// dataDir (botocore's data/<service>/<version>/service-2.json[.gz]).
// Versions are dates (YYYY-MM-DD), so the newest sorts last.
func findModel(dataDir, service string) (string, error) {
	entries, err := os.ReadDir(filepath.Join(dataDir, service))
	if err != nil {
		return "", fmt.Errorf("service %q: %w", service, err)
	}
	var versions []string
	for _, e := range entries {
		if e.IsDir() {
			versions = append(versions, e.Name())
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(versions)))
	for _, v := range versions {
		for _, name := range modelFiles {
			p := filepath.Join(dataDir, service, v, name)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("service %q: no %s under %s", service, modelFiles[0], filepath.Join(dataDir, service))
}

// modelIdentity names the model for the generated header: the service and
// version directories when path follows botocore's layout, otherwise the
// model's endpoint prefix and API version.
func modelIdentity(path string, md Metadata) (service, version string) {
	dir := filepath.Dir(path)
	version = filepath.Base(dir)
	service = filepath.Base(filepath.Dir(dir))
	if version == md.APIVersion && service != "" && service != "." && service != string(filepath.Separator) {
		return service, version
	}
	return md.EndpointPrefix, md.APIVersion
}
