// Command hotroso runs the hotroso help desk bot and its tools:
//
//	hotroso                      run the bot (long polling)
//	hotroso flows lint [DIR]     check flow files
//	hotroso flows graph FLOW     print a flow as a Mermaid diagram
//
// Configuration comes from the environment and a .env file; see README.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Ho_Chi_Minh on machines without a time zone database

	goredis "github.com/redis/go-redis/v9"
)

// quietRedis discards go-redis's internal log lines.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func main() {
	// go-redis logs every failed dial while Redis is down; the store's errors
	// already say so once per request, so its own lines are dropped.
	goredis.SetLogger(quietRedis{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sys := system{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Now: time.Now}
	if err := run(ctx, sys); err != nil {
		fmt.Fprintln(os.Stderr, "hotroso:", err)
		os.Exit(exitCode(err))
	}
}
