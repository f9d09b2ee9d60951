"""The shop's HTTP API: what the shop's own system (not customers) calls, signed with a shared secret."""
