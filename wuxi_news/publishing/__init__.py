"""Publishing: the public site as a folder of files, a pure function of the published state.

`files` says where a URL's bytes live and with which Content-Type; `inventory` which URLs
the published state has and which a change touches; `render` bakes a URL through Django's
own URL resolver and views; `targets` writes the bytes (a local folder with releases, or
S3-compatible storage); `queue` records the work in the editor's transaction; `worker`
drains it (`publishworker`, `bake`).
"""
