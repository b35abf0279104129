package auth

// HashWithParams hashes with other argon2id parameters than today's, as a
// hash stored before the parameters were raised would be.
func HashWithParams(pw string, memory, time uint32, threads uint8) string {
	return hashWith(pw, argonParams{memory: memory, time: time, threads: threads})
}

// LimiterKeys is how many keys l holds.
func LimiterKeys(l *Limiter) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.keys)
}
