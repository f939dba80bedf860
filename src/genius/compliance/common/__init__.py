"""What the compliance sub-packages share; the siblings import this package (and ``genius.core``), never
each other.

* ``errors``    — ANAF's error kinds, ``ApiError``, ``AnafApiError``/``AnafTimeout``, ``OAuthError``;
* ``client``    — the ANAF REST client base: quotas in Redis, Bearer token refreshed once on 401/403,
  429 waits ``Retry-After``, timeouts never retried; the gateway's replies read into ``ApiError``;
* ``oauth``     — ANAF OAuth2 (authorization code, refresh) and the encrypted per-tenant token store
  (e-Factura and e-Transport share one ANAF connection); its table is in ``models``, its SQL in
  ``repository``;
* ``findings``  — ``Finding`` / ``Severity``, what every validator reports;
* ``report``    — the validation commands' output (text or ``--json``, exit 1 on fatal);
* ``codes``     — shared code lists (UN/ECE Rec 20/21 units, ISO 4217, ISO 3166);
* ``backoff``   — exponential backoff, ``poll_until`` and ``retry_temporary`` for Celery tasks;
* ``lifecycle`` — what the submission tables share: states with a final set, ``touch``, the idempotency
  key and the row lock (``repository``);
* ``deps``      — the API's typed auth dependencies and common headers.
"""
