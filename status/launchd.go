package status

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
// header `PID\tStatus\tLabel`, then one job per line, its three fields
// separated by tabs (spaces are accepted where there are none; a label may
// hold spaces). Blank lines and CRLF endings are accepted; a line without
// a PID and a status is an error, since it means this is not the table we
// know.
func ParseListTable(out []byte) (map[string]JobInfo, error) {
	jobs := make(map[string]JobInfo)
	sawHeader := false
	for i, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimRight(raw, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		pidField, statusField, label, ok := tableFields(line)
		if !sawHeader {
			if !ok || pidField != "PID" || statusField != "Status" || label != "Label" {
				return nil, fmt.Errorf("unexpected first line %q", text.Safe(text.Clip(line, 60)))
			}
			sawHeader = true
			continue
		}
		if !ok {
			return nil, fmt.Errorf("line %d: want PID, Status and Label, got %q", i+1, text.Safe(text.Clip(line, 60)))
		}
		j := JobInfo{Label: label, Loaded: true}
		if pidField != "-" {
			pid, err := strconv.Atoi(pidField)
			if err != nil || pid <= 0 {
				return nil, fmt.Errorf("line %d: bad PID %q", i+1, text.Safe(text.Clip(pidField, 20)))
			}
			j.PID = pid
		}
		st, err := strconv.Atoi(statusField)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad status %q", i+1, text.Safe(text.Clip(statusField, 20)))
		}
		j.Status, j.HasStatus = st, true
		jobs[j.Label] = j
	}
	if !sawHeader {
		return nil, errors.New("empty output")
	}
	return jobs, nil
}

// tableFields splits a line of the table into PID, status and label.
func tableFields(line string) (pid, status, label string, ok bool) {
	if parts := strings.SplitN(line, "\t", 3); len(parts) == 3 {
		pid, status, label = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1]), strings.TrimSpace(parts[2])
	} else {
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return "", "", "", false
		}
		pid, status = fields[0], fields[1]
		rest := strings.TrimSpace(line)
		for _, f := range fields[:2] {
			rest = strings.TrimSpace(strings.TrimPrefix(rest, f))
		}
		label = rest
	}
	return pid, status, label, pid != "" && status != "" && label != ""
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
		return JobInfo{}, fmt.Errorf("not a dictionary: %q", text.Safe(text.Clip(firstLine(body), 60)))
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

// Where launchd's answer came from.
const (
	// LaunchdFromList: one `launchctl list`, the caller's own domain.
	LaunchdFromList = "list"
	// LaunchdFromPrint: `launchctl print gui/<uid>/<label>` per label, for a
	// caller outside the user's GUI session (SSH, root, another user).
	LaunchdFromPrint = "print"
)

// LaunchdFacts is what the launchd probe found.
type LaunchdFacts struct {
	// Problem is set when launchd could not be asked at all.
	Problem string
	Jobs    map[string]JobInfo
	// Source is LaunchdFromList or LaunchdFromPrint.
	Source string
	// Disabled are the labels switched off in the GUI domain (Login Items,
	// `launchctl disable`); asked only when a job with a plist is not loaded.
	// DisabledProblem says why that could not be told.
	Disabled        map[string]bool
	DisabledProblem string
}

// Job returns the job for label; a label launchd does not list is not loaded.
func (f LaunchdFacts) Job(label string) JobInfo {
	if j, ok := f.Jobs[label]; ok {
		return j
	}
	return JobInfo{Label: label}
}

// probeLaunchd asks launchd for the four jobs. From the user's own GUI
// session one `launchctl list` answers for all four. Should its table list
// none of them while their plists are there (an SSH session sits in the
// Background domain, which cannot see the GUI agents), or when the install
// is another user's, `launchctl print gui/<uid>/<label>` asks for each
// label whose plist exists. A job whose plist exists but is not loaded
// may be switched off: one `launchctl print-disabled` says.
func probeLaunchd(ctx context.Context, r Runner, cfg Config, timeout time.Duration, agents map[string]bool) LaunchdFacts {
	if !filepath.IsAbs(cfg.Launchctl) {
		return LaunchdFacts{Problem: fmt.Sprintf("%s=%q is not an absolute path; refused", EnvLaunchctl, text.Clip(cfg.Launchctl, 60))}
	}
	var facts LaunchdFacts
	if cfg.OtherUser {
		facts = probePrint(ctx, r, cfg, timeout, agents)
	} else {
		facts = probeList(ctx, r, cfg.Launchctl, timeout)
		if facts.Problem == "" && !anyListed(facts.Jobs) && len(agents) > 0 {
			facts = probePrint(ctx, r, cfg, timeout, agents)
		}
	}
	if facts.Problem != "" {
		return facts
	}
	for _, label := range Labels {
		if agents[label] && !facts.Job(label).Loaded {
			facts.Disabled, facts.DisabledProblem = probeDisabled(ctx, r, cfg, timeout)
			break
		}
	}
	return facts
}

func anyListed(jobs map[string]JobInfo) bool {
	for _, label := range Labels {
		if _, ok := jobs[label]; ok {
			return true
		}
	}
	return false
}

// probeList runs `launchctl list`; should its table be unreadable, it falls
// back to `launchctl list <label>` for each label, concurrently.
func probeList(ctx context.Context, r Runner, path string, timeout time.Duration) LaunchdFacts {
	res, err := RunTool(ctx, r, "launchctl", path, timeout, "list")
	if err != nil {
		return LaunchdFacts{Problem: err.Error()}
	}
	if res.ExitCode != 0 {
		return LaunchdFacts{Problem: ExitReason("launchctl list", res)}
	}
	jobs, perr := ParseListTable(res.Stdout)
	if perr == nil {
		return LaunchdFacts{Jobs: jobs, Source: LaunchdFromList}
	}
	facts := eachLabel(Labels, func(label string) (JobInfo, error) { return queryLabel(ctx, r, path, timeout, label) })
	facts.Source = LaunchdFromList
	if facts.Problem != "" {
		facts.Problem = fmt.Sprintf("launchctl list output unreadable (%v); %s", perr, facts.Problem)
	}
	return facts
}

// probePrint asks `launchctl print gui/<uid>/<label>` for each label whose
// plist exists, concurrently.
func probePrint(ctx context.Context, r Runner, cfg Config, timeout time.Duration, agents map[string]bool) LaunchdFacts {
	var labels []string
	for _, label := range Labels {
		if agents[label] {
			labels = append(labels, label)
		}
	}
	facts := eachLabel(labels, func(label string) (JobInfo, error) {
		return printLabel(ctx, r, cfg.Launchctl, timeout, cfg.UID, label)
	})
	facts.Source = LaunchdFromPrint
	return facts
}

// eachLabel asks query about labels concurrently; the first error is the
// facts' Problem.
func eachLabel(labels []string, query func(label string) (JobInfo, error)) LaunchdFacts {
	type answer struct {
		job JobInfo
		err error
	}
	answers := make([]answer, len(labels))
	var wg sync.WaitGroup
	for i, label := range labels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i].job, answers[i].err = query(label)
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
			a.job.Label = labels[i]
			facts.Jobs[labels[i]] = a.job
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

// ExitNoDomain is launchctl's exit status for a domain that does not
// exist: gui/<uid> of a user with no GUI session.
const ExitNoDomain = 112

// printLabel runs `launchctl print gui/<uid>/<label>`. Not loaded (113, or
// "Could not find service", which some releases print with another status)
// is a JobInfo with Loaded false; no GUI session for the user is an error.
func printLabel(ctx context.Context, r Runner, path string, timeout time.Duration, uid int, label string) (JobInfo, error) {
	target := ServiceTarget(uid, label)
	res, err := RunTool(ctx, r, "launchctl", path, timeout, "print", target)
	if err != nil {
		return JobInfo{}, err
	}
	switch {
	case res.ExitCode == ExitNotLoaded || bytes.Contains(res.Stdout, []byte("Could not find service")) || bytes.Contains(res.Stderr, []byte("Could not find service")):
		return JobInfo{Label: label}, nil
	case res.ExitCode == ExitNoDomain:
		return JobInfo{}, fmt.Errorf("launchd has no GUI session for uid %d (is the user logged in?)", uid)
	case res.ExitCode != 0:
		return JobInfo{}, errors.New(ExitReason("launchctl print "+target, res))
	}
	j, err := ParsePrint(res.Stdout)
	if err != nil {
		return JobInfo{}, fmt.Errorf("launchctl print %s output unreadable: %w", target, err)
	}
	return j, nil
}

// ParsePrint parses `launchctl print gui/<uid>/<label>`: the top-level
// `key = value` lines (one tab deep) of its block. `state = running` with
// `pid = N` is a running job; `last exit code = N` (or `N: NAME`, or
// `(never exited)`) and `last terminating signal = Name: N` say how it
// last ended.
func ParsePrint(out []byte) (JobInfo, error) {
	lines := strings.Split(string(out), "\n")
	first := ""
	for _, l := range lines {
		if first = strings.TrimSpace(l); first != "" {
			break
		}
	}
	if !strings.HasSuffix(first, "= {") {
		return JobInfo{}, errors.New("not a launchctl print block")
	}
	j := JobInfo{Loaded: true}
	state := ""
	for _, raw := range lines {
		line := strings.TrimRight(raw, "\r")
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue // only the block's own keys; nested blocks are deeper
		}
		key, value, ok := strings.Cut(strings.TrimSpace(line), " = ")
		if !ok {
			continue
		}
		switch key {
		case "state":
			state = value
		case "pid":
			pid, err := strconv.Atoi(value)
			if err != nil || pid <= 0 {
				return JobInfo{}, errors.New("bad pid")
			}
			j.PID = pid
		case "last exit code":
			if value == "(never exited)" {
				break
			}
			num, _, _ := strings.Cut(value, ":")
			code, err := strconv.Atoi(strings.TrimSpace(num))
			if err != nil {
				return JobInfo{}, errors.New("bad last exit code")
			}
			j.Status, j.HasStatus = code, true
		case "last terminating signal":
			_, num, ok := strings.Cut(value, ":")
			sig, err := strconv.Atoi(strings.TrimSpace(num))
			if !ok || err != nil || sig <= 0 {
				return JobInfo{}, errors.New("bad last terminating signal")
			}
			j.Status, j.HasStatus = -sig, true
		}
	}
	if state == "" {
		return JobInfo{}, errors.New("no state")
	}
	if state != "running" {
		j.PID = 0
	}
	return j, nil
}

// probeDisabled runs `launchctl print-disabled gui/<uid>` for the labels
// switched off in the user's GUI domain.
func probeDisabled(ctx context.Context, r Runner, cfg Config, timeout time.Duration) (map[string]bool, string) {
	domain := GUIDomain(cfg.UID)
	res, err := RunTool(ctx, r, "launchctl", cfg.Launchctl, timeout, "print-disabled", domain)
	if err != nil {
		return nil, err.Error()
	}
	if res.ExitCode != 0 {
		return nil, ExitReason("launchctl print-disabled "+domain, res)
	}
	disabled, err := ParsePrintDisabled(res.Stdout)
	if err != nil {
		return nil, fmt.Sprintf("launchctl print-disabled %s output unreadable: %v", domain, err)
	}
	return disabled, ""
}

// ParsePrintDisabled parses `launchctl print-disabled gui/<uid>`: one
// `"label" => disabled` line per override, `enabled` otherwise (older
// releases: `true` for disabled, `false`). Only the disabled labels are
// returned.
func ParsePrintDisabled(out []byte) (map[string]bool, error) {
	disabled := make(map[string]bool)
	saw := false
	for _, raw := range strings.Split(string(out), "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasSuffix(line, "= {") {
			saw = true
			continue
		}
		label, value, ok := strings.Cut(line, "=>")
		if !ok {
			continue
		}
		label = strings.TrimSpace(label)
		if len(label) < 2 || label[0] != '"' || label[len(label)-1] != '"' {
			return nil, errors.New("a line that is not \"label\" => state")
		}
		switch strings.TrimSpace(value) {
		case "disabled", "true":
			disabled[label[1:len(label)-1]] = true
		case "enabled", "false":
		default:
			return nil, errors.New("a state that is neither enabled nor disabled")
		}
	}
	if !saw {
		return nil, errors.New("no disabled services block")
	}
	return disabled, nil
}

// ExitReason describes a failed command by its exit status and first line.
func ExitReason(what string, res Result) string {
	msg := outputLine(res)
	if msg == "" {
		return fmt.Sprintf("%s exited %d", what, res.ExitCode)
	}
	return fmt.Sprintf("%s exited %d: %s", what, res.ExitCode, msg)
}
