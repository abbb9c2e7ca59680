"""Every push template exists in every language, renders without a missing placeholder, escapes HTML and offers
a web_app button (https only)."""

from __future__ import annotations

import re
import string

import pytest

from luckymart.push_templates import LANGUAGES, TEMPLATES, render

pytestmark = pytest.mark.unit
# the template keys private.push_templates maps notification types to (checked against SQL in the integration test)
EXPECTED_KEYS = {
    "LOTTERY_WIN",
    "LOTTERY_RESULT",
    "LOTTERY_CANCELLED",
    "DEPOSIT_APPROVED",
    "DEPOSIT_REJECTED",
    "WITHDRAWAL_COMPLETED",
    "WITHDRAWAL_REJECTED",
    "SHIPPING_SHIPPED",
    "SHIPPING_DELIVERED",
    "SHOWOFF_APPROVED",
    "SHOWOFF_REJECTED",
    "RESALE_SOLD",
    "COMMISSION",
    "BROADCAST",
}


def test_every_key_has_every_language_with_a_message_and_a_button() -> None:
    assert set(TEMPLATES) == EXPECTED_KEYS
    for key, template in TEMPLATES.items():
        assert set(template.texts) == set(LANGUAGES), key
        for language, (text, button) in template.texts.items():
            assert text.strip() and button.strip(), (key, language)


def test_in_app_texts_are_the_push_message_as_plain_text_with_a_title() -> None:
    from luckymart.push_templates import IN_APP_ONLY, TITLES, render_in_app

    # in-app-only types are not pushed
    assert set(TITLES) == EXPECTED_KEYS and not set(IN_APP_ONLY) & EXPECTED_KEYS
    for key in [*TEMPLATES, *IN_APP_ONLY]:
        for language in LANGUAGES:
            rendered = render_in_app(key, language, {"subject": "S", "amount": "1.00", "text_i18n": {"en": "T"}})
            assert rendered is not None, (key, language)
            title, text = rendered
            assert title.strip() and text.strip(), (key, language)
            assert "<" not in text and "{" not in text, (key, language)  # no markup, nothing unfilled
    assert render_in_app("LOTTERY_RESULT", "tg", {"subject": "<a> & b", "winning_code": "7"}) == (
        "Натиҷаи қуръакашӣ",
        "Қуръакашии «<a> & b» анҷом ёфт. Чиптаи бурднок: 7. Бори дигар барор!",
    )
    assert render_in_app("DEPOSIT_APPROVED", "de", {"amount": "5.00"}) == (
        "Deposit credited", "✅ Your deposit of 5.00 TJS has been credited."
    )  # fmt: skip
    assert render_in_app("NOT_A_TEMPLATE", "ru", {}) is None
    for template in TEMPLATES.values():  # the only markup a push uses is <b>, which the app drops
        assert all(not re.search(r"<(?!/?b>)", text) for text, _ in template.texts.values())


def test_languages_use_the_same_placeholders() -> None:
    for key, template in TEMPLATES.items():
        fields = {
            lang: {f for _, f, _, _ in string.Formatter().parse(text) if f}
            for lang, (text, _) in template.texts.items()
        }
        assert len({frozenset(f) for f in fields.values()}) == 1, (key, fields)


def test_values_are_html_escaped_and_the_button_opens_the_mini_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINI_APP_URL", "https://app.example/")
    text, markup = render(
        "LOTTERY_RESULT", "en", {"subject": "<a href='x'>&</a>", "winning_code": "7", "lottery_id": "L1"}
    )
    assert "&lt;a href=&#x27;x&#x27;&gt;&amp;&lt;/a&gt;" in text
    assert not re.search(r"<(?!/?b>)", text)
    assert markup == {
        "inline_keyboard": [[{"text": "See the result", "web_app": {"url": "https://app.example/lottery/L1"}}]]
    }


def test_unknown_language_falls_back_to_english_and_plain_http_gets_no_button(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MINI_APP_URL", "http://insecure.example")
    text, markup = render("DEPOSIT_APPROVED", "de", {"amount": "10.00"})
    assert text == "✅ Your deposit of 10.00 TJS has been credited." and markup is None


def test_broadcast_text_per_language_and_optional_button(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINI_APP_URL", "https://app.example")
    data = {"text_i18n": {"en": "Sale <today>", "ru": "Скидки"}}
    assert render("BROADCAST", "ru", data) == ("Скидки", None)
    assert render("BROADCAST", "zh", data)[0] == "Sale &lt;today&gt;"
    _, markup = render("BROADCAST", "tg", {**data, "button": {"path": "/lottery/9", "text_i18n": {"tg": "Бин"}}})
    assert markup == {"inline_keyboard": [[{"text": "Бин", "web_app": {"url": "https://app.example/lottery/9"}}]]}
