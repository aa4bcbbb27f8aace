package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"howett.net/plist"

	"github.com/haltonlabs/halton-meter-bar/internal/text"
)

// JobInfo is what launchd says of one job.
type JobInfo struct {
	Label  string
	Loaded bool
	// PID is 0 when the job is not running.
	PID int
	// HasStatus is set once the job has exited at least once.
	HasStatus bool
	// Status is the last exit status in the table's convention: a negative
	// number is the signal that killed the job, a positive one its exit code.
	Status int
	// ProgramArguments is only known from the per-label form.
	ProgramArguments []string
}

// Running reports whether launchd has a PID for the job.
func (j JobInfo) Running() bool { return j.Loaded && j.PID > 0 }

// ExitText says how the job last ended: "exited with status 1",
// "killed by signal 9", or "" when it never exited or exited 0.
func (j JobInfo) ExitText() string {
	if !j.HasStatus {
		return ""
	}
	switch {
	case j.Status < 0:
		return "killed by " + SignalText(-j.Status)
	case j.Status > 0:
		return fmt.Sprintf("exited with status %d", j.Status)
	}
	return ""
}

// ParseListTable parses the output of `launchctl list` (no argument): a
// header `PID\tStatus\tLabel`, then one job per line. Blank lines and CRLF
// endings are accepted; a line that is not three fields is an error, since
// it means this is not the table we know.
func ParseListTable(out []byte) (map[string]JobInfo, error) {
	jobs := make(map[string]JobInfo)
	sawHeader := false
	for i, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if !sawHeader {
			if len(fields) != 3 || fields[0] != "PID" || fields[1] != "Status" || fields[2] != "Label" {
				return nil, fmt.Errorf("unexpected first line %q", text.Clip(line, 60))
			}
			sawHeader = true
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("line %d: want PID, Status and Label, got %q", i+1, text.Clip(line, 60))
		}
		j := JobInfo{Label: fields[2], Loaded: true}
		if fields[0] != "-" {
			pid, err := strconv.Atoi(fields[0])
			if err != nil || pid <= 0 {
				return nil, fmt.Errorf("line %d: bad PID %q", i+1, text.Clip(fields[0], 20))
			}
			j.PID = pid
		}
		st, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: bad status %q", i+1, text.Clip(fields[1], 20))
		}
		j.Status, j.HasStatus = st, true
		jobs[j.Label] = j
	}
	if !sawHeader {
		return nil, errors.New("empty output")
	}
	return jobs, nil
}

// labelPlist is the per-label form's keys that matter.
type labelPlist struct {
	Label            string   `plist:"Label"`
	PID              *int     `plist:"PID"`
	LastExitStatus   *int     `plist:"LastExitStatus"`
	Program          string   `plist:"Program"`
	ProgramArguments []string `plist:"ProgramArguments"`
}

// ParseListLabel parses the output of `launchctl list <label>`: an OpenStep
// dictionary whose arrays use `;` between elements and that ends in `};`,
// both of which the plist decoder rejects, so they are rewritten first.
// LastExitStatus there is a raw wait(2) status; it is converted to the
// table's convention.
func ParseListLabel(out []byte) (JobInfo, error) {
	body := bytes.TrimSpace(out)
	if len(body) == 0 {
		return JobInfo{}, errors.New("empty output")
	}
	if body[0] != '{' {
		return JobInfo{}, fmt.Errorf("not a dictionary: %q", text.Clip(firstLine(body), 60))
	}
	var p labelPlist
	if err := decodePlist(openStepArrays(bytes.TrimSuffix(body, []byte(";"))), &p); err != nil {
		return JobInfo{}, err
	}
	j := JobInfo{Label: p.Label, Loaded: true, ProgramArguments: p.ProgramArguments}
	if p.PID != nil {
		if *p.PID <= 0 {
			return JobInfo{}, fmt.Errorf("bad PID %d", *p.PID)
		}
		j.PID = *p.PID
	}
	if p.LastExitStatus != nil {
		j.HasStatus = true
		j.Status = fromWaitStatus(*p.LastExitStatus)
	}
	return j, nil
}

// fromWaitStatus turns a raw wait(2) status into the table's convention.
func fromWaitStatus(ws int) int {
	if ws < 0 { // some launchd versions print the table's form here too
		return ws
	}
	if sig := ws & 0x7f; sig != 0 {
		return -sig
	}
	return ws >> 8
}

// openStepArrays rewrites `;` to `,` where the innermost open bracket is `(`,
// skipping quoted strings, so launchctl's arrays parse as OpenStep.
func openStepArrays(b []byte) []byte {
	out := make([]byte, len(b))
	copy(out, b)
	var stack []byte
	inQuote, escaped := false, false
	for i, c := range out {
		if inQuote {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inQuote = false
			}
			continue
		}
		switch c {
		case '"':
			inQuote = true
		case '(', '{':
			stack = append(stack, c)
		case ')', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ';':
			if len(stack) > 0 && stack[len(stack)-1] == '(' {
				out[i] = ','
			}
		}
	}
	return out
}

// decodePlist decodes any plist format into v. The decoder re-panics on
// runtime errors inside itself; a malformed file must never take the sweep
// down, so those become errors too.
func decodePlist(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed plist (%v)", r)
		}
	}()
	if _, err := plist.Unmarshal(data, v); err != nil {
		return fmt.Errorf("malformed plist: %w", err)
	}
	return nil
}

// LaunchdFacts is what the launchd probe found.
type LaunchdFacts struct {
	// Problem is set when launchd could not be asked at all.
	Problem string
	Jobs    map[string]JobInfo
}

// Job returns the job for label; a label launchd does not list is not loaded.
func (f LaunchdFacts) Job(label string) JobInfo {
	if j, ok := f.Jobs[label]; ok {
		return j
	}
	return JobInfo{Label: label}
}

// probeLaunchd asks launchd for all four jobs with one `launchctl list`.
// Should the table be unreadable, it falls back to `launchctl list <label>`
// for each label, concurrently.
func probeLaunchd(ctx context.Context, r Runner, path string, timeout time.Duration) LaunchdFacts {
	res, err := RunTool(ctx, r, "launchctl", path, timeout, "list")
	if err != nil {
		return LaunchdFacts{Problem: err.Error()}
	}
	if res.ExitCode != 0 {
		return LaunchdFacts{Problem: ExitReason("launchctl list", res)}
	}
	jobs, perr := ParseListTable(res.Stdout)
	if perr == nil {
		return LaunchdFacts{Jobs: jobs}
	}
	facts := probeLabels(ctx, r, path, timeout)
	if facts.Problem != "" {
		facts.Problem = fmt.Sprintf("launchctl list output unreadable (%v); %s", perr, facts.Problem)
	}
	return facts
}

// probeLabels asks launchd about each label with the per-label form.
func probeLabels(ctx context.Context, r Runner, path string, timeout time.Duration) LaunchdFacts {
	type answer struct {
		job JobInfo
		err error
	}
	answers := make([]answer, len(Labels))
	var wg sync.WaitGroup
	for i, label := range Labels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i].job, answers[i].err = queryLabel(ctx, r, path, timeout, label)
		}()
	}
	wg.Wait()
	facts := LaunchdFacts{Jobs: make(map[string]JobInfo)}
	for i, a := range answers {
		if a.err != nil {
			facts.Problem = a.err.Error()
			return facts
		}
		if a.job.Loaded {
			a.job.Label = Labels[i]
			facts.Jobs[Labels[i]] = a.job
		}
	}
	return facts
}

// queryLabel runs `launchctl list <label>`. A label that is not loaded
// (exit 113) gives a JobInfo with Loaded false and no error.
func queryLabel(ctx context.Context, r Runner, path string, timeout time.Duration, label string) (JobInfo, error) {
	res, err := RunTool(ctx, r, "launchctl", path, timeout, "list", label)
	if err != nil {
		return JobInfo{}, err
	}
	if res.ExitCode == ExitNotLoaded {
		return JobInfo{Label: label}, nil
	}
	if res.ExitCode != 0 {
		return JobInfo{}, errors.New(ExitReason("launchctl list "+label, res))
	}
	j, err := ParseListLabel(res.Stdout)
	if err != nil {
		return JobInfo{}, fmt.Errorf("launchctl list %s output unreadable: %w", label, err)
	}
	return j, nil
}

// ExitReason describes a failed command by its exit status and first line.
func ExitReason(what string, res Result) string {
	msg := outputLine(res)
	if msg == "" {
		return fmt.Sprintf("%s exited %d", what, res.ExitCode)
	}
	return fmt.Sprintf("%s exited %d: %s", what, res.ExitCode, msg)
}
