//go:build race

package main

// raceDetector reports whether the race detector is on: it slows the
// pure-Go SQLite many times over, so the longest tests ask less.
const raceDetector = true
