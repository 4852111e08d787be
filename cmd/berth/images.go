package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"text/tabwriter"
	"time"
)

// runImages loads and lists the images of this host's agent, which tasks
// use without pulling (the per-host image cache).
func runImages(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: berth images load FILE | berth images ls")
	}
	fs := flag.NewFlagSet("berth images", flag.ExitOnError)
	dataDir := dataDirFlag(fs)
	endpoint := fs.String("endpoint", "", "server endpoint (default: the one the server recorded in the data dir)")
	_ = fs.Parse(args[1:])
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	switch args[0] {
	case "load":
		if fs.NArg() != 1 {
			return errors.New("usage: berth images load [--data-dir D] FILE (an OCI or docker-archive tar)")
		}
		f, err := os.Open(fs.Arg(0))
		if err != nil {
			return err
		}
		defer f.Close()
		out, err := adminCall(ctx, *dataDir, *endpoint, http.MethodPost, "/_berth/images/load", f)
		if err != nil {
			return err
		}
		return printImages(out)
	case "ls", "list":
		out, err := adminCall(ctx, *dataDir, *endpoint, http.MethodGet, "/_berth/images", nil)
		if err != nil {
			return err
		}
		return printImages(out)
	}
	return fmt.Errorf("unknown images command %q: use load or ls", args[0])
}

func printImages(body []byte) error {
	var res struct {
		Images []struct {
			Name   string `json:"name"`
			Digest string `json:"digest"`
			Size   int64  `json:"size"`
		} `json:"images"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tDIGEST\tSIZE")
	for _, img := range res.Images {
		fmt.Fprintf(w, "%s\t%s\t%d\n", img.Name, img.Digest, img.Size)
	}
	return w.Flush()
}
