"""The service's client checks behind admission: the key ring refreshed from the store, each
process's rate limiter, the fleet's daily quota leases, and the AuthService that asks them
(handlers/http/AUTH.md). What the `inferno keys` command shares with them (key records, quota
stores) is shared/auth's."""
