package greet

// Body is the response: the version the conformance test edits, and a word.
func Body(version string) string { return version + " hello\n" }
