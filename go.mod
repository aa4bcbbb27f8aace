module github.com/haltonlabs/halton-meter-bar

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	golang.org/x/term v0.48.0
	howett.net/plist v1.0.1
)

require golang.org/x/sys v0.50.0 // indirect
