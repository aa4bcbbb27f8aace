package sim

import (
	"os"
	"time"
)

// watchParent exits the process once its parent is gone (it is then
// adopted by init or a subreaper), wherever Pdeathsig does not exist.
func watchParent() {
	parent := os.Getppid()
	go func() {
		for range time.Tick(500 * time.Millisecond) {
			if os.Getppid() != parent {
				os.Exit(1)
			}
		}
	}()
}
