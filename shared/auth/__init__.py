"""Client-key records and quota stores, which the service's checks (handlers/http/auth/) and
`inferno keys` both use (see handlers/http/AUTH.md)."""
