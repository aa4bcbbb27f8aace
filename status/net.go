package status

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// loopback is the only host the engine talks to.
const loopback = "127.0.0.1"

// maxHealthBody bounds what is read of a /health answer. The real one is
// {"status":"ok"} and perhaps a version.
const maxHealthBody = 64 << 10

// PortFacts is whether a loopback port accepts a TCP connection.
type PortFacts struct {
	Port      int
	Accepting bool
	// Problem is set when the connect neither succeeded nor was refused.
	Problem string
}

// Address is 127.0.0.1:port.
func (p PortFacts) Address() string { return loopbackAddr(p.Port) }

func loopbackAddr(port int) string { return net.JoinHostPort(loopback, strconv.Itoa(port)) }

// probePort connects to 127.0.0.1:port and closes at once.
func probePort(ctx context.Context, port int, timeout time.Duration) PortFacts {
	f := PortFacts{Port: port}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", f.Address())
	switch {
	case err == nil:
		conn.Close()
		f.Accepting = true
	case errors.Is(err, syscall.ECONNREFUSED):
	case ctx.Err() != nil:
		f.Problem = fmt.Sprintf("connect timed out after %s", fmtDuration(timeout))
	default:
		noteShortage(ctx, err)
		f.Problem = fmt.Sprintf("connect failed: %v", errors.Unwrap(err))
	}
	return f
}

// HealthFacts is what GET /health answered.
type HealthFacts struct {
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Problem says why there was no usable answer (timeout, refused, redirect).
	Problem string
	// TimedOut is set when the request timed out after connecting.
	TimedOut bool
	// BodyStatus and Version are what a JSON body says, when it is JSON.
	BodyStatus string
	Version    string
	// BodyProblem is set when a 200's body is not the JSON we expect.
	BodyProblem string
}

// ParseHealthBody reads {"status": "...", "version": "..."} from /health.
func ParseHealthBody(b []byte) (status, version string, err error) {
	var body struct {
		Status  any `json:"status"`
		Version any `json:"version"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return "", "", errors.New("body is not a JSON object")
	}
	status, _ = body.Status.(string)
	if v, ok := body.Version.(string); ok && validVersion(v) {
		version = v
	}
	return text.Clip(status, 40), version, nil
}

// maxResponseHeader bounds the headers of an answer from the daemon's API.
const maxResponseHeader = 64 << 10

// healthClient follows no redirect, uses no proxy (the user's HTTPS_PROXY
// may point at the very edge being checked), keeps no connection between
// sweeps, and reads at most maxResponseHeader of headers (net/http's own
// default is 1 MB).
var healthClient = &http.Client{
	Transport: &http.Transport{
		Proxy:                  nil,
		DisableKeepAlives:      true,
		DisableCompression:     true,
		MaxResponseHeaderBytes: maxResponseHeader,
		DialContext:            (&net.Dialer{}).DialContext,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// probeHealth does GET http://127.0.0.1:port/health with a bounded body.
func probeHealth(ctx context.Context, port int, timeout time.Duration) HealthFacts {
	var f HealthFacts
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+loopbackAddr(port)+"/health", nil)
	if err != nil {
		f.Problem = err.Error()
		return f
	}
	req.Header.Set("Accept", "application/json")
	resp, err := healthClient.Do(req)
	if err != nil {
		switch {
		case errors.Is(err, syscall.ECONNREFUSED):
			f.Problem = "connection refused"
		case ctx.Err() != nil:
			f.Problem, f.TimedOut = fmt.Sprintf("/health timed out after %s", fmtDuration(timeout)), true
		default:
			noteShortage(ctx, err)
			f.Problem = fmt.Sprintf("/health failed: %v", unwrapAll(err))
		}
		return f
	}
	defer resp.Body.Close()
	f.Status = resp.StatusCode
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		f.Problem = fmt.Sprintf("/health redirects (%d) to %s", resp.StatusCode, text.Clip(loc, 60))
		return f
	}
	if resp.StatusCode != http.StatusOK {
		return f
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxHealthBody+1))
	switch {
	case ctx.Err() != nil:
		f.Problem, f.TimedOut = fmt.Sprintf("/health body timed out after %s", fmtDuration(timeout)), true
		return f
	case err != nil:
		f.BodyProblem = fmt.Sprintf("body unreadable: %v", unwrapAll(err))
	case len(body) > maxHealthBody:
		f.BodyProblem = fmt.Sprintf("body over %s", byteSize(maxHealthBody))
	default:
		f.BodyStatus, f.Version, err = ParseHealthBody(body)
		if err != nil {
			f.BodyProblem = err.Error()
		} else if f.BodyStatus != "ok" {
			f.BodyProblem = fmt.Sprintf("status %q", f.BodyStatus)
		}
	}
	return f
}

func unwrapAll(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
