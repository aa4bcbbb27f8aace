package sim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// Request is one line sent to the supervisor's control port.
type Request struct {
	Token string   `json:"token"`
	Op    string   `json:"op"`
	Args  []string `json:"args,omitempty"`
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
)

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
	if err := json.NewEncoder(conn).Encode(Request{Token: s.Token, Op: op, Args: args}); err != nil {
		return Response{}, fmt.Errorf("send %s: %w", op, err)
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		return Response{}, fmt.Errorf("read the answer to %s: %w", op, err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		return Response{}, fmt.Errorf("read the answer to %s: %w", op, err)
	}
	return resp, nil
}
