module example.com/go-hello

go 1.19

require example.com/greet v0.1.0

// The greeting lives in a local module: no download needed, and it still
// shows up in the binary's build info (and so in `devparity check`).
replace example.com/greet => ./greet
