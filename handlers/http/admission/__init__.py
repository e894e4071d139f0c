"""Admission: whether a request is taken on, decided in one place before the route runs.

- `stage.py`, an ASGI middleware, before the body: the client's key (401), its request rate
  (429), the declared body size (413), room in the prediction lane and the client's share of it
  (503, 429); and while the body streams, its size and its JSON values (413).
- `declared.py`, the one dependency each route declares (`admits(model=..., items=...)`, or
  `ANYONE` for an open route), once the body is read: JSON (415), the client's model (403), its
  rates on items and its daily quota (429), countless unknown fields (422, `fields.py`).
- `keys.py`: the presented key, and the per-client counts.
"""
