//go:build !linux

package main

// processRSS is Linux's /proc only.
func processRSS(int) (rss, bool) { return rss{}, false }
