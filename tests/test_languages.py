"""The six official languages on pages and in e-mails (Arabic right to left, Chinese, Russian), names
isolated from the text around them, figures and dates in the reader's language, and the vendored
fonts served to browsers per script. The catalogues themselves are checked in tests/test_web.py."""

from __future__ import annotations

import hashlib
import html
import re

import pytest

from events.auth.tables import Role
from events.i18n import formatting, languages
from events.notifications.tables import OutboxMessage
from events.web import webfonts
from events.web.templating import STATIC_DIR
from tests.test_web import person, sign_in_organiser, submit

AUTONYMS_IN_UN_ORDER = ["العربية", "中文", "English", "Français", "Русский", "Español"]


def switcher(page: str) -> list[str]:
    block = re.search(r'<nav class="languages.*?</nav>', page, re.S).group(0)
    return [html.unescape(name) for name in re.findall(r'lang="\w+"[^>]*>([^<]+)<', block)]


@pytest.fixture
async def open_event(make_event):
    """An event taking registrations now (Baku, October 2027)."""
    return await make_event(capacity=5)


async def outbox_mail(email: str) -> dict:
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.to_address == email)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )


# --- pages ----------------------------------------------------------------------------------------


async def test_the_arabic_registration_form_reads_right_to_left(client, open_event):
    page = await client.get(f"/events/{open_event.id}/register", params={"lang": "ar"})
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "اسم العائلة" in page.text and "عنوان البريد الإلكتروني" in page.text
    assert "إرسال التسجيل" in page.text and "أوافق على استخدام بياناتي لأغراض هذا الحدث" in page.text
    assert f"التسجيل في <bdi>{html.escape(open_event.title)}</bdi>" in page.text  # a Latin title isolated
    assert switcher(page.text) == AUTONYMS_IN_UN_ORDER
    assert re.search(r'<input class="input" id="field-family_name"[^>]* dir="auto"', page.text)
    assert re.search(r'<input class="input" id="field-email"[^>]* dir="ltr"', page.text)


async def test_the_chinese_and_russian_registration_forms(client, open_event):
    chinese = await client.get(f"/events/{open_event.id}/register", params={"lang": "zh"})
    assert '<html lang="zh" dir="ltr">' in chinese.text
    assert "姓" in chinese.text and "电子邮件地址" in chinese.text and "提交报名" in chinese.text
    russian = await client.get(f"/events/{open_event.id}/register", params={"lang": "ru"})
    assert '<html lang="ru" dir="ltr">' in russian.text
    assert "Фамилия" in russian.text and "Отправить заявку" in russian.text


async def test_an_arabic_registration_is_confirmed_in_arabic_with_arabic_dates(client, open_event):
    email = "layla.haddad@example.org"
    form = person(email=email, given_names="ليلى", family_name="الحداد", preferred_language="ar")
    received = await submit(client, open_event.id, form, lang="ar")
    assert received.status_code == 200, received.text
    assert '<html lang="ar" dir="rtl">' in received.text and "ورد التسجيل" in received.text
    assert f"<bdi>{email}</bdi>" in received.text
    mail = await outbox_mail(email)
    assert mail["subject"] == f"لقد تلقينا تسجيلكم في {open_event.title}"
    assert mail["body"].startswith("السيد/السيدة ليلى الحداد،")
    assert "نشكركم على تسجيلكم" in mail["body"] and "وردَ، وهو قيد الاستعراض" in mail["body"]
    assert "أكتوبر" in mail["body"]  # the event's dates by CLDR, not English month names
    assert "October" not in mail["body"] and "Dear" not in mail["body"]


async def test_a_chinese_registration_is_confirmed_in_chinese(client, open_event):
    email = "wang.wei@example.org"
    form = person(email=email, given_names="伟", family_name="王", preferred_language="zh")
    response = await submit(client, open_event.id, form, lang="zh")
    assert response.status_code == 200, response.text
    mail = await outbox_mail(email)
    assert mail["subject"] == f"我们已收到您对{open_event.title}的报名"
    assert mail["body"].startswith("尊敬的伟 王：") and "已收到，等待审核" in mail["body"]
    assert "2027年10月" in mail["body"]


async def test_the_dashboard_speaks_the_organisers_language(client, open_event, make_account):
    organiser = await make_account(Role.organiser, open_event.id)
    await submit(client, open_event.id, person(given_names="ليلى", family_name="الحداد"))
    await sign_in_organiser(client, organiser)
    home = await client.get("/organiser", params={"lang": "ar"})
    assert '<html lang="ar" dir="rtl">' in home.text and "أحداثكم" in home.text
    assert switcher(home.text) == AUTONYMS_IN_UN_ORDER
    listing = await client.get(f"/organiser/events/{open_event.id}/registrations")  # remembered
    assert "التسجيلات" in listing.text and "تطبيق عوامل التصفية" in listing.text
    assert "<bdi>الحداد</bdi>, <bdi>ليلى</bdi>" in listing.text
    assert ">في انتظار القرار</span>" in listing.text and ">أنثى</td>" in listing.text  # status, gender
    statistics = await client.get(f"/organiser/events/{open_event.id}/statistics", params={"lang": "zh"})
    assert "按状态分列的报名" in statistics.text and "全部有效报名" in statistics.text
    assert '<th scope="row">等待决定</th>' in statistics.text
    russian = await client.get("/organiser/audit", params={"lang": "ru"})
    assert "Журнал аудита" in russian.text and "Применить фильтры" in russian.text
    english = await client.get("/organiser/audit", params={"lang": "en"})
    assert "Audit log" in english.text and "Apply filters" in english.text


def test_figures_and_dates_follow_the_readers_language():
    import datetime

    assert formatting.format_number(1234567, "en") == "1,234,567"
    assert formatting.format_number(1234567, "fr") == "1\u202f234\u202f567"
    assert formatting.format_number(1234567, "ru") == "1\xa0234\xa0567"
    day = datetime.date(2027, 10, 12)
    assert formatting.format_date(day, "zh") == "2027年10月12日"
    assert "октября" in formatting.format_date(day, "ru")
    assert "أكتوبر" in formatting.format_date(day, "ar")
    assert [language.direction for language in languages.LANGUAGES] == [
        "rtl",
        "ltr",
        "ltr",
        "ltr",
        "ltr",
        "ltr",
    ]


# --- fonts for browsers ---------------------------------------------------------------------------


def _declared() -> list[tuple[str, str, str, str]]:
    """(weight, file, version, unicode-range) of every @font-face in site.css."""
    css = webfonts.STYLESHEET.read_text(encoding="utf-8")
    return re.findall(
        r"font-weight: (\d+);.*?url\(fonts/([\w-]+\.woff2)\?v=(\w+)\).*?unicode-range: ([^;]+);", css
    )


def test_every_vendored_font_is_served_as_woff2_subsets_declared_with_their_ranges():
    """Fails when a font is added to events/rendering/fonts (or changed) without regenerating."""
    declared = {file: (version, weight, ranges) for weight, file, version, ranges in _declared()}
    expected = {
        f"{name}-{weight}.woff2": (str(weight), webfonts.unicode_range(ranges))
        for name, files, ranges in webfonts.SCRIPTS
        for weight, source in files.items()
        if (webfonts.SOURCE_DIR / source).exists()
    }
    assert {file: (weight, ranges) for file, (_v, weight, ranges) in declared.items()} == expected
    for file, (version, _weight, _ranges) in declared.items():
        data = (webfonts.OUTPUT_DIR / file).read_bytes()
        assert data[:4] == b"wOF2", file
        assert hashlib.sha256(data).hexdigest()[:10] == version, f"{file} changed: regenerate the rules"
        # Small enough that a page downloads only what it shows. Tibetan is the one script above 120 kB:
        # its stacked consonants are glyphs reached through the font's substitutions, not code points,
        # so a smaller unicode-range would not make the file smaller.
        assert len(data) < (180_000 if file.startswith("tibetan") else 120_000), file
    for licence in webfonts.LICENCES:
        assert (webfonts.OUTPUT_DIR / licence).exists()
    assert {"arabic-400.woff2", "cyrillic-400.woff2", "ethiopic-400.woff2", "cjk-4e00-400.woff2"} <= set(
        declared
    )


@pytest.mark.parametrize(
    ("file", "text"),
    [
        ("arabic-400.woff2", "العربية ليلى الحداد"),
        ("cyrillic-700.woff2", "Русский Ёлкин"),
        ("ethiopic-400.woff2", "አበበ ቢቂላ"),
        ("cjk-4e00-400.woff2", "中"),
        ("cjk-6200-400.woff2", "文"),
        ("latin-400.woff2", "Nguyễn Thị Ánh"),
    ],
)
def test_each_subset_draws_its_script(file, text):
    from fontTools.ttLib import TTFont

    cmap = TTFont(webfonts.OUTPUT_DIR / file).getBestCmap()
    assert all(ord(char) in cmap for char in text if not char.isspace()), file
    if file.startswith("arabic"):
        assert "GSUB" in TTFont(webfonts.OUTPUT_DIR / file)  # joining forms kept for the browser's shaper


async def test_fonts_are_served_to_pages_that_allow_them(client, open_event):
    page = await client.get(f"/events/{open_event.id}")
    assert "font-src 'self'" in page.headers["content-security-policy"]
    css = await client.get("/static/site.css")
    assert css.status_code == 200 and "unicode-range" in css.text
    font = await client.get("/static/fonts/arabic-400.woff2")
    assert font.status_code == 200 and font.headers["content-type"] == "font/woff2"
    assert font.content == (STATIC_DIR / "fonts" / "arabic-400.woff2").read_bytes()
    assert '"OneStop Noto"' in (STATIC_DIR / "site.css").read_text(encoding="utf-8")


async def test_imported_macros_speak_the_pages_language(client, open_event, make_account):
    """The form macros translate what they draw (choices' labels, "There is a problem"), as does the
    jobs' progress bar: a template that imports such macros without its context would draw them in
    English on every other language's page (``_`` reads the language from the context)."""
    templates = STATIC_DIR.parent / "templates"
    for template in templates.rglob("*.html"):
        for line in template.read_text(encoding="utf-8").splitlines():
            imported = re.search(r'\{% (?:from|import) "([^"]+)"', line)
            if imported and "_(" in (templates / imported.group(1)).read_text(encoding="utf-8"):
                assert "with context" in line, f"{template.relative_to(templates)}: {line.strip()}"
    organiser = await make_account(Role.organiser, open_event.id)
    await sign_in_organiser(client, organiser)
    badges = await client.get(f"/organiser/events/{open_event.id}/badges", params={"lang": "ar"})
    assert badges.status_code == 200
    assert "A6، شارة واحدة في كل صفحة" in badges.text and "A6, one badge a page" not in badges.text
