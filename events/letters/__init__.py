"""Invitation and visa-support letters: templates per language, PDF rendering, signing, verification.

* ``content``: the wording (fixed labels in code, templates with ``{placeholders}`` organisers
  edit per event), the checks that keep blanks and unprintable characters out, ``compose``.
* ``render``: ``LetterRenderer``, pure: a ``LetterData`` in, PDF bytes out.
* ``signing``: PAdES B-B signatures with pyHanko; where the key comes from.
* ``verification``: the code in the printed link, and the public page's rate limiter.
* ``archive``: ZIP files written piece by piece, for streamed downloads.
* ``services``: profile, templates, issue, supersede, revoke, verify, bulk; ``controllers`` and
  ``cli`` on top. ``listeners`` revokes a registration's letters when it is cancelled or rejected
  (``events.signals.registration_withdrawn``) and offers them on "My registration".
"""
