// Package greet says hello.
package greet

import "fmt"

// Hello is the response body: the release and the environment it runs in.
func Hello(env string) string { return fmt.Sprintf("v1 %s\n", env) }
