"""Erasure of a person: two admins agree, every service destroys her case keys.

The workflow (request, approve, reject, expire) is hosted by one service, through the
kernel router in ``http``; the reaction that crypto-shreds her (``consumer``) is mounted in
every service by ``runtime.build_service``. docs/security.md tells the whole story.
"""
