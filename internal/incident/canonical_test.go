package incident

import (
	"encoding/json"
	"testing"
	"time"
)

// TestCanonicalKnownAnswer pins the event encoding and its hash to values
// computed outside Go, from the encoding as documented on Canonical
// (decimal byte length, ':', the bytes, ';' per field), with Python's
// hashlib:
//
//	def canon(fields): return b"".join(str(len(f.encode())).encode()+b":"+f.encode()+b";" for f in fields)
//	hashlib.sha256(canon(["firebreak-event-v1", "", id, "1", type, actor, recorded, "", data])).hexdigest()
//
// Every stored chain depends on this encoding: a change to it must fail
// here, not pass while every stored chain breaks.
func TestCanonicalKnownAnswer(t *testing.T) {
	t.Parallel()
	const id = "0190a1b2-0000-7000-8000-000000000001"
	first := Event{
		IncidentID: id, Seq: 1, GlobalSeq: 99, Type: EvDeclared, Actor: "alice",
		RecordedAt: time.Date(2026, 11, 27, 4, 12, 0, 0, time.FixedZone("CET", 3600)),
		Data:       json.RawMessage(`{"title":"Credential leak"}`),
	}
	first.Seal("")
	const wantCanon1 = `18:firebreak-event-v1;0:;36:0190a1b2-0000-7000-8000-000000000001;1:1;17:incident.declared;5:alice;27:2026-11-27T03:12:00.000000Z;0:;27:{"title":"Credential leak"};`
	const wantHash1 = "1059f11863a13b95ed11f074d085a86b7d75aed498f870807e1eb7d7a03dd402"
	if got := string(first.Canonical()); got != wantCanon1 {
		t.Fatalf("canonical encoding of the first event:\n got %s\nwant %s", got, wantCanon1)
	}
	if first.Hash != wantHash1 {
		t.Fatalf("hash of the first event %s, want %s", first.Hash, wantHash1)
	}
	occurred := time.Date(2026, 11, 27, 3, 12, 0, 0, time.UTC)
	second := Event{
		IncidentID: id, Seq: 2, Type: EvEntryAdded, Actor: "bob",
		// Nanoseconds beyond the microsecond are not part of the record.
		RecordedAt: time.Date(2026, 11, 27, 3, 20, 0, 123456789, time.UTC),
		OccurredAt: &occurred,
		Data:       json.RawMessage(`{"body":"Zoë saw it"}`),
	}
	second.Seal(first.Hash)
	const wantHash2 = "d153ca15869789326a6e949468f30431ef543730ae32260d246470ef5096c1ed"
	if second.Hash != wantHash2 {
		t.Fatalf("hash of the second event %s, want %s (canonical %s)", second.Hash, wantHash2, second.Canonical())
	}
	if b := VerifyChain([]Event{first, second}); b != nil {
		t.Fatalf("the known chain does not verify: %+v", b)
	}
}
