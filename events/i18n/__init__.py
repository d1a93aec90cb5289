"""Languages and translations of everything a participant reads: pages, e-mails and letters.

* :mod:`events.i18n.languages`: the one table of languages (code, autonym, direction, CLDR locale).
* :mod:`events.i18n.catalogues`: gettext catalogues in three domains, ``messages`` (the pages),
  ``emails`` and ``letters``, compiled in memory from ``translations/<lang>/LC_MESSAGES/<domain>.po``.

English is the source language: texts are written in English in the code and templates (marked
with ``N_`` in Python, ``_()`` in templates), and a language has a domain's texts as soon as its
catalogue exists; until then it gets English.

Maintaining the catalogues after changing texts::

    python -m events.i18n

extracts every domain's messages (rules in ``extract/<domain>.cfg``), adds new ones untranslated
to each catalogue and drops those no longer used; translators then fill the ``msgstr``.
``tests/test_web.py`` fails while a message of any domain is missing, empty or fuzzy in any of
the six languages (Arabic, Chinese, French, Russian, Spanish besides the English source), or
when a translation drops or adds a placeholder. The same
with Babel's command line, e.g. for e-mails::

    pybabel extract -F events/i18n/extract/emails.cfg -k N_ -o emails.pot events
    pybabel update -D emails -i emails.pot -d events/i18n/translations --no-fuzzy-matching

Nothing needs compiling: catalogues are compiled in memory when first used
(``pybabel compile -D <domain> -d events/i18n/translations`` would build ``.mo`` files, which the
service does not read).
"""
