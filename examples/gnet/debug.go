package main

import (
	"expvar"
	"net"
	"net/http"
	"net/http/pprof"
)

// serveDebug serves the standard library's expvar (/debug/vars: the
// "wsgnet" counters and "memstats") and pprof (/debug/pprof/) on a
// listener of their own, apart from the WebSocket port, and returns its
// address. The mux is the handlers' own rather than http.DefaultServeMux,
// so nothing else registered there is exposed by accident.
func serveDebug(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go http.Serve(ln, mux) //nolint:errcheck // ends with the process
	return ln.Addr().String(), nil
}
