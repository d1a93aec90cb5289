"""Invitation and visa-support letters: templates per language, PDF rendering, signing, verification.

Pure parts (no database, no HTTP):

* ``wording``: the letter languages, the fixed wording (labels in code, translated by the
  ``letters`` catalogues), default templates, placeholders, and the check of a saved template.
* ``content``: the data a letter is made from, the checks that keep blanks and unprintable
  characters out, ``compose``.
* ``render``: ``LetterRenderer``: a ``LetterData`` in, PDF bytes out.
* ``signing``: PAdES B-B signatures with pyHanko; where the key comes from.
* ``making``: compose, render and sign one letter, or a chunk of them in a rendering pool worker.
* ``verification``: the code in the printed link, and the public page's rate limiter.
* ``archive``: ZIP files written piece by piece, for streamed downloads.

Services, one job each (``controllers`` and ``cli`` on top):

* ``profiles``: letterhead, signatory, logo and signature images, reference prefix.
* ``templates``: the wording organisers edit per event, kind and language.
* ``issuing``: issue, supersede, revoke, issue every missing letter, revoke a withdrawn
  registration's letters.
* ``stored``: the issued letters as stored: listing, downloading one, the event's archive.
* ``verifying``: what the public verification page answers.
* ``retention``: the data key's rotation over stored PDFs; the retention purge of visa letters.

``listeners`` revokes a registration's letters when it is cancelled or rejected
(``events.signals.registration_withdrawn``), offers them on "My registration", and erases visa
letters' PDFs when the retention purge runs (``events.signals.sensitive_data_purged``).
"""
