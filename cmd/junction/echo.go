package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"sync/atomic"
	"time"

	"github.com/urfave/cli/v2"
)

// echoCommand is a development aid: a local endpoint that prints every
// request it receives and answers 200 with a small JSON body, to point a
// definition's HttpRequest step at while building an integration.
func echoCommand() *cli.Command {
	return &cli.Command{
		Name:  "echo",
		Usage: "print every HTTP request received (a local stand-in for a third-party API while you build)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "address", Value: "127.0.0.1:9000", Usage: "listen address", EnvVars: []string{"JUNCTION_ECHO_ADDRESS"}},
			&cli.IntFlag{Name: "status", Value: http.StatusOK, Usage: "status to answer with (try 503 to watch retries)"},
		},
		Action: func(c *cli.Context) error {
			status := c.Int("status")
			var count atomic.Int64
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := count.Add(1)
				body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
				fmt.Fprintf(os.Stdout, "--- request %d at %s\n%s %s\n", n, time.Now().Format(time.TimeOnly), r.Method, r.URL.RequestURI())
				names := make([]string, 0, len(r.Header))
				for k := range r.Header {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					fmt.Fprintf(os.Stdout, "%s: %s\n", k, r.Header.Get(k))
				}
				fmt.Fprintf(os.Stdout, "\n%s\n\n", body)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_ = json.NewEncoder(w).Encode(map[string]any{"received": n, "echoId": fmt.Sprintf("echo-%d", n)})
			})
			srv := &http.Server{Addr: c.String("address"), Handler: handler, ReadHeaderTimeout: 10 * time.Second}
			fmt.Fprintf(os.Stderr, "echo listening on http://%s, answering %d\n", srv.Addr, status)
			go func() {
				<-c.Context.Done()
				_ = srv.Close()
			}()
			if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
				return err
			}
			return nil
		},
	}
}
