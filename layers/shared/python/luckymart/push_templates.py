"""Notification texts: the Telegram push and the in-app list (get-notifications) render the same templates, in the
user's language (ru, tg, zh, en; en is the fallback), from the notification's stored parameters, so both say the
same thing.

TEMPLATES: one per push template key (private.push_templates maps notification types to keys), each with the text
of its Mini App button. In a push every value is HTML-escaped (messages use parse_mode HTML, and lottery titles,
notes and broadcast texts are typed by people); in the app the same message is plain text with the user's title.
IN_APP_ONLY: the notification types that are not pushed. tests/unit/test_push_templates.py fails when a key or a
language is missing.
"""

from __future__ import annotations

import html
import os
import re
import string
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("ru", "tg", "zh", "en")
FALLBACK = "en"
MINI_APP_URL_ENV = "MINI_APP_URL"


@dataclass(frozen=True)
class Template:
    path: str  # Mini App page the button opens; {placeholders} allowed
    texts: dict[str, tuple[str, str]]  # language -> (message, button)


T = Template
TEMPLATES: dict[str, Template] = {
    "LOTTERY_WIN": T(
        "/prizes",
        {
            "ru": ("🎉 <b>Вы выиграли!</b>\n{subject}\nВыигрышный билет: <b>{winning_code}</b>", "Мои призы"),
            "tg": (
                "🎉 <b>Шумо ғолиб шудед!</b>\n{subject}\nЧиптаи бурднок: <b>{winning_code}</b>",
                "Ҷоизаҳои ман",
            ),
            "zh": ("🎉 <b>恭喜您中奖了！</b>\n{subject}\n中奖号码：<b>{winning_code}</b>", "我的奖品"),
            "en": ("🎉 <b>You won!</b>\n{subject}\nWinning ticket: <b>{winning_code}</b>", "My prizes"),
        },
    ),
    "LOTTERY_RESULT": T(
        "/lottery/{lottery_id}",
        {
            "ru": (
                "Розыгрыш «{subject}» завершён. Выигрышный билет: {winning_code}. Удачи в следующий раз!",
                "Результат",
            ),
            "tg": (
                "Қуръакашии «{subject}» анҷом ёфт. Чиптаи бурднок: {winning_code}. Бори дигар барор!",
                "Натиҷа",
            ),
            "zh": ("「{subject}」已开奖，中奖号码：{winning_code}。下次好运！", "查看结果"),
            "en": (
                "The draw of “{subject}” is done. Winning ticket: {winning_code}. Better luck next time!",
                "See the result",
            ),
        },
    ),
    "LOTTERY_CANCELLED": T(
        "/wallet",
        {
            "ru": ("Розыгрыш «{subject}» отменён, деньги возвращены на ваш кошелёк.", "Кошелёк"),
            "tg": ("Қуръакашии «{subject}» бекор шуд, пул ба ҳамёни шумо баргардонида шуд.", "Ҳамён"),
            "zh": ("「{subject}」已取消，款项已退回您的钱包。", "我的钱包"),
            "en": ("“{subject}” was cancelled; your payment was refunded to your wallet.", "Wallet"),
        },
    ),
    "DEPOSIT_APPROVED": T(
        "/wallet",
        {
            "ru": ("✅ Пополнение на {amount} TJS зачислено.", "Кошелёк"),
            "tg": ("✅ Пуркунии {amount} TJS ворид шуд.", "Ҳамён"),
            "zh": ("✅ 您的 {amount} TJS 充值已到账。", "我的钱包"),
            "en": ("✅ Your deposit of {amount} TJS has been credited.", "Wallet"),
        },
    ),
    "DEPOSIT_REJECTED": T(
        "/wallet",
        {
            "ru": ("Пополнение на {amount} TJS отклонено. Подробности в приложении.", "Подробнее"),
            "tg": ("Пуркунии {amount} TJS рад карда шуд. Тафсилот дар барнома.", "Тафсилот"),
            "zh": ("您的 {amount} TJS 充值未通过，详情请在应用内查看。", "查看详情"),
            "en": ("Your deposit of {amount} TJS was rejected. Details are in the app.", "Details"),
        },
    ),
    "WITHDRAWAL_COMPLETED": T(
        "/wallet",
        {
            "ru": ("💸 Вывод {amount} TJS выплачен.", "Кошелёк"),
            "tg": ("💸 Баровардани {amount} TJS пардохт шуд.", "Ҳамён"),
            "zh": ("💸 您的 {amount} TJS 提现已完成。", "我的钱包"),
            "en": ("💸 Your withdrawal of {amount} TJS has been paid out.", "Wallet"),
        },
    ),
    "WITHDRAWAL_REJECTED": T(
        "/wallet",
        {
            "ru": ("Вывод {amount} TJS отклонён, сумма возвращена на баланс.", "Кошелёк"),
            "tg": ("Баровардани {amount} TJS рад шуд, маблағ ба тавозун баргашт.", "Ҳамён"),
            "zh": ("您的 {amount} TJS 提现被拒绝，金额已退回余额。", "我的钱包"),
            "en": ("Your withdrawal of {amount} TJS was rejected; the amount is back in your balance.", "Wallet"),
        },
    ),
    "SHIPPING_SHIPPED": T(
        "/prizes",
        {
            "ru": ("📦 Приз «{subject}» отправлен. Трек-номер: {tracking_number}", "Мои призы"),
            "tg": ("📦 Ҷоизаи «{subject}» фиристода шуд. Рақами пайгирӣ: {tracking_number}", "Ҷоизаҳои ман"),
            "zh": ("📦 奖品「{subject}」已发货，运单号：{tracking_number}", "我的奖品"),
            "en": ("📦 Your prize “{subject}” is on its way. Tracking number: {tracking_number}", "My prizes"),
        },
    ),
    "SHIPPING_DELIVERED": T(
        "/prizes",
        {
            "ru": ("Приз «{subject}» доставлен. Поделитесь радостью!", "Мои призы"),
            "tg": ("Ҷоизаи «{subject}» расонида шуд. Шодии худро нишон диҳед!", "Ҷоизаҳои ман"),
            "zh": ("奖品「{subject}」已送达，快来晒单吧！", "我的奖品"),
            "en": ("Your prize “{subject}” was delivered. Show it off!", "My prizes"),
        },
    ),
    "SHOWOFF_APPROVED": T(
        "/showoffs",
        {
            "ru": ("Ваш отзыв опубликован. Награда: {reward_coins} монет.", "Открыть"),
            "tg": ("Шарҳи шумо нашр шуд. Мукофот: {reward_coins} танга.", "Кушодан"),
            "zh": ("您的晒单已发布，奖励 {reward_coins} 幸运币。", "查看"),
            "en": ("Your showoff is published. Reward: {reward_coins} lucky coins.", "Open"),
        },
    ),
    "SHOWOFF_REJECTED": T(
        "/showoffs",
        {
            "ru": ("Ваш отзыв не прошёл модерацию: {note}", "Открыть"),
            "tg": ("Шарҳи шумо тасдиқ нашуд: {note}", "Кушодан"),
            "zh": ("您的晒单未通过审核：{note}", "查看"),
            "en": ("Your showoff was not approved: {note}", "Open"),
        },
    ),
    "RESALE_SOLD": T(
        "/market",
        {
            "ru": ("💰 Ваш лот продан, зачислено {seller_amount} TJS.", "Рынок"),
            "tg": ("💰 Лоти шумо фурӯхта шуд, {seller_amount} TJS ворид шуд.", "Бозор"),
            "zh": ("💰 您的转售商品已售出，到账 {seller_amount} TJS。", "转售市场"),
            "en": ("💰 Your listing was sold; {seller_amount} TJS credited.", "Market"),
        },
    ),
    "COMMISSION": T(
        "/referral",
        {
            "ru": ("🤝 Реферальная комиссия: +{total_amount} TJS ({merged_count} шт.)", "Друзья"),
            "tg": ("🤝 Комиссияи даъватшудагон: +{total_amount} TJS ({merged_count} адад)", "Дӯстон"),
            "zh": ("🤝 推荐佣金：+{total_amount} TJS（{merged_count} 笔）", "我的邀请"),
            "en": ("🤝 Referral commission: +{total_amount} TJS (payments: {merged_count})", "Friends"),
        },
    ),
    "BROADCAST": T(
        "/",
        {
            "ru": ("{text}", "Открыть"),
            "tg": ("{text}", "Кушодан"),
            "zh": ("{text}", "打开"),
            "en": ("{text}", "Open"),
        },
    ),
}


# In-app titles of the push templates.
TITLES: dict[str, dict[str, str]] = {
    "LOTTERY_WIN": {"ru": "Вы выиграли!", "tg": "Шумо ғолиб шудед!", "zh": "恭喜中奖！", "en": "You won!"},
    "LOTTERY_RESULT": {"ru": "Итоги розыгрыша", "tg": "Натиҷаи қуръакашӣ", "zh": "开奖结果", "en": "Draw result"},
    "LOTTERY_CANCELLED": {
        "ru": "Розыгрыш отменён", "tg": "Қуръакашӣ бекор шуд", "zh": "抽奖已取消", "en": "Lottery cancelled",
    },
    "DEPOSIT_APPROVED": {
        "ru": "Пополнение зачислено", "tg": "Пуркунӣ ворид шуд", "zh": "充值已到账", "en": "Deposit credited",
    },
    "DEPOSIT_REJECTED": {
        "ru": "Пополнение отклонено", "tg": "Пуркунӣ рад шуд", "zh": "充值未通过", "en": "Deposit rejected",
    },
    "WITHDRAWAL_COMPLETED": {
        "ru": "Вывод выплачен", "tg": "Баровардан пардохт шуд", "zh": "提现已完成", "en": "Withdrawal paid",
    },
    "WITHDRAWAL_REJECTED": {
        "ru": "Вывод отклонён", "tg": "Баровардан рад шуд", "zh": "提现被拒绝", "en": "Withdrawal rejected",
    },
    "SHIPPING_SHIPPED": {
        "ru": "Приз отправлен", "tg": "Ҷоиза фиристода шуд", "zh": "奖品已发货", "en": "Your prize is on its way",
    },
    "SHIPPING_DELIVERED": {
        "ru": "Приз доставлен", "tg": "Ҷоиза расонида шуд", "zh": "奖品已送达", "en": "Prize delivered",
    },
    "SHOWOFF_APPROVED": {
        "ru": "Отзыв опубликован", "tg": "Шарҳ нашр шуд", "zh": "晒单已发布", "en": "Showoff published",
    },
    "SHOWOFF_REJECTED": {
        "ru": "Отзыв отклонён", "tg": "Шарҳ тасдиқ нашуд", "zh": "晒单未通过", "en": "Showoff not approved",
    },
    "RESALE_SOLD": {"ru": "Лот продан", "tg": "Лот фурӯхта шуд", "zh": "转售已售出", "en": "Listing sold"},
    "COMMISSION": {
        "ru": "Реферальная комиссия", "tg": "Комиссияи даъват", "zh": "推荐佣金", "en": "Referral commission",
    },
    "BROADCAST": {"ru": "LuckyMart", "tg": "LuckyMart", "zh": "LuckyMart", "en": "LuckyMart"},
}  # fmt: skip

# Where the push points to the app for details, the app shows them: the reviewer's note (typed by a person, as is).
IN_APP_MESSAGES: dict[str, dict[str, str]] = {
    "DEPOSIT_REJECTED": {
        "ru": "Пополнение на {amount} TJS отклонено. {note}",
        "tg": "Пуркунии {amount} TJS рад карда шуд. {note}",
        "zh": "您的 {amount} TJS 充值未通过。{note}",
        "en": "Your deposit of {amount} TJS was rejected. {note}",
    },
    "WITHDRAWAL_REJECTED": {
        "ru": "Вывод {amount} TJS отклонён, сумма возвращена на баланс. {note}",
        "tg": "Баровардани {amount} TJS рад шуд, маблағ ба тавозун баргашт. {note}",
        "zh": "您的 {amount} TJS 提现被拒绝，金额已退回余额。{note}",
        "en": "Your withdrawal of {amount} TJS was rejected; the amount is back in your balance. {note}",
    },
}

# Notification types shown in the app only (no push): language -> (title, message).
IN_APP_ONLY: dict[str, dict[str, tuple[str, str]]] = {
    "BONUS_ACTIVATED": {
        "ru": ("Бонус активирован", "🎁 Бонус за первое пополнение {amount} TJS зачислен на бонусный кошелёк."),
        "tg": ("Бонус фаъол шуд", "🎁 Бонуси пуркунии аввал {amount} TJS ба ҳамёни бонусӣ ворид шуд."),
        "zh": ("奖励已激活", "🎁 您的首充奖励 {amount} TJS 已存入奖励钱包。"),
        "en": ("Bonus activated", "🎁 Your first-deposit bonus of {amount} TJS is in your BONUS wallet."),
    },
    "SHIPPING_REQUESTED": {
        "ru": ("Заявка на доставку", "Мы получили вашу заявку на доставку приза «{subject}»."),
        "tg": ("Дархости расонидан", "Дархости шумо барои расонидани ҷоизаи «{subject}» қабул шуд."),
        "zh": ("已申请发货", "我们已收到您对奖品「{subject}」的发货申请。"),
        "en": ("Shipping requested", "We received your shipping request for “{subject}”."),
    },
    "RESALE_PURCHASED": {
        "ru": ("Покупка совершена", "Вы купили «{subject}» за {resale_price} TJS."),
        "tg": ("Харид анҷом ёфт", "Шумо «{subject}»-ро ба {resale_price} TJS харидед."),
        "zh": ("购买成功", "您以 {resale_price} TJS 购买了「{subject}」。"),
        "en": ("Purchase complete", "You bought “{subject}” for {resale_price} TJS."),
    },
    "RESALE_CANCELLED": {
        "ru": ("Лот снят", "LuckyMart сняла ваш лот «{subject}» с продажи: {reason}. Приз снова ваш."),
        "tg": ("Лот бардошта шуд",
               "LuckyMart лоти шумо «{subject}»-ро аз фурӯш бардошт: {reason}. Ҷоиза боз аз они шумост."),
        "zh": ("转售已下架", "LuckyMart 已下架您转售的「{subject}」：{reason}。奖品重新归您所有。"),
        "en": ("Listing removed",
               "Your resale listing of “{subject}” was removed by LuckyMart: {reason}. The prize is yours again."),
    },
}  # fmt: skip
_MARKUP = re.compile(r"</?b>")


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def _values(data: dict[str, Any], language: str, escape: Any = html.escape) -> _Values:
    values = _Values({k: escape(str(v)) for k, v in data.items() if v is not None and not isinstance(v, dict)})
    text_i18n = data.get("text_i18n")
    if isinstance(text_i18n, dict):  # broadcasts: the admin's text in the user's language
        text = text_i18n.get(language) or text_i18n.get(FALLBACK) or next(iter(text_i18n.values()), "")
        values["text"] = escape(str(text))
    return values


def render(template_key: str, language: str, data: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """(message text, reply_markup with a web_app button or None). KeyError for an unknown template key."""
    template = TEMPLATES[template_key]
    lang = language if language in template.texts else FALLBACK
    text, button = template.texts[lang]
    values = _values(data, lang)
    message = string.Formatter().vformat(text, (), values)
    button_data = data.get("button") if isinstance(data.get("button"), dict) else None
    if template_key == "BROADCAST" and not button_data:
        return message, None  # a broadcast has a button only when the admin gave one
    path = str(button_data.get("path") or "/") if button_data else template.path
    if button_data and isinstance(button_data.get("text_i18n"), dict):
        labels = button_data["text_i18n"]
        button = str(labels.get(lang) or labels.get(FALLBACK) or button)
    ids = _Values({k: str(v) for k, v in data.items() if isinstance(v, str | int)})
    return message, web_app_markup(button, string.Formatter().vformat(path, (), ids))


def render_in_app(template_key: str, language: str, data: dict[str, Any]) -> tuple[str, str] | None:
    """(title, message) of a notification in the app: the push's message as plain text (values as typed, no
    markup) with its title, or an in-app-only type's. None for a key without a template (the stored texts stay).
    An in-app notification is one event: a commission digest's sum and count are its own amount and 1."""
    lang = language if language in LANGUAGES else FALLBACK
    if template_key in IN_APP_ONLY:
        title, text = IN_APP_ONLY[template_key][lang]
    elif template_key in TEMPLATES:
        title = TITLES[template_key][lang]
        text = IN_APP_MESSAGES.get(template_key, {}).get(lang) or _MARKUP.sub(
            "", TEMPLATES[template_key].texts[lang][0]
        )
    else:
        return None
    values = _values({"total_amount": data.get("amount"), "merged_count": 1, **data}, lang, escape=str)
    message = string.Formatter().vformat(text, (), values).strip()
    return string.Formatter().vformat(title, (), values)[:100], message


def web_app_markup(label: str, path: str) -> dict[str, Any] | None:
    """An inline keyboard with one button opening the Mini App at `path` (https only, as Telegram requires)."""
    base = os.environ.get(MINI_APP_URL_ENV, "").rstrip("/")
    if not base.startswith("https://"):
        return None
    return {
        "inline_keyboard": [
            [{"text": label, "web_app": {"url": f"{base}{path if path.startswith('/') else '/'}"}}]
        ]
    }


# The bot's own replies (telegram-webhook): /start, /help, /language. {code} is the referral code, if any.
BOT_TEXTS: dict[str, dict[str, str]] = {
    "start": {
        "ru": "👋 Добро пожаловать в LuckyMart! Участвуйте в розыгрышах и выигрывайте призы.",
        "tg": "👋 Ба LuckyMart хуш омадед! Дар қуръакашиҳо иштирок кунед ва ҷоиза бибаред.",
        "zh": "👋 欢迎来到 LuckyMart！参与抽奖，赢取奖品。",
        "en": "👋 Welcome to LuckyMart! Join draws and win prizes.",
    },
    "help": {
        "ru": "/start — открыть LuckyMart\n/language ru|tg|zh|en — язык уведомлений\n/help — эта справка",
        "tg": "/start — кушодани LuckyMart\n/language ru|tg|zh|en — забони огоҳиҳо\n/help — ин маълумот",
        "zh": "/start — 打开 LuckyMart\n/language ru|tg|zh|en — 通知语言\n/help — 帮助",
        "en": "/start — open LuckyMart\n/language ru|tg|zh|en — notification language\n/help — this help",
    },
    "language_saved": {
        "ru": "Готово: уведомления будут на русском.",
        "tg": "Тайёр: огоҳиҳо ба забони тоҷикӣ мешаванд.",
        "zh": "已设置：通知将使用中文。",
        "en": "Done: notifications will be in English.",
    },
    "language_prompt": {
        "ru": "Выберите язык: /language ru, /language tg, /language zh или /language en",
        "tg": "Забонро интихоб кунед: /language ru, /language tg, /language zh ё /language en",
        "zh": "请选择语言：/language ru、/language tg、/language zh 或 /language en",
        "en": "Choose a language: /language ru, /language tg, /language zh or /language en",
    },
    "open": {
        "ru": "Открыть LuckyMart",
        "tg": "Кушодани LuckyMart",
        "zh": "打开 LuckyMart",
        "en": "Open LuckyMart",
    },
}


def bot_text(key: str, language: str) -> str:
    texts = BOT_TEXTS[key]
    return texts.get(language) or texts[FALLBACK]
