package status

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRunnerReadsAllOnceTheToolIsGone: once a tool has exited and nothing
// of its group is left, its output is read to the end however slowly the
// machine copies it: WaitDelay (here a nanosecond) only bounds what a
// child left running holds open.
func TestRunnerReadsAllOnceTheToolIsGone(t *testing.T) {
	r := &ExecRunner{WaitDelay: time.Nanosecond}
	for range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res, err := r.Run(ctx, "/bin/sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo done >&2")
		cancel()
		if err != nil || len(res.Stdout) != 300000 || string(res.Stderr) != "done\n" || res.Incomplete {
			t.Fatalf("read %d bytes, stderr %q, incomplete %v, %v", len(res.Stdout), res.Stderr, res.Incomplete, err)
		}
	}
}

// TestRunnerLeftoverChild: a tool that leaves a child in its group holding
// the output is read for WaitDelay, then said to be cut short.
func TestRunnerLeftoverChild(t *testing.T) {
	r := &ExecRunner{WaitDelay: 50 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := r.Run(ctx, "/bin/sh", "-c", "echo hi; sleep 30 & exit 0")
	if err != nil || string(res.Stdout) != "hi\n" || !res.Incomplete {
		t.Errorf("stdout %q, incomplete %v, %v", res.Stdout, res.Incomplete, err)
	}
}

// TestRunnerEscapedChild: a child that left the tool's group (setsid) and
// holds the output is waited for within ctx only.
func TestRunnerEscapedChild(t *testing.T) {
	setsid, err := exec.LookPath("setsid")
	if err != nil {
		t.Skip("no setsid here")
	}
	r := &ExecRunner{}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	res, err := r.Run(ctx, "/bin/sh", "-c", "echo hi; "+setsid+" sleep 30 & exit 0")
	if !res.Incomplete || err == nil {
		t.Errorf("stdout %q, incomplete %v, %v", res.Stdout, res.Incomplete, err)
	}
}

// TestRunnerCancel: cancelling ctx while the tool runs kills its group.
func TestRunnerCancel(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for {
			if _, err := os.Stat(marker); err == nil {
				cancel()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	_, err := (&ExecRunner{}).Run(ctx, "/bin/sh", "-c", "touch "+marker+"; exec sleep 30")
	if !errors.Is(err, ErrCancelled) {
		t.Errorf("cancel: %v", err)
	}
}
