package sim

import (
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// Request is what is sent to the supervisor's control port, on the line
// after the world's token.
type Request struct {
	Op   string   `json:"op"`
	Args []string `json:"args,omitempty"`
}

// Response is the supervisor's answer. For the fake tools' operations it
// carries what the tool prints and its exit status.
type Response struct {
	Error  string `json:"error,omitempty"`
	Stdout string `json:"stdout,omitempty"`
	Stderr string `json:"stderr,omitempty"`
	Exit   int    `json:"exit"`
}

// Control operations.
const (
	opFault        = "fault"
	opHeal         = "heal"
	opDown         = "down"
	opLaunchctl    = "launchctl"
	opNetworksetup = "networksetup"
	opFailsafe     = "failsafe"
	opProxyOn      = "proxy-on"
	opInit         = "init"
	opUpgrade      = "upgrade"
	opNetwork      = "network"
)

// maxResponse bounds the supervisor's answer: what a fake tool prints.
const maxResponse = 8 << 20

// call sends one request to the world's supervisor and waits for its answer.
func call(dir string, op string, args []string, timeout time.Duration) (Response, error) {
	s, err := LoadState(dir)
	if err != nil {
		return Response{}, err
	}
	if s.Supervisor.Control == "" || !ours(s.Supervisor.PID, s.Supervisor.Stamp) {
		return Response{}, fmt.Errorf("the world in %s is down", dir)
	}
	conn, err := net.DialTimeout("tcp", s.Supervisor.Control, 2*time.Second)
	if err != nil {
		return Response{}, fmt.Errorf("reach the world's supervisor: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	// The token on a line of its own first: the supervisor reads nothing
	// more from whoever does not know it.
	if _, err := fmt.Fprintf(conn, "%s\n", s.Token); err != nil {
		return Response{}, fmt.Errorf("send %s: %w", op, err)
	}
	if err := json.NewEncoder(conn).Encode(Request{Op: op, Args: args}); err != nil {
		return Response{}, fmt.Errorf("send %s: %w", op, err)
	}
	line, err := boundedLine(conn, maxResponse)
	if err != nil {
		return Response{}, fmt.Errorf("read the answer to %s: %w", op, err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("read the answer to %s: %w", op, err)
	}
	return resp, nil
}
