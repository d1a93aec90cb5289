"""Imported by the rendering fork server (:mod:`events.rendering.pool`) only, never by the service.

It draws one badge with names in several scripts, so every worker process forked from the server
starts with the fonts registered and HarfBuzz's font faces loaded (about 0.6 s of CPU a worker
would otherwise spend on its first chunk).
"""

from events.badges.render import BadgeData, BadgeRenderer, EventInfo

_CODE = "warm-up"  # what the QR codes say: any text will do

BadgeRenderer(EventInfo(title="Warm-up", dates="1 January 2027", place="Baku"), "4xa6").render(
    [
        BadgeData(token=_CODE, given_names="Amina", family_name="Moussa", institution="Ministry"),
        BadgeData(token=_CODE, given_names="عبدالله", family_name="الحداد", latin_name="ABDULLAH"),
        BadgeData(token=_CODE, given_names="伟", family_name="王", latin_name="WANG WEI"),
        BadgeData(token=_CODE, given_names="Дмитрий", family_name="Иванов", country_name="Azərbaycan"),
    ]
)
