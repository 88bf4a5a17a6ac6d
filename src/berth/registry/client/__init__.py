"""The registry client: reference to endpoint, auth, HTTP transport, fetch and push.

A mechanism package (L1): it speaks the OCI distribution protocol to one
registry and knows nothing of the content store or the image table; the
``images`` package orchestrates pull and push with it. Every call blocks (the
image service runs in worker threads), over ``http.client``.

- ``endpoint``: which scheme, host and CAs a registry domain is reached at;
- ``insecure``: dockerd's ``--insecure-registry`` values, and which registries they name;
- ``ping``: the first ``GET /v2/``, which settles an insecure registry's scheme;
- ``dockerconfig``: docker's ``config.json`` credentials and credential helpers;
- ``auth``: anonymous, basic and bearer-token authorization with a token cache;
- ``transport``: one HTTP exchange, redirects, errors as berth errors;
- ``repository``: the distribution API of one repository (manifests, blobs, uploads).
"""
