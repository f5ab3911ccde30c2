package main

import (
	"context"
	"testing"
	"time"
)

// startServer runs a server with cfg in this process on a free loopback
// port until the test ends, and returns it with its address.
func startServer(t testing.TB, cfg Config) (*Server, string) {
	t.Helper()
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run("127.0.0.1:0") }()
	addr := srv.Addr()
	if addr == "" {
		t.Fatalf("server did not start: %v", <-done)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := srv.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
		<-done
	})
	return srv, addr
}
